// One warning per key (a source address) per interval, stating how many times it happened: a login flood
// was refused about 890 times a second from 40 addresses, and one log line per refusal (a synchronous
// stderr write, a ring entry, the live log view) is work the CTI traffic then waits for (issue 18).

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { Logger } from "./logger.ts";

export class SummarisedWarning {
  /** Per key, the occurrences since its last line, and the timer that ends its interval. */
  #open = new Map<string, { count: number; timer: TimerHandle }>();

  /**
   * `message` is logged at once for the first occurrence of a key (`count: 1`); later ones within
   * `intervalMs` are counted and logged as one line when the interval ends (`count: N`, `seconds`).
   */
  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly field: string,
    private readonly intervalMs = 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  note(key: string, fields: Record<string, unknown> = {}): void {
    const open = this.#open.get(key);
    if (open) {
      open.count++;
      return;
    }
    this.log.warn(this.message, { [this.field]: key, ...fields, count: 1 });
    this.#start(key);
  }

  #start(key: string): void {
    const timer = this.clock.setTimeout(() => this.#end(key), this.intervalMs);
    // A timer of the system clock must not hold the process open at shutdown.
    if (this.clock === systemClock) Deno.unrefTimer(timer as number);
    this.#open.set(key, { count: 0, timer });
  }

  #end(key: string): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.clock.clearTimeout(open.timer);
    this.#open.delete(key);
    if (open.count === 0) return;
    this.log.warn(this.message, {
      [this.field]: key,
      count: open.count,
      seconds: Math.round(this.intervalMs / 1000),
    });
    // Still going: the next interval counts from here, so a flood is one line a minute per address.
    this.#start(key);
  }
}
