// Samples the multiplexer's event rates at a fixed interval and keeps the last minutes of them, for the
// dashboard's chart. Sampling runs only while a web server holds it, so its timer never outlives them.

import { type Clock, systemClock, type TimerHandle } from "../../clock.ts";

export interface RatePoint {
  /** Milliseconds since the epoch. */
  at: number;
  eventsIn: number;
  eventsOut: number;
}

export interface RateHistoryOptions {
  /** The current rates (events per second), e.g. from `Switchboard.status()`. */
  sample: () => { eventsIn: number; eventsOut: number };
  intervalMs?: number;
  /** Points kept: with the defaults 120 × 5 s = the last 10 minutes. */
  keep?: number;
  /** Paces and stamps the samples (the system clock when absent). */
  clock?: Clock;
}

export class RateHistory {
  readonly intervalMs: number;
  readonly keep: number;
  #points: RatePoint[] = [];
  #timer?: TimerHandle;
  #holders = 0;
  #options: RateHistoryOptions;
  readonly #clock: Clock;

  constructor(options: RateHistoryOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 5_000;
    this.keep = options.keep ?? 120;
  }

  /** Starts sampling (idempotent). */
  start(): this {
    if (this.#timer !== undefined) return this;
    this.sampleNow(); // the chart has a first point at once
    this.#next();
    return this;
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #next(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.sampleNow();
      this.#next();
    }, this.intervalMs);
  }

  /**
   * Samples while at least one holder's signal is not aborted: each web server holds the history while it
   * runs (its `closing` signal), so sampling stops with the last one and no timer outlives the servers.
   */
  hold(until: AbortSignal): void {
    if (until.aborted) return;
    this.#holders++;
    this.start();
    until.addEventListener("abort", () => {
      if (--this.#holders === 0) this.stop();
    }, { once: true });
  }

  /** Takes one sample now; a failing source is skipped (the chart shows a gap, not an error). */
  sampleNow(): void {
    let rates: { eventsIn: number; eventsOut: number };
    try {
      rates = this.#options.sample();
    } catch {
      return;
    }
    this.#points.push({ at: this.#clock.now(), ...rates });
    if (this.#points.length > this.keep) this.#points.splice(0, this.#points.length - this.keep);
  }

  /** True while the sampling timer runs. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** The kept points, oldest first. */
  points(): readonly RatePoint[] {
    return this.#points;
  }
}
