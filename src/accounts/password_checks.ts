// Password checks (PBKDF2, about 80 ms of CPU each at 600,000 iterations) a few at a time behind a short
// queue, refusing past it: 40 addresses x 10 wrong logins cost 23 s of CPU and raised a plain-TCP
// application's SystemStatus round trip from 11 ms to 449 ms (issue 18). An unknown user name is checked
// against a dummy hash of the same cost, so the time of a refusal does not tell which names exist.

import { defaultIterations, hashPassword, verifyPassword } from "./password_hash.ts";

export interface PasswordCheckLimits {
  /** Checks running at once (each takes one core while it runs). */
  atOnce: number;
  /** Checks waiting for their turn; one more is refused at once. */
  waiting: number;
}

/** Too many password checks are running and waiting: try again in a moment. */
export class PasswordChecksBusyError extends Error {
  override readonly name = "PasswordChecksBusyError";
  constructor(limits: PasswordCheckLimits) {
    super(
      `busy checking other logins (${limits.atOnce} at once, ${limits.waiting} waiting); try again in a few seconds`,
    );
  }
}

export class PasswordChecks {
  #running = 0;
  #waiting: (() => void)[] = [];
  #refused = 0;
  #dummies = new Map<number, Promise<string>>();

  constructor(private readonly limits: () => PasswordCheckLimits = () => ({ atOnce: 1, waiting: 16 })) {}

  /**
   * True when `password` matches `stored`; with no stored hash (no such user) the same work is done on a
   * dummy hash of `iterations` and the answer is false. Throws PasswordChecksBusyError past the queue.
   */
  verify(password: string, stored: string | undefined, iterations = defaultIterations): Promise<boolean> {
    return this.run(async () => {
      if (stored !== undefined) return await verifyPassword(password, stored);
      await verifyPassword(password, await this.#dummy(iterations));
      return false;
    });
  }

  /** Runs `check` when a slot is free, waiting in the queue; refused at once when the queue is full. */
  async run<T>(check: () => Promise<T>): Promise<T> {
    const limits = this.limits();
    if (this.#running >= limits.atOnce) {
      if (this.#waiting.length >= limits.waiting) {
        this.#refused++;
        throw new PasswordChecksBusyError(limits);
      }
      // The slot is handed over by the check that ends, so #running stays as it is.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await check();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  status(): { running: number; waiting: number; refused: number } {
    return { running: this.#running, waiting: this.#waiting.length, refused: this.#refused };
  }

  /** A hash of a random password, made once per cost and never matched. */
  #dummy(iterations: number): Promise<string> {
    let dummy = this.#dummies.get(iterations);
    if (!dummy) {
      dummy = hashPassword(crypto.randomUUID(), iterations);
      this.#dummies.set(iterations, dummy);
    }
    return dummy;
  }
}
