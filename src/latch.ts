// A one-time signal (a connection closed, a page's stream stopped) that waits race against. A long-lived
// promise in `Promise.race([work, closed])` keeps a reaction for every race until it settles, and each
// reaction holds the race and what `work` resolved to: the MQTT outbox's drain leaked every published
// window that way, about 70 KB a second at 100 calls a second (docs/BENCHMARKS.md, suite `integrations`).

/**
 * Fires once with a value; {@link race} waits for work or the latch, whichever comes first, and leaves
 * nothing attached to the latch once the work has settled.
 *
 * @example
 * ```ts
 * const closed = new Latch<"closed">();
 * client.on("close", () => closed.fire("closed"));
 * if (await closed.race(client.publishAsync(topic, body)) === "closed") return;
 * ```
 */
export class Latch<T> {
  #fired?: { value: T };
  #waiters = new Set<(value: T) => void>();

  /** Whether {@link fire} has been called. */
  get fired(): boolean {
    return this.#fired !== undefined;
  }

  /** Races waiting right now (each is gone once its work or the latch settles it). */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** Fires the latch: every race waiting and every later one ends with `value`. Later calls do nothing. */
  fire(value: T): void {
    if (this.#fired) return;
    this.#fired = { value };
    for (const waiter of this.#waiters) waiter(value);
    this.#waiters.clear();
  }

  /** `work`'s value, or the latch's if it fires first (or has fired); rejects when `work` rejects first. */
  async race<W>(work: Promise<W>): Promise<W | T> {
    if (this.#fired) return this.#fired.value;
    let waiter!: (value: T) => void;
    const fired = new Promise<T>((resolve) => {
      waiter = resolve;
      this.#waiters.add(resolve);
    });
    try {
      return await Promise.race([work, fired]);
    } finally {
      this.#waiters.delete(waiter);
    }
  }
}
