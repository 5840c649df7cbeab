// Event-loop delay: a timer that should fire every 100 ms measures how late it fires. The late part is
// the time the loop was busy; its maximum over the last interval and its running sum go to /metrics.

const INTERVAL_MS = 100;

export class EventLoopDelay {
  #timer?: ReturnType<typeof setInterval>;
  #expected = 0;
  /** Largest delay since the last read, seconds. */
  #max = 0;
  #lastMax = 0;
  /** Sum of delays and samples, for the summary. */
  sumSeconds = 0;
  count = 0;

  start(): void {
    if (this.#timer !== undefined) return;
    this.#expected = performance.now() + INTERVAL_MS;
    this.#timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - this.#expected) / 1000;
      this.#expected = now + INTERVAL_MS;
      this.#max = Math.max(this.#max, late);
      this.sumSeconds += late;
      this.count++;
    }, INTERVAL_MS);
    Deno.unrefTimer(this.#timer);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The largest delay since the previous call (seconds); the previous value when no sample came since. */
  takeMax(): number {
    if (this.#max > 0 || this.count === 0) this.#lastMax = this.#max;
    this.#max = 0;
    return this.#lastMax;
  }
}
