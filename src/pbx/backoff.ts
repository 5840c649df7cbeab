// Reconnect delays: exponential from a floor to a ceiling, with jitter so that many boxes restarting
// together do not hit a PBX in step.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Random source in [0, 1); injected for tests. */
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  #random: () => number;

  constructor(private readonly options: BackoffOptions) {
    this.#random = options.random ?? Math.random;
  }

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt: min·2^n capped at max, then between 50 % and 100 % of that. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.minMs * 2 ** this.#attempt);
    this.#attempt++;
    return Math.round(ceiling * (0.5 + this.#random() * 0.5));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
