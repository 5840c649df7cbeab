// The webhook HTTP sender's thread: the messages from the dispatcher (main thread) in, each endpoint's queue
// (webhook_lane.ts) fed from them, the outcomes and reports back in one message per turn. The POSTs
// (webhook_post.ts), the signatures and the per-delivery bookkeeping stay off the event loop of the fan-out.

import { setPriority } from "node:os";
import type {
  EndpointConfig,
  HttpBatch,
  LiveEvent,
  LiveReport,
  PostResult,
  ToMain,
  ToWorker,
} from "./webhook_http_messages.ts";
import { Lane, type LaneContext } from "./webhook_lane.ts";
import { post, type PostTarget } from "./webhook_post.ts";

/** How soon what became of the call events is reported (the status and the delivery log lag this much). */
const REPORT_MS = 100;

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

/** A call event as the message's text holds it: its data as JSON, not as a string of JSON. */
type LiveOnTheWire = Omit<LiveEvent, "data"> & { data: unknown };

/** What every endpoint's queue shares: this thread's clock, sender and messages back. */
const laneContext: LaneContext = {
  now: dispatcherNow,
  post: (to: PostTarget, attempt, id, kind, body) => post(to, attempt, dispatcherNow(), id, kind, body),
  batchDone,
  changed: () => scheduleFlush(REPORT_MS),
};

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
    if (!lane) lanes.set(config.id, new Lane(config, laneContext));
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
    const result = await post(batch, held.controller, dispatcherNow(), item.id, item.kind, item.body);
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
