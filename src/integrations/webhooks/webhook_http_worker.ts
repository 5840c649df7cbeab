// The webhook HTTP sender's thread. It keeps each endpoint's queue: the call events (and line and link
// states) handed over once for all endpoints that want them, which it delivers, retries and drops itself,
// and the batches of stored deliveries (records, SMDR lines) the dispatcher hands it, whose outcomes go back
// for the store. One POST in flight per endpoint, oldest first, sent with the plain HTTP/1.1 client
// (src/net/http1_client.ts; `fetch` behind a proxy). The POSTs, the signatures and the per-delivery
// bookkeeping stay off the event loop of the fan-out.

import { setPriority } from "node:os";
import { errorText } from "../../log/error_text.ts";
import { backoffDelay } from "../../net/backoff.ts";
import { Http1Client } from "../../net/http1_client.ts";
import type {
  EndpointConfig,
  HttpBatch,
  LiveAttempt,
  LiveEvent,
  LiveReport,
  PostResult,
  ToMain,
  ToWorker,
} from "./webhook_http_messages.ts";
import { deliveryBody } from "./webhook_body.ts";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  signature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./webhook_signature.ts";

/** Bytes of an endpoint's answer read (and kept for the error text). */
const ANSWER_BYTES = 4096;
/** How soon what became of the call events is reported (the status and the delivery log lag this much). */
const REPORT_MS = 100;
/** Attempts kept per report: the delivery log shows the last 50. */
const REPORT_ATTEMPTS = 50;

const scope = globalThis as unknown as {
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  postMessage(message: ToMain): void;
};

/**
 * Sending webhooks is background work: on a box whose cores are busy, the CSTA fan-out on the main thread
 * goes first. Linux gives each thread its own nice value (this one's id from /proc/thread-self); elsewhere,
 * or without the right, the thread keeps the process's priority.
 */
const NICE = 10;
try {
  setPriority(Number(Deno.readLinkSync("/proc/thread-self").split("/").pop()), NICE);
} catch {
  // not Linux: same priority as the main thread
}

/** The dispatcher's clock less this thread's (a test's dispatcher may run in the future), ms. */
let clockOffset = 0;

/** The dispatcher's clock, as near as this thread can tell (each message sets the offset). */
function dispatcherNow(): number {
  return Date.now() + clockOffset;
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
class Lane {
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

  constructor(config: EndpointConfig) {
    this.config = config;
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
      this.#note(live, null, "queue full", 0, "dropped");
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
      this.#report.latencies.push(dispatcherNow() - live.madeAt);
      return this.#note(live, result.status, null, result.ms, "delivered");
    }
    const delay = backoffDelay(live.attempts - 1, { minMs: c.retryMinMs, maxMs: c.retryMaxMs }, Math.random);
    if (dispatcherNow() + delay - live.createdAt > c.eventRetryMs) {
      this.#shift();
      this.#count("dropped", live.kind);
      return this.#note(live, result.status, result.error, result.ms, "dropped");
    }
    live.nextAttemptAt = Date.now() + delay;
    this.#note(live, result.status, result.error, result.ms, "retrying");
  }

  /** Call events tried before and older than the retry time are given up, counted. */
  #expire(): void {
    const now = dispatcherNow();
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
    to: Pick<HttpBatch, "url" | "secret" | "userAgent" | "timeoutMs">,
    id: string,
    kind: string,
    body: string,
  ) {
    this.#inFlight = new AbortController();
    return post(to, this.#inFlight, id, kind, body).finally(() => this.#inFlight = undefined);
  }

  #finish(held: HeldBatch): void {
    const index = this.#batches.indexOf(held);
    if (index < 0) return;
    this.#batches.splice(index, 1);
    batchDone(held.batch.batch, held.outcomes);
  }

  #count(what: "delivered" | "dropped", kind: string): void {
    this.#report[what][kind] = (this.#report[what][kind] ?? 0) + 1;
    this.#changed();
  }

  #note(
    live: Live,
    status: number | null,
    error: string | null,
    ms: number,
    outcome: LiveAttempt["outcome"],
  ) {
    const attempts = this.#report.attempts;
    attempts.push({ delivery: live.id, kind: live.kind, at: dispatcherNow(), status, ms, error, outcome });
    if (attempts.length > REPORT_ATTEMPTS) attempts.shift();
    this.#changed();
  }

  #changed(): void {
    this.#dirty = true;
    scheduleFlush(REPORT_MS);
  }
}

function emptyReport(): Omit<LiveReport, "endpoint" | "queued"> {
  return { delivered: {}, dropped: {}, latencies: [], attempts: [] };
}

/** A call event as the message's text holds it: its data as JSON, not as a string of JSON. */
type LiveOnTheWire = Omit<LiveEvent, "data"> & { data: unknown };

const lanes = new Map<string, Lane>();
/** Which lane holds each batch, for an abort. */
const batchLanes = new Map<number, Lane>();
/** Batches sent on their own (a test), with their attempt in flight. */
const loose = new Map<number, { controller?: AbortController; aborted: boolean }>();
let done: ToMain["results"] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let flushAt = Infinity;

scope.addEventListener("message", (event) => {
  const message = event.data;
  clockOffset = message.handedAt - Date.now();
  if (message.endpoints) configure(message.endpoints);
  for (const parsed of message.live ? JSON.parse(message.live) as LiveOnTheWire[] : []) {
    // The data, parsed with the message, is made text again once for every endpoint that wants it.
    const live: LiveEvent = { ...parsed, data: JSON.stringify(parsed.data) };
    for (const id of live.endpoints) lanes.get(id)?.take(live);
  }
  for (const batch of message.send ?? []) {
    const lane = batch.endpoint === undefined ? undefined : lanes.get(batch.endpoint);
    if (lane) {
      batchLanes.set(batch.batch, lane);
      lane.join(batch);
    } else void sendLoose(batch);
  }
  for (const number of message.abort ?? []) {
    if (batchLanes.get(number)?.abort(number)) continue;
    const held = loose.get(number);
    if (held) {
      held.aborted = true;
      held.controller?.abort();
    }
  }
});

function configure(endpoints: EndpointConfig[]): void {
  const ids = new Set(endpoints.map((e) => e.id));
  for (const [id, lane] of lanes) {
    if (ids.has(id)) continue;
    lane.close();
    lanes.delete(id);
  }
  for (const config of endpoints) {
    const lane = lanes.get(config.id);
    if (!lane) lanes.set(config.id, new Lane(config));
    else {
      lane.config = config;
      lane.wake();
    }
  }
}

/** A batch of no endpoint's queue (a *send test*): in order, up to its first failure. */
async function sendLoose(batch: HttpBatch): Promise<void> {
  const held: { controller?: AbortController; aborted: boolean } = { aborted: false };
  loose.set(batch.batch, held);
  const outcomes: PostResult[] = [];
  for (const item of batch.items) {
    if (held.aborted) break;
    held.controller = new AbortController();
    const result = await post(batch, held.controller, item.id, item.kind, item.body);
    outcomes.push(result);
    if (!result.ok) break;
  }
  loose.delete(batch.batch);
  batchDone(batch.batch, outcomes);
}

function batchDone(batch: number, outcomes: PostResult[]): void {
  batchLanes.delete(batch);
  done.push({ batch, outcomes });
  // Batches that end in the same turn go back in one message.
  scheduleFlush(0);
}

function scheduleFlush(ms: number): void {
  const at = Date.now() + ms;
  if (flushTimer !== undefined && flushAt <= at) return;
  if (flushTimer !== undefined) clearTimeout(flushTimer);
  flushAt = at;
  flushTimer = setTimeout(flush, ms);
}

function flush(): void {
  flushTimer = undefined;
  flushAt = Infinity;
  const live: LiveReport[] = [];
  for (const lane of lanes.values()) {
    const report = lane.takeReport();
    if (report) live.push(report);
  }
  const results = done;
  done = [];
  if (results.length > 0 || live.length > 0) scope.postMessage({ results, live });
}

async function post(
  to: Pick<HttpBatch, "url" | "secret" | "userAgent" | "timeoutMs">,
  attempt: AbortController,
  id: string,
  kind: string,
  text: string,
): Promise<PostResult> {
  const started = performance.now();
  const timestamp = Math.floor(dispatcherNow() / 1000);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, to.timeoutMs);
  const headers = {
    "content-type": "application/json",
    "user-agent": to.userAgent,
    [EVENT_HEADER]: kind,
    [DELIVERY_HEADER]: id,
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signature(to.secret, timestamp, text),
  };
  try {
    const answer = PROXIED ? await postWithFetch(to.url, headers, text, attempt.signal) : await client.post({
      url: urlOf(to.url),
      headers,
      body: encoder.encode(text),
      signal: attempt.signal,
    });
    const ms = performance.now() - started;
    if (answer.status >= 200 && answer.status < 300) {
      return { ok: true, status: answer.status, error: null, ms };
    }
    const detail = answer.text.trim().slice(0, 200);
    return {
      ok: false,
      status: answer.status,
      error: `HTTP ${answer.status}${detail ? `: ${detail}` : ""}`,
      ms,
    };
  } catch (error) {
    const ms = performance.now() - started;
    const reason = timedOut ? `no answer within ${to.timeoutMs / 1000} s` : errorText(error);
    return { ok: false, status: null, error: reason, ms };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A box that reaches the outside through a proxy (HTTP_PROXY, HTTPS_PROXY or ALL_PROXY in cstabox's
 * environment, as systemd or the shell sets them) sends with `fetch`, which honours them and NO_PROXY; the
 * plain client (three times cheaper) does not speak to proxies.
 */
const PROXIED = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"].some((name) =>
  (Deno.env.get(name) ?? Deno.env.get(name.toLowerCase()) ?? "") !== ""
);
const client = new Http1Client({ answerBytes: ANSWER_BYTES });
const encoder = new TextEncoder();
const urls = new Map<string, URL>();

function urlOf(text: string): URL {
  let url = urls.get(text);
  if (url === undefined) {
    if (urls.size > 1000) urls.clear();
    url = new URL(text);
    urls.set(text, url);
  }
  return url;
}

async function postWithFetch(
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal });
  return { status: response.status, text: await readSome(response, ANSWER_BYTES) };
}

/** Up to `limit` bytes of the answer as text; the rest is not read (the connection is released). */
async function readSome(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all.subarray(0, limit));
}
