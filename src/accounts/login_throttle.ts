// Failed logins in a sliding minute, counted per source address and per user name; past the limit either
// is refused outright until the window has moved on, so password guessing stays slow. A success clears
// only its own user's failures: clearing the address's let one valid account guess another's password
// without limit (45 guesses in under a minute where the limit was 10, issue 18).

import { type Clock, systemClock } from "../clock.ts";

export class LoginThrottle {
  #byAddress = new Map<string, number[]>();
  #byUser = new Map<string, number[]>();

  /**
   * Measures on `clock.monotonic()`: the wall clock set back by an hour (NTP after boot) would otherwise
   * keep an address locked out for that hour.
   */
  constructor(
    private readonly limitPerMinute: () => number,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * True while `address`, or the user name tried (when one is), has used up its failed attempts for the
   * last minute. A user name is counted whether or not such a user exists, so the answer says nothing
   * about which names exist.
   */
  blocked(address: string, user?: string): boolean {
    const limit = this.limitPerMinute();
    return this.#recent(this.#byAddress, address).length >= limit ||
      (user !== undefined && this.#recent(this.#byUser, user).length >= limit);
  }

  /**
   * Whole seconds until `address` (and `user`, when given) may try again: until enough of the failures
   * counted against it have left the minute; 0 when it is not blocked.
   */
  retryAfterSeconds(address: string, user?: string): number {
    const limit = this.limitPerMinute();
    const wait = (recent: number[]) =>
      recent.length < limit ? 0 : recent[recent.length - limit] + 60_000 - this.clock.monotonic();
    const ms = Math.max(
      wait(this.#recent(this.#byAddress, address)),
      user === undefined ? 0 : wait(this.#recent(this.#byUser, user)),
    );
    return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
  }

  recordFailure(address: string, user?: string): void {
    this.#record(this.#byAddress, address);
    if (user !== undefined) this.#record(this.#byUser, user);
  }

  /** A successful login of `user`: its failures are forgotten, the address's are kept. */
  recordSuccess(user: string): void {
    this.#byUser.delete(user);
  }

  /** Addresses currently blocked, for status. */
  blockedAddresses(): string[] {
    return [...this.#byAddress.keys()].filter((a) =>
      this.#recent(this.#byAddress, a).length >= this.limitPerMinute()
    );
  }

  /** User names currently blocked, for status. */
  blockedUsers(): string[] {
    return [...this.#byUser.keys()].filter((u) =>
      this.#recent(this.#byUser, u).length >= this.limitPerMinute()
    );
  }

  #record(failures: Map<string, number[]>, key: string): void {
    const recent = this.#recent(failures, key);
    recent.push(this.clock.monotonic());
    failures.set(key, recent);
    if (failures.size > 10_000) this.#prune(failures);
  }

  #recent(failures: Map<string, number[]>, key: string): number[] {
    const cutoff = this.clock.monotonic() - 60_000;
    return (failures.get(key) ?? []).filter((t) => t > cutoff);
  }

  #prune(failures: Map<string, number[]>): void {
    for (const key of failures.keys()) {
      if (this.#recent(failures, key).length === 0) failures.delete(key);
    }
  }
}
