// Counts occurrences per second over the last minute, for the "events per second" figures in status.

const WINDOW_SECONDS = 60;

export class RateMeter {
  #buckets = new Float64Array(WINDOW_SECONDS);
  #bucketSecond = new Float64Array(WINDOW_SECONDS).fill(-1);

  add(nowMs: number, count = 1): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.#bucketSecond[slot] !== second) {
      this.#bucketSecond[slot] = second;
      this.#buckets[slot] = 0;
    }
    this.#buckets[slot] += count;
  }

  /** The mean rate over the last `seconds` complete seconds (default 10). */
  perSecond(nowMs: number, seconds = 10): number {
    const current = Math.floor(nowMs / 1000);
    let total = 0;
    for (let s = current - seconds; s < current; s++) {
      const slot = ((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
      if (this.#bucketSecond[slot] === s) total += this.#buckets[slot];
    }
    return total / seconds;
  }
}
