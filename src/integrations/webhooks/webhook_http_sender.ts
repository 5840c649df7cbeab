// Hands the HTTP sender thread (webhook_http_worker.ts) what one event-loop turn made, in one postMessage:
// the endpoints' settings when they changed, each call event once for all endpoints that want it (the thread
// makes, sends, retries and drops their deliveries), and the batches of stored deliveries; it gets the
// batches' outcomes and the call events' counts back the same way. A message to a Worker and back costs 63 to
// 97 µs, so one per delivery would save little. A thread that dies takes its work with it: the batches come
// back unsent (the dispatcher sends them again, the same delivery ids, at least once as documented), the call
// events it held are counted as dropped, and a new thread starts after a back-off.

import type { Clock, TimerHandle } from "../../clock.ts";
import type { Logger } from "../../log/logger.ts";
import { backoffDelay } from "../../net/backoff.ts";
import type {
  EndpointConfig,
  HttpBatch,
  LiveEvent,
  LiveReport,
  PostResult,
  ToMain,
  ToWorker,
} from "./webhook_http_messages.ts";

export type { EndpointConfig, LiveReport, PostResult } from "./webhook_http_messages.ts";

export interface HttpSenderOptions {
  log: Logger;
  clock: Clock;
  /** The thread's module; a test gives one that dies. */
  workerUrl?: URL;
  /**
   * Every endpoint as the thread should know it now: read after `refresh()`, at a new thread and at most once
   * a second otherwise (a change of the settings reaches the thread within a second), sent when it changed.
   */
  endpoints?: () => EndpointConfig[];
  /** Call events are handed over at most this often (ms; `webhooks.handoverMs`), 0 = every turn. */
  handoverMs?: () => number;
  /** What became of the call events, from the thread (about every 100 ms while they move). */
  onLiveReports?: (reports: LiveReport[]) => void;
  /** The thread died with the call events it held: the last reports' queued counts are lost. */
  onLiveLost?: () => void;
}

const RESTART = { minMs: 200, maxMs: 30_000 };
/** How often the endpoints are read for the thread without a `refresh()` (a settings change). */
const ENDPOINTS_READ_MS = 1000;

/**
 * A call event as JSON for the thread, its data (already JSON) put in as it is: the events of a message go
 * as one string, which the thread parses, because the structured clone of one object per event took 10 to 12
 * ms of every second on the main thread at 1,000 call events a second (integrations bench, 2026-12-08).
 */
function liveText(event: LiveEvent): string {
  const { data, ...rest } = event;
  return `${JSON.stringify(rest).slice(0, -1)},"data":${data}}`;
}

/**
 * The thread's module. From the source tree (and `deno compile` of it, which `--include`s it) it is the .ts
 * beside this file. In the package, `import.meta.url` is the bundle's own address (cstabox.js) and `deno bundle`
 * does not follow `new Worker`, so scripts/build.ts bundles the thread on its own, as webhook_http_worker.js
 * beside cstabox.js.
 */
export const SENDER_MODULE = new URL(
  import.meta.url.endsWith(".ts") ? "./webhook_http_worker.ts" : "./webhook_http_worker.js",
  import.meta.url,
);

export class WebhookHttpSender {
  readonly #options: HttpSenderOptions;
  #worker?: Worker;
  #serial = 0;
  /** Batches made this turn, posted together at its end. */
  #outgoing: HttpBatch[] = [];
  /** Call events waiting for the next message, each as JSON (see {@link liveText}). */
  #live: string[] = [];
  /** The endpoints as last sent to the thread (JSON), undefined for a new thread. */
  #sentEndpoints?: string;
  /** When the endpoints were last read (monotonic ms); -Infinity makes the next message read them. */
  #endpointsReadAt = -Infinity;
  #flushTimer?: TimerHandle;
  /** When the flush timer fires (monotonic ms). */
  #flushAt = Infinity;
  /** Batches the thread holds, by number, with who waits for them. */
  readonly #waiting = new Map<number, (outcomes: PostResult[]) => void>();
  /** Deaths in a row, for the restart back-off; 0 once a batch came back. */
  #deaths = 0;
  #restartAt = 0;
  #stopped = false;
  /** Threads that died and were replaced, for the status. */
  restarts = 0;
  /** Messages posted to the thread (batches of all endpoints go together), for the status. */
  messages = 0;
  /** Call events handed to the thread (once each, whatever the number of endpoints), for the status. */
  liveEvents = 0;

  constructor(options: HttpSenderOptions) {
    this.#options = options;
  }

  /**
   * Sends the items in order, one at a time, up to the first that fails; answers the outcomes in order
   * (fewer than the items when one failed, the batch was aborted or the thread died).
   */
  send(batch: Omit<HttpBatch, "batch">): { batch: number; outcomes: Promise<PostResult[]> } {
    const number = ++this.#serial;
    if (this.#stopped) return { batch: number, outcomes: Promise.resolve([]) };
    const outcomes = new Promise<PostResult[]>((resolve) => this.#waiting.set(number, resolve));
    this.#outgoing.push({ ...batch, batch: number });
    this.#schedule(0);
    return { batch: number, outcomes };
  }

  /**
   * Hands a call event to the thread for the endpoints it names; false (nothing taken) while a thread that
   * died waits for its restart.
   */
  live(event: LiveEvent): boolean {
    if (this.#stopped) return false;
    if (!this.#worker && this.#restartAt > this.#options.clock.monotonic()) return false;
    this.liveEvents++;
    this.#live.push(liveText(event));
    this.#schedule(this.#options.handoverMs?.() ?? 0);
    return true;
  }

  /** The endpoints changed: the thread learns it with the next message (at once if it runs). */
  refresh(): void {
    this.#endpointsReadAt = -Infinity;
    if (this.#worker) this.#schedule(0);
  }

  /** Stops the batch after the attempt in flight (which is cut short). */
  abort(batch: number): void {
    const index = this.#outgoing.findIndex((b) => b.batch === batch);
    if (index >= 0) {
      this.#outgoing.splice(index, 1);
      this.#finish(batch, []);
      return;
    }
    if (this.#waiting.has(batch)) this.#post({ abort: [batch] });
  }

  /** Ends the thread; batches still held come back unsent. */
  stop(): void {
    this.#stopped = true;
    this.#cancelFlush();
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#live = [];
    for (const b of this.#outgoing.splice(0)) this.#finish(b.batch, []);
    for (const number of [...this.#waiting.keys()]) this.#finish(number, []);
  }

  /** Flushes in `ms`, or sooner if a flush is already due sooner. */
  #schedule(ms: number): void {
    const at = this.#options.clock.monotonic() + ms;
    if (this.#flushTimer !== undefined && this.#flushAt <= at) return;
    this.#cancelFlush();
    this.#flushAt = at;
    this.#flushTimer = this.#options.clock.setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flushAt = Infinity;
      this.#flush();
    }, ms);
  }

  #cancelFlush(): void {
    if (this.#flushTimer !== undefined) this.#options.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushAt = Infinity;
  }

  #flush(): void {
    if (this.#stopped) return;
    const wait = this.#restartAt - this.#options.clock.monotonic();
    if (!this.#worker && wait > 0) return this.#schedule(wait);
    const message: Omit<ToWorker, "handedAt"> = {};
    if (this.#outgoing.length > 0) message.send = this.#outgoing.splice(0);
    if (this.#live.length > 0) {
      message.live = `[${this.#live.join(",")}]`;
      this.#live = [];
    }
    if (message.send || message.live || this.#worker) this.#post(message);
  }

  /** Posts the message, with the endpoints when they changed since the last (all of them to a new thread). */
  #post(message: Omit<ToWorker, "handedAt">): void {
    this.#worker ??= this.#start();
    const now = this.#options.clock.monotonic();
    if (this.#sentEndpoints === undefined || now - this.#endpointsReadAt >= ENDPOINTS_READ_MS) {
      this.#endpointsReadAt = now;
      const endpoints = this.#options.endpoints?.() ?? [];
      const text = JSON.stringify(endpoints);
      if (text !== this.#sentEndpoints) {
        this.#sentEndpoints = text;
        message = { ...message, endpoints };
      }
    }
    if (!message.send && !message.live && !message.abort && !message.endpoints) return;
    this.messages++;
    this.#worker.postMessage({ ...message, handedAt: this.#options.clock.now() } satisfies ToWorker);
  }

  #start(): Worker {
    const url = this.#options.workerUrl ?? SENDER_MODULE;
    const worker = new Worker(url, { type: "module", name: "webhook-http" });
    worker.onmessage = (event: MessageEvent<ToMain>) => {
      this.#deaths = 0;
      for (const r of event.data.results) this.#finish(r.batch, r.outcomes);
      if (event.data.live.length > 0) this.#options.onLiveReports?.(event.data.live);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#died(worker, event.message);
    };
    worker.onmessageerror = () => this.#died(worker, "a message could not be read");
    return worker;
  }

  #died(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    worker.terminate();
    this.#worker = undefined;
    this.#sentEndpoints = undefined;
    this.restarts++;
    const delay = backoffDelay(this.#deaths++, RESTART, Math.random);
    this.#restartAt = this.#options.clock.monotonic() + delay;
    this.#options.log.error("webhook sender thread died; its deliveries are sent again", {
      reason,
      batches: this.#waiting.size,
      restartInMs: Math.round(delay),
    });
    for (const number of [...this.#waiting.keys()]) this.#finish(number, []);
    // Call events not posted yet go with the thread's: counted as dropped, none sent after the restart.
    this.#live = [];
    this.#options.onLiveLost?.();
  }

  #finish(batch: number, outcomes: PostResult[]): void {
    const resolve = this.#waiting.get(batch);
    this.#waiting.delete(batch);
    resolve?.(outcomes);
  }
}
