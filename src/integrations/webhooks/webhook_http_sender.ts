// Hands webhook deliveries to the HTTP sender thread (webhook_http_worker.ts) in batches, one postMessage per
// event-loop turn for every endpoint's batch made in it, and gets the outcomes back the same way: a message
// to a Worker and back costs 63 to 97 µs, so one per delivery would save only about 40 % of `fetch`'s cost.
// A thread that dies takes its batches with it: they come back unsent (the dispatcher sends them again, the
// same delivery ids, at least once as documented) and a new thread starts after a back-off.

import type { Clock, TimerHandle } from "../../clock.ts";
import type { Logger } from "../../log/logger.ts";
import { backoffDelay } from "../../net/backoff.ts";
import type { HttpBatch, PostResult, ToMain, ToWorker } from "./webhook_http_messages.ts";

export type { PostResult } from "./webhook_http_messages.ts";

export interface HttpSenderOptions {
  log: Logger;
  clock: Clock;
  /** The thread's module; a test gives one that dies. */
  workerUrl?: URL;
}

const RESTART = { minMs: 200, maxMs: 30_000 };

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
  #flushTimer?: TimerHandle;
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

  /** Stops the batch after the attempt in flight (which is cut short). */
  abort(batch: number): void {
    const index = this.#outgoing.findIndex((b) => b.batch === batch);
    if (index >= 0) {
      this.#outgoing.splice(index, 1);
      this.#finish(batch, []);
      return;
    }
    if (this.#waiting.has(batch)) this.#post({ type: "abort", batches: [batch] });
  }

  /** Ends the thread; batches still held come back unsent. */
  stop(): void {
    this.#stopped = true;
    if (this.#flushTimer !== undefined) this.#options.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const b of this.#outgoing.splice(0)) this.#finish(b.batch, []);
    for (const number of [...this.#waiting.keys()]) this.#finish(number, []);
  }

  #schedule(ms: number): void {
    this.#flushTimer ??= this.#options.clock.setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush();
    }, ms);
  }

  #flush(): void {
    if (this.#stopped || this.#outgoing.length === 0) return;
    const wait = this.#restartAt - this.#options.clock.monotonic();
    if (!this.#worker && wait > 0) return this.#schedule(wait);
    this.#post({ type: "send", batches: this.#outgoing.splice(0) });
  }

  #post(message: ToWorker): void {
    this.messages++;
    (this.#worker ??= this.#start()).postMessage(message);
  }

  #start(): Worker {
    const url = this.#options.workerUrl ?? SENDER_MODULE;
    const worker = new Worker(url, { type: "module", name: "webhook-http" });
    worker.onmessage = (event: MessageEvent<ToMain>) => {
      this.#deaths = 0;
      for (const r of event.data.results) this.#finish(r.batch, r.outcomes);
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
    this.restarts++;
    const delay = backoffDelay(this.#deaths++, RESTART, Math.random);
    this.#restartAt = this.#options.clock.monotonic() + delay;
    this.#options.log.error("webhook sender thread died; its deliveries are sent again", {
      reason,
      batches: this.#waiting.size,
      restartInMs: Math.round(delay),
    });
    for (const number of [...this.#waiting.keys()]) this.#finish(number, []);
  }

  #finish(batch: number, outcomes: PostResult[]): void {
    const resolve = this.#waiting.get(batch);
    this.#waiting.delete(batch);
    resolve?.(outcomes);
  }
}
