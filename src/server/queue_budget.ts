// The total outbound queue budget of the multiplexer: twice a second, while the bytes queued for all
// applications together exceed the budget, the application with the most queued is disconnected
// (`Switchboard.shedQueuedBytes`). One slow reader's cap is per connection; this bounds their sum.

import type { Clock, TimerHandle } from "../clock.ts";

/** How often the sum is checked: a 1000-application fan-out fills queues in tens of milliseconds. */
export const QUEUE_BUDGET_SWEEP_MS = 500;

export interface QueueBudgetOptions {
  clock: Clock;
  /** The budget in bytes now (a setting: `limits.totalOutboundQueueBytes`). */
  budget: () => number;
  /** Disconnects the largest queues until the sum is within `budget`. */
  shed: (budget: number) => void;
}

/** Checks the queued total on the injected clock between `start()` and `stop()`. */
export class QueueBudget {
  readonly #options: QueueBudgetOptions;
  #timer?: TimerHandle;

  constructor(options: QueueBudgetOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const tick = () => {
      this.#timer = this.#options.clock.setTimeout(tick, QUEUE_BUDGET_SWEEP_MS);
      this.#options.shed(this.#options.budget());
    };
    this.#timer = this.#options.clock.setTimeout(tick, QUEUE_BUDGET_SWEEP_MS);
  }

  stop(): void {
    if (this.#timer === undefined) return;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
