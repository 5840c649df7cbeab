// The webhook service: every endpoint has its own queue, so a slow or dead endpoint never delays another,
// and the feed only enqueues (the multiplexer never waits on HTTP). The POSTs run on one sender thread for
// all endpoints (webhook_http_sender.ts). Records and SMDR lines are stored per endpoint here, handed to the
// thread as batches of due deliveries, and retried with back-off for `recordRetryHours`, then marked failed.
// Call events, line and link states are handed to the thread once each for every endpoint that wants them:
// the thread keeps them in memory, retries them for `eventRetrySeconds`, then drops and counts them, and
// reports back what became of them (2,000 of the integrations bench's 2,200 deliveries a second are these).

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
import { deliveryBody } from "./webhook_body.ts";
import type { WebhooksSettings } from "./webhook_options.ts";
import type {
  AttemptOutcome,
  NewDelivery,
  StoredDelivery,
  Webhook,
  WebhookRepository,
} from "./webhook_repository.ts";
import {
  type EndpointConfig,
  type LiveReport,
  type PostResult,
  WebhookHttpSender,
} from "./webhook_http_sender.ts";

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
  /** Call events and states waiting on the sender thread, as of its last report (up to 100 ms old). */
  queued: number;
  /** Records given up after `recordRetryHours`; null when the store could not count them. */
  failedRecords: number | null;
  stats: ReturnType<DeliveryStats["snapshot"]>;
  lastAttempts: DeliveryAttempt[];
}

/** An attempt as the endpoint keeps it until the delivery log is asked for. */
type NotedAttempt = Omit<DeliveryAttempt, "at"> & { at: number };

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
      endpoints: () => [...this.#workers.values()].map((w) => w.config()),
      handoverMs: () => this.#options.settings().handoverMs,
      onLiveReports: (reports) => {
        for (const report of reports) this.#workers.get(report.endpoint)?.liveReport(report);
      },
      onLiveLost: () => {
        for (const worker of this.#workers.values()) worker.liveLost();
      },
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
        senderEvents: this.#sender?.liveEvents ?? 0,
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
    this.#sender?.refresh();
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
    const wanting: EndpointWorker[] = [];
    for (const worker of this.#workers.values()) if (worker.wants(item)) wanting.push(worker);
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
      for (const d of deliveries) d.payload = deliveryBody(d.id, item.kind, now, payloadJson(item));
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
    const handed = this.#sender!.live({
      endpoints: wanting.map((w) => w.id),
      kind: item.kind,
      createdAt: now,
      data: payloadJson(item),
      // On the dispatcher's clock, which the sender thread follows (the feed stamps monotonic time).
      madeAt: now - (this.#clock.monotonic() - item.madeAt),
    });
    for (const worker of wanting) {
      if (handed) worker.handed(item.kind);
      else worker.refused(item.kind);
    }
  }
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

/**
 * One endpoint: its stored deliveries handed to the sender thread in order, a batch at a time, and what the
 * thread reports of its call events.
 */
class EndpointWorker {
  readonly stats = new DeliveryStats();
  #webhook: Webhook;
  readonly #c: WorkerContext;
  /** Call events waiting on the sender thread, by kind, as its last report said. */
  #queued: Record<string, number> = {};
  /** Call events handed to the sender thread and not yet reported delivered or dropped, by kind. */
  #unsettled: Partial<Record<IntegrationKind, number>> = {};
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

  /** What the sender thread needs to send this endpoint's call events. */
  config(): EndpointConfig {
    const w = this.#webhook;
    const s = this.#c.settings();
    return {
      id: w.id,
      url: w.url,
      secret: w.secret,
      enabled: w.enabled,
      userAgent: this.#c.userAgent,
      timeoutMs: s.timeoutSeconds * 1000,
      queueLimit: s.queuePerEndpoint,
      eventRetryMs: s.eventRetrySeconds * 1000,
      retryMinMs: s.retryMinSeconds * 1000,
      retryMaxMs: s.retryMaxSeconds * 1000,
    };
  }

  /** What became of the call events on the sender thread since its last report. */
  liveReport(report: LiveReport): void {
    this.#queued = report.queued;
    for (const what of ["delivered", "dropped"] as const) {
      for (const [kind, n] of Object.entries(report[what]) as [IntegrationKind, number][]) {
        this.#count(what, kind, n);
        this.#unsettled[kind] = (this.#unsettled[kind] ?? 0) - n;
      }
    }
    for (const ms of report.latencies) this.#latency(ms);
    for (const attempt of report.attempts) this.#note({ ...attempt, kind: attempt.kind as IntegrationKind });
  }

  /** A call event went to the sender thread for this endpoint. */
  handed(kind: IntegrationKind): void {
    this.#unsettled[kind] = (this.#unsettled[kind] ?? 0) + 1;
  }

  /**
   * The sender thread died with the call events it held: every one handed to it and not reported is counted
   * as dropped (one delivered just before the death, unreported, among them: at most once for call events).
   */
  liveLost(): void {
    for (const [kind, n] of Object.entries(this.#unsettled) as [IntegrationKind, number][]) {
      if (n > 0) this.#count("dropped", kind, n);
    }
    this.#unsettled = {};
    this.#queued = {};
  }

  /** A call event the sender thread could not take (it is restarting), counted as dropped. */
  refused(kind: IntegrationKind): void {
    this.#count("dropped", kind);
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
      queued: Object.values(this.#queued).reduce((sum, n) => sum + n, 0),
      failedRecords: countOrNull(() => repo.failedCount(this.#webhook.id)),
      stats: this.stats.snapshot(),
      // Newest first by the attempts' own times: a batch's stored deliveries are noted when the whole batch
      // is back, after the call events the thread sent between them.
      lastAttempts: [...this.#recent].reverse().sort((a, b) => b.at - a.at).map(({ at, ...attempt }) => ({
        ...attempt,
        at: iso(at),
      })),
    };
  }

  async sendTest(): Promise<DeliveryAttempt> {
    const id = crypto.randomUUID();
    const now = this.#c.clock.now();
    const payload = { message: "a test delivery from cstabox", webhook: this.#webhook.name };
    const items = [{
      id,
      kind: "test",
      body: deliveryBody(id, "test", now, JSON.stringify(payload)),
      createdAt: now,
    }];
    const [result = notSent(now)] = await this.#c.sender.send(this.#batchFor(items, false)).outcomes;
    const attempt: NotedAttempt = {
      delivery: id,
      kind: "test",
      at: result.at,
      status: result.status,
      ms: result.ms,
      error: result.error,
      outcome: result.ok ? "delivered" : "failed",
    };
    this.#note(attempt);
    return { ...attempt, at: iso(result.at) };
  }

  // ---- the loop ---------------------------------------------------------------------------------

  async #run(): Promise<void> {
    // Let the constructor return before the first store read.
    await Promise.resolve();
    while (!this.#stopped) {
      const now = this.#c.clock.now();
      const durable = this.#webhook.enabled ? this.#nextDurable() : undefined;
      const due = this.#due(now);
      if (due.length > 0) {
        await this.#deliver(due);
        continue;
      }
      await this.#sleep(durable === undefined ? undefined : durable.nextAttemptAt - now);
    }
  }

  /** The stored deliveries due now, oldest first, up to the first one waiting for a retry, at most BATCH. */
  #due(now: number): StoredDelivery[] {
    if (!this.#webhook.enabled) return [];
    const due: StoredDelivery[] = [];
    for (const delivery of this.#window) {
      if (due.length === BATCH || delivery.nextAttemptAt > now) break;
      due.push(delivery);
    }
    return due;
  }

  /**
   * Sends the batch on the sender thread (in the endpoint's queue, among its call events by age) and takes
   * its outcomes in order; the rest stay due.
   */
  async #deliver(due: StoredDelivery[]): Promise<void> {
    const items = due.map((d) => ({ id: d.id, kind: d.kind, body: d.payload, createdAt: d.createdAt }));
    const sent = this.#c.sender.send(this.#batchFor(items, true));
    this.#batch = sent.batch;
    const outcomes = await sent.outcomes;
    this.#batch = undefined;
    outcomes.forEach((result, i) => this.#afterDurable(due[i], result));
  }

  /** `queued`: the batch joins the endpoint's queue on the thread (a test is sent on its own). */
  #batchFor(items: { id: string; kind: string; body: string; createdAt: number }[], queued: boolean) {
    return {
      ...(queued ? { endpoint: this.#webhook.id } : {}),
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
      at: result.at,
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
      at: result.at,
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

  #count(what: "delivered" | "failed" | "dropped", kind: IntegrationKind, n = 1): void {
    this.stats[what][kind] += n;
    this.#c.total[what][kind] += n;
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

/** The outcome of a test the sender thread handed back unsent (it died, or the dispatcher stopped). */
function notSent(at: number): PostResult {
  return { ok: false, status: null, error: "not sent (the sender stopped)", ms: 0, at };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
