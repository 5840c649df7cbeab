// Deadlines for many pending things on one timer: a timer per request cost two timer operations and about
// 1 KB of garbage per request, on a path where most requests are answered in a millisecond.

import type { Clock, TimerHandle } from "./clock.ts";

/**
 * Keys with a deadline each; a key still present when its deadline passes is removed and expired. The one
 * timer is armed for the earliest deadline and re-armed only when it fires or an earlier one arrives, so
 * adding and removing keys costs no timer operation in the common case.
 *
 * @example
 * ```ts
 * const deadlines = new Deadlines<number>(systemClock, (id) => console.log(`request ${id} timed out`));
 * deadlines.add(7, 10_000);
 * deadlines.remove(7); // answered in time
 * ```
 */
export class Deadlines<K> {
  #clock: Clock;
  #onExpire: (key: K) => void;
  /** Key -> monotonic clock time (ms) it expires at. */
  #due = new Map<K, number>();
  #timer?: TimerHandle;
  /** Monotonic clock time the timer fires at; Infinity while none is armed. */
  #armedFor = Infinity;

  constructor(clock: Clock, onExpire: (key: K) => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  get size(): number {
    return this.#due.size;
  }

  /** Expires `key` in `afterMs` unless it is removed first (a key added again gets the new deadline). */
  add(key: K, afterMs: number): void {
    const at = this.#clock.monotonic() + afterMs;
    this.#due.set(key, at);
    if (at < this.#armedFor) this.#arm(at);
  }

  /** Forgets `key`; true when it was pending. */
  remove(key: K): boolean {
    return this.#due.delete(key);
  }

  /** Forgets every key without expiring any, and stops the timer. */
  clear(): void {
    this.#due.clear();
    this.#disarm();
  }

  #arm(at: number): void {
    this.#disarm();
    this.#armedFor = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.monotonic()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = this.#clock.monotonic();
    const expired: K[] = [];
    let next = Infinity;
    for (const [key, at] of this.#due) {
      if (at <= now) expired.push(key);
      else if (at < next) next = at;
    }
    for (const key of expired) this.#due.delete(key);
    if (next < Infinity) this.#arm(next);
    for (const key of expired) this.#onExpire(key);
  }
}
