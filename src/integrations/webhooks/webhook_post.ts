// One webhook POST from the sender thread: signed, sent with the plain HTTP/1.1 client (src/net/http1_client.ts)
// or, behind a proxy, with `fetch`, and its answer read as an outcome (status, the answer's first bytes as the
// error text, the time it took).

import { errorText } from "../../log/error_text.ts";
import { Http1Client } from "../../net/http1_client.ts";
import type { HttpBatch, PostResult } from "./webhook_http_messages.ts";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  signature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "./webhook_signature.ts";

/** Bytes of an endpoint's answer read (and kept for the error text). */
const ANSWER_BYTES = 4096;

/** Where and how a delivery is sent. */
export type PostTarget = Pick<HttpBatch, "url" | "secret" | "userAgent" | "timeoutMs">;

/**
 * Sends one delivery; `now` is the dispatcher's clock (ms), whose seconds are the signed timestamp. `attempt`
 * cuts it short (a stop, an endpoint gone); after `to.timeoutMs` the attempt is aborted and reads as "no
 * answer within".
 */
export async function post(
  to: PostTarget,
  attempt: AbortController,
  now: number,
  id: string,
  kind: string,
  text: string,
): Promise<PostResult> {
  const started = performance.now();
  const timestamp = Math.floor(now / 1000);
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
      return { ok: true, status: answer.status, error: null, ms, at: now + ms };
    }
    const detail = answer.text.trim().slice(0, 200);
    return {
      ok: false,
      status: answer.status,
      error: `HTTP ${answer.status}${detail ? `: ${detail}` : ""}`,
      ms,
      at: now + ms,
    };
  } catch (error) {
    const ms = performance.now() - started;
    const reason = timedOut ? `no answer within ${to.timeoutMs / 1000} s` : errorText(error);
    return { ok: false, status: null, error: reason, ms, at: now + ms };
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
