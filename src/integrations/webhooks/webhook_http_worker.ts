// The webhook HTTP sender's thread: it signs and POSTs the batches the main thread hands it (one endpoint's
// deliveries in order, one in flight per endpoint, stopping at the first failure) and posts the outcomes back
// in one message per turn, so `fetch` (90 to 160 µs of CPU per POST) leaves the event loop of the fan-out.

import { setPriority } from "node:os";
import { errorText } from "../../log/error_text.ts";
import type { HttpBatch, PostResult, ToMain, ToWorker } from "./webhook_http_messages.ts";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  signature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./webhook_signature.ts";

/** Bytes of an endpoint's answer read (and kept for the error text). */
const ANSWER_BYTES = 4096;

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

/** The attempt in flight of each batch, aborted by the main thread's `abort` (a stop). */
const inFlight = new Map<number, AbortController>();
const aborted = new Set<number>();
let done: ToMain["results"] = [];

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.type === "abort") {
    for (const batch of message.batches) {
      aborted.add(batch);
      inFlight.get(batch)?.abort();
    }
    return;
  }
  for (const batch of message.batches) void run(batch, batch.handedAt - Date.now());
});

/** `clockOffset`: the dispatcher's clock less this thread's (a test's dispatcher may run in the future). */
async function run(batch: HttpBatch, clockOffset: number): Promise<void> {
  const outcomes: PostResult[] = [];
  for (const item of batch.items) {
    if (aborted.has(batch.batch)) break;
    const result = await post(batch, clockOffset, item.id, item.kind, item.body);
    outcomes.push(result);
    if (!result.ok) break;
  }
  aborted.delete(batch.batch);
  // Batches that end in the same turn go back in one message.
  if (done.length === 0) setTimeout(flush, 0);
  done.push({ batch: batch.batch, outcomes });
}

function flush(): void {
  const results = done;
  done = [];
  scope.postMessage({ type: "done", results });
}

async function post(
  batch: HttpBatch,
  clockOffset: number,
  id: string,
  kind: string,
  text: string,
): Promise<PostResult> {
  const started = performance.now();
  const timestamp = Math.floor((Date.now() + clockOffset) / 1000);
  const attempt = new AbortController();
  inFlight.set(batch.batch, attempt);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, batch.timeoutMs);
  try {
    const response = await fetch(batch.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": batch.userAgent,
        [EVENT_HEADER]: kind,
        [DELIVERY_HEADER]: id,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signature(batch.secret, timestamp, text),
      },
      body: text,
      redirect: "manual",
      signal: attempt.signal,
    });
    const answer = await readSome(response, ANSWER_BYTES);
    const ms = performance.now() - started;
    if (response.status >= 200 && response.status < 300) {
      return { ok: true, status: response.status, error: null, ms };
    }
    const detail = answer.trim().slice(0, 200);
    return {
      ok: false,
      status: response.status,
      error: `HTTP ${response.status}${detail ? `: ${detail}` : ""}`,
      ms,
    };
  } catch (error) {
    const ms = performance.now() - started;
    const reason = timedOut ? `no answer within ${batch.timeoutMs / 1000} s` : errorText(error);
    return { ok: false, status: null, error: reason, ms };
  } finally {
    clearTimeout(timer);
    if (inFlight.get(batch.batch) === attempt) inFlight.delete(batch.batch);
  }
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
