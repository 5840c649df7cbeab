// The webhook service: every endpoint has its own worker, so a slow or dead endpoint never delays another,
// and the feed only enqueues (the multiplexer never waits on HTTP). The POSTs themselves run on one sender
// thread for all endpoints (webhook_http_sender.ts), handed each endpoint's due deliveries as a batch. Records and SMDR lines are stored per
// endpoint and retried with back-off for `recordRetryHours`, then marked failed; call events, line and link
// states wait in memory and are retried for `eventRetrySeconds`, then dropped and counted.

import { type Clock, systemClock, type TimerHandle } from "../../clock.ts";
import { Lifecycle } from "../../lifecycle.ts";
import type { Logger } from "../../log/logger.ts";
import { backoffDelay } from "../../net/backoff.ts";
import type { Service, ServiceStatus } from "../../service.ts";
import { errorText } from "../../log/error_text.ts";
import { countOrNull } from "../count_or_null.ts";
import { DeliveryStats } from "../delivery_stats.ts";
import { immediateWrites, LaterWrite, type OutboxWrites } from "../outbox_commits.ts";
import { type FeedItem, type IntegrationFeed, payloadJson } from "../integration_feed.ts";
import { DURABLE_KINDS, type IntegrationKind } from "../integration_kinds.ts";
import type { WebhooksSettings } from "./webhook_options.ts";
import type {
  AttemptOutcome,
  NewDelivery,
  StoredDelivery,
  Webhook,
  WebhookRepository,
} from "./webhook_repository.ts";
import { type PostResult, WebhookHttpSender } from "./webhook_http_sender.ts";

export interface WebhookDispatcherOptions {
  settings: () => WebhooksSettings;
  /** Writes the attempts in the outboxes' shared commits (the integrations' OutboxCommits); at once without. */
  writes?: OutboxWrites;
  repository: WebhookRepository;
  feed: IntegrationFeed;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  userAgent?: string;
  /** The sender thread's module (a test gives one that dies). */
  senderWorkerUrl?: URL;
}

/** One attempt as the delivery log shows it. */
export interface DeliveryAttempt {
  delivery: string;
  kind: IntegrationKind | "test";
  at: string;
  /** The endpoint's HTTP status, null when there was no answer. */
  status: number | null;
  ms: number;
  error: string | null;
  /** What became of the delivery after this attempt. */
  outcome: "delivered" | "retrying" | "failed" | "dropped";
}

export interface EndpointStatus {
  id: string;
  name: string;
  enabled: boolean;
  /**
   * Durable deliveries waiting (records, SMDR lines); null when the store could not count them. Never 0 for
   * "unknown": a drained backlog is what an operator (and the outage test) waits for.
   */
  backlog: number | null;
  /** Call events and states waiting in memory. */
  queued: number;
  /** Records given up after `recordRetryHours`; null when the store could not count them. */
  failedRecords: number | null;
  stats: ReturnType<DeliveryStats["snapshot"]>;
  lastAttempts: DeliveryAttempt[];
}

/** An attempt as the endpoint keeps it until the delivery log is asked for. */
type NotedAttempt = Omit<DeliveryAttempt, "at"> & { at: number };

interface LiveDelivery {
  id: string;
  kind: IntegrationKind;
  body: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  madeAt?: number;
}

const RECENT_ATTEMPTS = 50;
const PRUNE_EVERY = 100;

export class WebhookDispatcher implements Service {
  readonly name = "webhooks";
  /** All endpoints together, for /metrics. */
  readonly stats = new DeliveryStats();
  readonly #options: WebhookDispatcherOptions;
  readonly #clock: Clock;
  readonly #lifecycle = new Lifecycle();
  readonly #workers = new Map<string, EndpointWorker>();
  #unsubscribe?: () => void;
  #sender?: WebhookHttpSender;

  constructor(options: WebhookDispatcherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): Promise<void> {
    this.#lifecycle.set("starting");
    this.#sender = new WebhookHttpSender({
      log: this.#options.log,
      clock: this.#clock,
      workerUrl: this.#options.senderWorkerUrl,
    });
    this.#unsubscribe = this.#options.feed.subscribe(
      (item) => this.#onItem(item),
      (kind) => [...this.#workers.values()].some((w) => w.wantsKind(kind)),
    );
    this.#lifecycle.set("running");
    this.reload();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.#lifecycle.state === "stopped") return;
    this.#lifecycle.set("stopping");
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await Promise.all([...this.#workers.values()].map((w) => w.stop()));
    this.#workers.clear();
    this.#sender?.stop();
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus {
    const endpoints = this.endpoints();
    const failing = endpoints.filter((e) =>
      e.enabled && e.lastAttempts[0] && e.lastAttempts[0].outcome !== "delivered"
    );
    const snapshot = this.#lifecycle.snapshot({
      details: {
        endpoints: endpoints.length,
        backlog: endpoints.some((e) => e.backlog === null)
          ? null
          : endpoints.reduce((n, e) => n + e.backlog!, 0),
        queued: endpoints.reduce((n, e) => n + e.queued, 0),
        failing: failing.map((e) => e.name),
        senderRestarts: this.#sender?.restarts ?? 0,
        senderMessages: this.#sender?.messages ?? 0,
        ...this.stats.snapshot(),
      },
    });
    if (snapshot.state === "running" && failing.length > 0) {
      return {
        ...snapshot,
        state: "degraded",
        reason: `webhook endpoint(s) failing: ${failing.map((e) => e.name).join(", ")}`,
      };
    }
    return snapshot;
  }

  /** Reads the endpoints again (after the API changed one): workers start, stop or take the new settings. */
  reload(): void {
    if (this.#lifecycle.state !== "running") return;
    let webhooks: Webhook[];
    try {
      webhooks = this.#options.repository.list();
    } catch (error) {
      this.#options.log.error("webhook endpoints not read", { error });
      return;
    }
    const ids = new Set(webhooks.map((w) => w.id));
    for (const [id, worker] of this.#workers) {
      if (!ids.has(id)) {
        void worker.stop();
        this.#workers.delete(id);
      }
    }
    for (const webhook of webhooks) {
      const worker = this.#workers.get(webhook.id);
      if (worker) worker.update(webhook);
      else this.#workers.set(webhook.id, new EndpointWorker(webhook, this.#context()));
    }
  }

  /** Every endpoint's state and last attempts, for the UI and the API. */
  endpoints(): EndpointStatus[] {
    return [...this.#workers.values()].map((w) => w.status());
  }

  endpoint(id: string): EndpointStatus | undefined {
    return this.#workers.get(id)?.status();
  }

  /** Sends a `test` delivery to the endpoint now (enabled or not) and answers how it went. */
  async sendTest(id: string): Promise<DeliveryAttempt | undefined> {
    const worker = this.#workers.get(id);
    if (!worker) return undefined;
    return await worker.sendTest();
  }

  #context(): WorkerContext {
    return {
      settings: this.#options.settings,
      repository: this.#options.repository,
      log: this.#options.log,
      clock: this.#clock,
      random: this.#options.random ?? Math.random,
      sender: this.#sender!,
      total: this.stats,
      userAgent: this.#options.userAgent ?? "cstabox",
      writes: this.#options.writes ?? immediateWrites,
    };
  }

  #onItem(item: FeedItem): void {
    const now = this.#clock.now();
    const wanting = [...this.#workers.values()].filter((w) => w.wants(item));
    if (wanting.length === 0) return;
    if (DURABLE_KINDS.has(item.kind)) {
      const deliveries = wanting.map((w) => ({
        id: crypto.randomUUID(),
        webhookId: w.id,
        kind: item.kind,
        payload: "",
        createdAt: now,
        nextAttemptAt: now,
      }));
      for (const d of deliveries) d.payload = body(d.id, item.kind, now, payloadJson(item));
      try {
        this.#options.repository.enqueue(deliveries);
      } catch (error) {
        for (const w of wanting) w.stats.failed[item.kind]++;
        this.stats.failed[item.kind] += wanting.length;
        this.#options.log.error("webhook deliveries not stored", { kind: item.kind, error });
        return;
      }
      wanting.forEach((w, i) => w.enqueued(deliveries[i], item.madeAt));
      return;
    }
    for (const worker of wanting) {
      const id = crypto.randomUUID();
      worker.push({
        id,
        kind: item.kind,
        body: body(id, item.kind, now, payloadJson(item)),
        createdAt: now,
        attempts: 0,
        nextAttemptAt: now,
        madeAt: item.madeAt,
      });
    }
  }
}

/**
 * The JSON every delivery carries: what it is, its id (also in `X-Cstabox-Delivery`), when, and the data
 * (`dataJson`, already JSON, so one payload is serialised once for every endpoint). The same text as
 * `JSON.stringify({ event, delivery, createdAt, data })`.
 */
function body(id: string, kind: IntegrationKind | "test", createdAt: number, dataJson: string): string {
  const head = JSON.stringify({ event: kind, delivery: id, createdAt: new Date(createdAt).toISOString() });
  return `${head.slice(0, -1)},"data":${dataJson}}`;
}

interface WorkerContext {
  settings: () => WebhooksSettings;
  repository: WebhookRepository;
  log: Logger;
  clock: Clock;
  random: () => number;
  sender: WebhookHttpSender;
  total: DeliveryStats;
  userAgent: string;
  writes: OutboxWrites;
}

/** Durable deliveries read from the store at a time, per endpoint. */
const WINDOW = 100;
/** Deliveries handed to the sender thread at a time, per endpoint. */
const BATCH = 100;

/** A delivery due now, durable (in the store) or live (call events in memory). */
type Due =
  | { durable: true; delivery: StoredDelivery }
  | { durable: false; delivery: LiveDelivery };

/** One endpoint's deliveries, one at a time and in order, on its own loop. */
class EndpointWorker {
  readonly stats = new DeliveryStats();
  #webhook: Webhook;
  readonly #c: WorkerContext;
  readonly #live: LiveDelivery[] = [];
  /** The last attempts, their time kept as a number: formatted only when asked (status), not per attempt. */
  readonly #recent: NotedAttempt[] = [];
  readonly #madeAt = new Map<string, number>();
  #stopped = false;
  #loop: Promise<void>;
  #wakeUp?: () => void;
  #timer?: TimerHandle;
  #finished = 0;
  /** The sender's number of the batch in flight. */
  #batch?: number;
  /** The endpoint's oldest pending durable deliveries, in order, as they stand after the attempts so far. */
  #window: StoredDelivery[] = [];
  /**
   * Whether the store may hold pending deliveries the window has not read: at start, after a change of
   * the endpoint, while a read filled the whole window, and after a delivery found the window full.
   * Without it every call event sent read the store again (one SELECT per delivery).
   */
  #unread = true;
  /** Attempts not written to the store yet (they go with the outboxes' next commit). */
  #outcomes: AttemptOutcome[] = [];
  /** The attempts' write with the outboxes' next commit. */
  readonly #attemptsLater: LaterWrite;

  constructor(webhook: Webhook, context: WorkerContext) {
    this.#webhook = webhook;
    this.#c = context;
    this.#attemptsLater = new LaterWrite(
      context.writes,
      () => this.#writeOutcomes(),
      (e) => this.#notStored(e),
    );
    this.#loop = this.#run();
  }

  get id(): string {
    return this.#webhook.id;
  }

  update(webhook: Webhook): void {
    const old = this.#webhook;
    this.#webhook = webhook;
    // A batch in flight to an endpoint switched off or moved stops after its current attempt.
    const moved = !webhook.enabled || webhook.url !== old.url || webhook.secret !== old.secret;
    if (moved && this.#batch !== undefined) this.#c.sender.abort(this.#batch);
    this.#unread = true;
    this.wake();
  }

  /** Whether the endpoint takes this kind now (on, and the kind chosen). */
  wantsKind(kind: IntegrationKind): boolean {
    return this.#webhook.enabled && this.#webhook.kinds.includes(kind);
  }

  wants(item: FeedItem): boolean {
    const w = this.#webhook;
    if (!w.enabled || !w.kinds.includes(item.kind)) return false;
    if (w.lines.length === 0 || item.lines.length === 0) return true;
    return item.lines.some((line) => w.lines.includes(line));
  }

  push(delivery: LiveDelivery): void {
    if (this.#live.length >= this.#c.settings().queuePerEndpoint) {
      this.#count("dropped", delivery.kind);
      this.#note({
        delivery: delivery.id,
        kind: delivery.kind,
        at: this.#c.clock.now(),
        status: null,
        ms: 0,
        error: "queue full",
        outcome: "dropped",
      });
      return;
    }
    this.#live.push(delivery);
    this.wake();
  }

  /**
   * A durable delivery was stored for this endpoint. While the window holds every pending one (and has
   * room), the new one joins its end, where a read of the store would put it (the newest, in insertion
   * order): the store is read again only when the window had no room. Reading it after each record meant
   * committing the attempts first, one commit per batch whatever `integrations.commitIntervalMs` said.
   */
  enqueued(delivery: NewDelivery, madeAt: number): void {
    if (!this.#unread && this.#window.length < WINDOW) {
      this.#window.push({
        ...delivery,
        state: "pending",
        attempts: 0,
        lastAttemptAt: null,
        lastStatus: null,
        lastError: null,
      });
    } else {
      this.#unread = true;
    }
    this.#madeAt.set(delivery.id, madeAt);
    this.wake();
  }

  wake(): void {
    const wakeUp = this.#wakeUp;
    this.#wakeUp = undefined;
    wakeUp?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#batch !== undefined) this.#c.sender.abort(this.#batch);
    this.wake();
    await this.#loop;
    this.#commit({ always: true });
  }

  status(): EndpointStatus {
    const repo = this.#c.repository;
    return {
      id: this.#webhook.id,
      name: this.#webhook.name,
      enabled: this.#webhook.enabled,
      backlog: countOrNull(() => repo.pendingCount(this.#webhook.id)),
      queued: this.#live.length,
      failedRecords: countOrNull(() => repo.failedCount(this.#webhook.id)),
      stats: this.stats.snapshot(),
      lastAttempts: this.#recent.map(({ at, ...attempt }) => ({ ...attempt, at: iso(at) })).reverse(),
    };
  }

  async sendTest(): Promise<DeliveryAttempt> {
    const id = crypto.randomUUID();
    const now = this.#c.clock.now();
    const payload = { message: "a test delivery from cstabox", webhook: this.#webhook.name };
    const items = [{ id, kind: "test", body: body(id, "test", now, JSON.stringify(payload)) }];
    const [result = NOT_SENT] = await this.#c.sender.send(this.#batchFor(items)).outcomes;
    const attempt: NotedAttempt = {
      delivery: id,
      kind: "test",
      at: now,
      status: result.status,
      ms: result.ms,
      error: result.error,
      outcome: result.ok ? "delivered" : "failed",
    };
    this.#note(attempt);
    return { ...attempt, at: iso(now) };
  }

  // ---- the loop ---------------------------------------------------------------------------------

  async #run(): Promise<void> {
    // Let the constructor return before the first store read.
    await Promise.resolve();
    while (!this.#stopped) {
      const now = this.#c.clock.now();
      this.#expireLive(now);
      const durable = this.#webhook.enabled ? this.#nextDurable() : undefined;
      const live = this.#webhook.enabled ? this.#live[0] : undefined;
      const due = this.#due(now);
      if (due.length > 0) {
        await this.#deliver(due);
        continue;
      }
      const times = [durable?.nextAttemptAt, live?.nextAttemptAt].filter((t) => t !== undefined);
      await this.#sleep(times.length === 0 ? undefined : Math.min(...times) - now);
    }
  }

  /**
   * The deliveries due now, oldest first: the durable window's and the live queue's, each from its head up
   * to the first one waiting for a retry (each keeps its order), at most BATCH.
   */
  #due(now: number): Due[] {
    if (!this.#webhook.enabled) return [];
    const due: Due[] = [];
    let d = 0;
    let l = 0;
    while (due.length < BATCH) {
      const durable = this.#window[d]?.nextAttemptAt <= now ? this.#window[d] : undefined;
      const live = this.#live[l]?.nextAttemptAt <= now ? this.#live[l] : undefined;
      if (durable && (!live || durable.createdAt <= live.createdAt)) {
        due.push({ durable: true, delivery: durable });
        d++;
      } else if (live) {
        due.push({ durable: false, delivery: live });
        l++;
      } else break;
    }
    return due;
  }

  /** Sends the batch on the sender thread and takes its outcomes in order; the rest stay due. */
  async #deliver(due: Due[]): Promise<void> {
    const items = due.map(({ durable, delivery }) =>
      durable
        ? { id: delivery.id, kind: delivery.kind, body: delivery.payload }
        : { id: delivery.id, kind: delivery.kind, body: delivery.body }
    );
    const sent = this.#c.sender.send(this.#batchFor(items));
    this.#batch = sent.batch;
    const outcomes = await sent.outcomes;
    this.#batch = undefined;
    outcomes.forEach((result, i) => {
      const { durable, delivery } = due[i];
      if (durable) this.#afterDurable(delivery, result);
      else this.#afterLive(delivery, result);
    });
  }

  #batchFor(items: { id: string; kind: string; body: string }[]) {
    return {
      url: this.#webhook.url,
      secret: this.#webhook.secret,
      userAgent: this.#c.userAgent,
      timeoutMs: this.#c.settings().timeoutSeconds * 1000,
      handedAt: this.#c.clock.now(),
      items,
    };
  }

  /**
   * The oldest pending durable delivery; the window is read again (after writing the attempts) when empty
   * and the store may hold more.
   */
  #nextDurable(): StoredDelivery | undefined {
    if (this.#window.length === 0 && this.#unread) {
      this.#commit();
      try {
        this.#window = this.#c.repository.pending(this.#webhook.id, WINDOW);
        this.#unread = this.#window.length === WINDOW;
      } catch (error) {
        this.#c.log.error("webhook deliveries not read", {
          webhook: this.#webhook.name,
          error: errorText(error),
        });
      }
    }
    return this.#window[0];
  }

  /**
   * Writes the attempts made so far now, in one commit (before the store is read, and at the stop, where
   * the commit also takes the other outboxes' waiting work, so none is left for after the store closes).
   */
  #commit(options: { always?: boolean } = {}): void {
    if (this.#outcomes.length === 0 && !options.always) return;
    try {
      this.#c.writes.commit(() => this.#writeOutcomes());
    } catch (error) {
      this.#notStored(error);
    }
  }

  #writeOutcomes(): void {
    const outcomes = this.#outcomes;
    if (outcomes.length === 0) return;
    this.#outcomes = [];
    const finished = outcomes.filter((o) => o.state !== "pending").length;
    const prune =
      Math.floor((this.#finished + finished) / PRUNE_EVERY) > Math.floor(this.#finished / PRUNE_EVERY);
    this.#c.repository.attempted(outcomes);
    if (prune) this.#c.repository.prune(this.#webhook.id, this.#c.settings().keepDeliveries);
    this.#finished += finished;
  }

  #notStored(error: unknown): void {
    this.#c.log.error("webhook delivery states not stored", {
      webhook: this.#webhook.name,
      error: errorText(error),
    });
  }

  #sleep(ms: number | undefined): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wakeUp = () => {
        if (this.#timer !== undefined) this.#c.clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        resolve();
      };
      if (ms !== undefined) this.#timer = this.#c.clock.setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  /** Call events older than the retry time are given up, counted. */
  #expireLive(now: number): void {
    const limit = this.#c.settings().eventRetrySeconds * 1000;
    while (this.#live.length > 0 && this.#live[0].attempts > 0 && now - this.#live[0].createdAt > limit) {
      const gone = this.#live.shift()!;
      this.#count("dropped", gone.kind);
    }
  }

  #afterLive(delivery: LiveDelivery, result: PostResult): void {
    const now = this.#c.clock.now();
    delivery.attempts++;
    let outcome: DeliveryAttempt["outcome"];
    if (result.ok) {
      this.#dropLive(delivery);
      this.#count("delivered", delivery.kind);
      if (delivery.madeAt !== undefined) this.#latency(this.#c.clock.monotonic() - delivery.madeAt);
      outcome = "delivered";
    } else {
      const delay = this.#backoff(delivery.attempts);
      const limit = this.#c.settings().eventRetrySeconds * 1000;
      if (now + delay - delivery.createdAt > limit) {
        this.#dropLive(delivery);
        this.#count("dropped", delivery.kind);
        outcome = "dropped";
      } else {
        delivery.nextAttemptAt = now + delay;
        outcome = "retrying";
      }
    }
    this.#note({
      delivery: delivery.id,
      kind: delivery.kind,
      at: now,
      status: result.status,
      ms: result.ms,
      error: result.error,
      outcome,
    });
  }

  /** The live queue's head leaves it (delivered or given up). */
  #dropLive(delivery: LiveDelivery): void {
    if (this.#live[0] === delivery) this.#live.shift();
  }

  #afterDurable(delivery: StoredDelivery, result: PostResult): void {
    if (this.#stopped && !result.ok) return; // cut short by the stop: tried again after the restart
    const now = this.#c.clock.now();
    const kind = delivery.kind as IntegrationKind;
    let outcome: DeliveryAttempt["outcome"];
    let nextAttemptAt = now;
    if (result.ok) {
      outcome = "delivered";
      this.#count("delivered", kind);
      const madeAt = this.#madeAt.get(delivery.id);
      if (madeAt !== undefined) this.#latency(this.#c.clock.monotonic() - madeAt);
    } else {
      const delay = this.#backoff(delivery.attempts + 1);
      const limit = this.#c.settings().recordRetryHours * 3600_000;
      if (now + delay - delivery.createdAt > limit) {
        outcome = "failed";
        this.#count("failed", kind);
        this.#c.log.warn("webhook delivery failed for good", {
          webhook: this.#webhook.name,
          delivery: delivery.id,
          kind,
          attempts: delivery.attempts + 1,
          reason: result.error,
        });
      } else {
        outcome = "retrying";
        nextAttemptAt = now + delay;
      }
    }
    this.#madeAt.delete(delivery.id);
    const attempts = delivery.attempts + 1;
    this.#outcomes.push({
      id: delivery.id,
      state: outcome === "delivered" ? "delivered" : outcome === "failed" ? "failed" : "pending",
      attempts,
      at: now,
      status: result.status,
      error: result.error,
      nextAttemptAt,
    });
    if (outcome === "retrying") {
      delivery.attempts = attempts;
      delivery.nextAttemptAt = nextAttemptAt;
    } else if (this.#window[0] === delivery) {
      this.#window.shift();
    }
    this.#attemptsLater.schedule();
    this.#note({
      delivery: delivery.id,
      kind,
      at: now,
      status: result.status,
      ms: result.ms,
      error: result.error,
      outcome,
    });
  }

  #backoff(attempts: number): number {
    const s = this.#c.settings();
    return backoffDelay(
      attempts - 1,
      { minMs: s.retryMinSeconds * 1000, maxMs: s.retryMaxSeconds * 1000 },
      this.#c.random,
    );
  }

  #count(what: "delivered" | "failed" | "dropped", kind: IntegrationKind): void {
    this.stats[what][kind]++;
    this.#c.total[what][kind]++;
  }

  #latency(ms: number): void {
    this.stats.latency(ms);
    this.#c.total.latency(ms);
  }

  #note(attempt: NotedAttempt): void {
    this.#recent.push(attempt);
    if (this.#recent.length > RECENT_ATTEMPTS) this.#recent.shift();
  }
}

/** The outcome of a delivery the sender thread handed back unsent (it died, or the dispatcher stopped). */
const NOT_SENT: PostResult = { ok: false, status: null, error: "not sent (the sender stopped)", ms: 0 };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
