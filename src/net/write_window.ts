// A shared write window: writers that join it flush together when it closes, so frames queued within
// the window leave in one write per connection, and a thousand connections cost one timer per window
// rather than one each (a timer per connection cost more CPU than the writes it saved).

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";

/**
 * @example
 * ```ts
 * const window = new WriteWindow(5);
 * const writer = new QueuedWriter(conn, { maxQueuedBytes, drainTimeoutMs, onFailure, window });
 * ```
 */
export class WriteWindow {
  readonly ms: number;
  #clock: Clock;
  #due: (() => void)[] = [];
  #timer?: TimerHandle;

  /** @throws RangeError when `ms` is not a positive number of milliseconds. */
  constructor(ms: number, clock: Clock = systemClock) {
    if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`a write window is a positive ms, not ${ms}`);
    this.ms = ms;
    this.#clock = clock;
  }

  /** Runs `flush` when the open window closes (opening one if none is): at most `ms` from now. */
  schedule(flush: () => void): void {
    this.#due.push(flush);
    this.#timer ??= this.#clock.setTimeout(() => this.#close(), this.ms);
  }

  /** Writers waiting for the window to close. */
  get waiting(): number {
    return this.#due.length;
  }

  #close(): void {
    this.#timer = undefined;
    const due = this.#due;
    this.#due = [];
    for (const flush of due) flush();
  }
}
