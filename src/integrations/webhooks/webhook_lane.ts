// One webhook endpoint's queue on the sender thread (webhook_http_worker.ts): its call events, which it
// delivers, retries with back-off and drops itself, and the batches of stored deliveries the dispatcher hands
// it, whose outcomes go back for the store. One POST at a time, oldest first; each keeps its order, so
// nothing overtakes a delivery waiting for its retry.

import { backoffDelay } from "../../net/backoff.ts";
import { deliveryBody } from "./webhook_body.ts";
import type {
  EndpointConfig,
  HttpBatch,
  LiveAttempt,
  LiveEvent,
  LiveReport,
  PostResult,
} from "./webhook_http_messages.ts";
import type { PostTarget } from "./webhook_post.ts";

/** Attempts kept per report: the delivery log shows the last 50. */
const REPORT_ATTEMPTS = 50;

/** What a queue needs from its thread. */
export interface LaneContext {
  /** The dispatcher's clock (ms), which attempts, expiries and latencies follow. */
  now(): number;
  post(to: PostTarget, attempt: AbortController, id: string, kind: string, body: string): Promise<PostResult>;
  /** A batch of stored deliveries ended (all sent, a failure, an abort or the endpoint's close). */
  batchDone(batch: number, outcomes: PostResult[]): void;
  /** The queue has something new to report. */
  changed(): void;
}

/** A call event waiting for one endpoint. */
interface Live {
  id: string;
  kind: string;
  body: string;
  createdAt: number;
  attempts: number;
  /** This thread's Date.now() when it is due. */
  nextAttemptAt: number;
  /** The dispatcher's clock (ms) of the PBX event. */
  madeAt: number;
}

interface HeldBatch {
  batch: HttpBatch;
  outcomes: PostResult[];
  aborted: boolean;
}

/** One endpoint's queue: its call events and its batches of stored deliveries, one POST at a time. */
export class Lane {
  config: EndpointConfig;
  readonly #live: Live[] = [];
  readonly #batches: HeldBatch[] = [];
  #busy = false;
  /** The endpoint is gone: an answer that still comes in is not counted, nothing more is sent. */
  #closed = false;
  #timer?: ReturnType<typeof setTimeout>;
  #inFlight?: AbortController;
  /** The batch whose item is in flight (else a call event is, or nothing). */
  #sending?: HeldBatch;
  readonly #queued: Record<string, number> = {};
  #report = emptyReport();
  #dirty = false;
  readonly #context: LaneContext;

  constructor(config: EndpointConfig, context: LaneContext) {
    this.config = config;
    this.#context = context;
  }

  take(event: LiveEvent): void {
    const id = crypto.randomUUID();
    const live: Live = {
      id,
      kind: event.kind,
      body: deliveryBody(id, event.kind, event.createdAt, event.data),
      createdAt: event.createdAt,
      attempts: 0,
      nextAttemptAt: 0,
      madeAt: event.madeAt,
    };
    if (this.#live.length >= this.config.queueLimit) {
      this.#count("dropped", live.kind);
      this.#note(live, { status: null, error: "queue full", ms: 0, at: this.#context.now() }, "dropped");
      return;
    }
    this.#live.push(live);
    this.#queued[live.kind] = (this.#queued[live.kind] ?? 0) + 1;
    this.wake();
  }

  join(batch: HttpBatch): void {
    this.#batches.push({ batch, outcomes: [], aborted: false });
    this.wake();
  }

  /** Stops a batch after its attempt in flight (cut short), or at once if it has not started. */
  abort(number: number): boolean {
    const index = this.#batches.findIndex((b) => b.batch.batch === number);
    if (index < 0) return false;
    const held = this.#batches[index];
    held.aborted = true;
    if (this.#sending === held) this.#inFlight?.abort();
    else this.#finish(held);
    return true;
  }

  /** The endpoint is gone: its batches go back with what was sent, its call events are forgotten. */
  close(): void {
    this.#closed = true;
    this.#inFlight?.abort();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const held of [...this.#batches]) this.#finish(held);
    this.#live.length = 0;
  }

  takeReport(): LiveReport | undefined {
    if (!this.#dirty) return undefined;
    const report = { ...this.#report, endpoint: this.config.id, queued: { ...this.#queued } };
    this.#report = emptyReport();
    this.#dirty = false;
    return report;
  }

  wake(): void {
    if (this.#busy) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    while (!this.#busy && !this.#closed) {
      this.#expire();
      const next = this.#next();
      if (next === undefined) return this.#sleep();
      this.#busy = true;
      try {
        if ("batch" in next) await this.#sendStored(next);
        else await this.#sendLive(next);
      } finally {
        this.#busy = false;
      }
    }
  }

  /** The oldest due: the head batch's next item or the first call event, if due (each keeps its order). */
  #next(): HeldBatch | Live | undefined {
    const held = this.#batches[0];
    const stored = held?.batch.items[held.outcomes.length];
    const live = this.config.enabled && this.#live[0]?.nextAttemptAt <= Date.now()
      ? this.#live[0]
      : undefined;
    if (stored && (!live || stored.createdAt <= live.createdAt)) return held;
    return live;
  }

  #sleep(): void {
    const head = this.config.enabled ? this.#live[0] : undefined;
    if (head === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.wake();
    }, Math.max(0, head.nextAttemptAt - Date.now()));
  }

  async #sendStored(held: HeldBatch): Promise<void> {
    const { batch } = held;
    const item = batch.items[held.outcomes.length];
    this.#sending = held;
    const result = await this.#post(batch, item.id, item.kind, item.body);
    this.#sending = undefined;
    held.outcomes.push(result);
    if (!result.ok || held.aborted || held.outcomes.length === batch.items.length) this.#finish(held);
  }

  async #sendLive(live: Live): Promise<void> {
    const c = this.config;
    const result = await this.#post(c, live.id, live.kind, live.body);
    if (this.#closed) return;
    live.attempts++;
    if (result.ok) {
      this.#shift();
      this.#count("delivered", live.kind);
      this.#report.latencies.push(this.#context.now() - live.madeAt);
      return this.#note(live, result, "delivered");
    }
    const delay = backoffDelay(live.attempts - 1, { minMs: c.retryMinMs, maxMs: c.retryMaxMs }, Math.random);
    if (this.#context.now() + delay - live.createdAt > c.eventRetryMs) {
      this.#shift();
      this.#count("dropped", live.kind);
      return this.#note(live, result, "dropped");
    }
    live.nextAttemptAt = Date.now() + delay;
    this.#note(live, result, "retrying");
  }

  /** Call events tried before and older than the retry time are given up, counted. */
  #expire(): void {
    const now = this.#context.now();
    while (this.#live.length > 0 && this.#live[0].attempts > 0) {
      if (now - this.#live[0].createdAt <= this.config.eventRetryMs) break;
      this.#count("dropped", this.#shift().kind);
    }
  }

  #shift(): Live {
    const live = this.#live.shift()!;
    this.#queued[live.kind]--;
    return live;
  }

  #post(
    to: PostTarget,
    id: string,
    kind: string,
    body: string,
  ) {
    this.#inFlight = new AbortController();
    return this.#context.post(to, this.#inFlight, id, kind, body).finally(() => this.#inFlight = undefined);
  }

  #finish(held: HeldBatch): void {
    const index = this.#batches.indexOf(held);
    if (index < 0) return;
    this.#batches.splice(index, 1);
    this.#context.batchDone(held.batch.batch, held.outcomes);
  }

  #count(what: "delivered" | "dropped", kind: string): void {
    this.#report[what][kind] = (this.#report[what][kind] ?? 0) + 1;
    this.#changed();
  }

  #note(live: Live, result: Omit<PostResult, "ok">, outcome: LiveAttempt["outcome"]): void {
    const attempts = this.#report.attempts;
    const { status, error, ms, at } = result;
    attempts.push({ delivery: live.id, kind: live.kind, at, status, ms, error, outcome });
    if (attempts.length > REPORT_ATTEMPTS) attempts.shift();
    this.#changed();
  }

  #changed(): void {
    this.#dirty = true;
    this.#context.changed();
  }
}

function emptyReport(): Omit<LiveReport, "endpoint" | "queued"> {
  return { delivered: {}, dropped: {}, latencies: [], attempts: [] };
}
