// Failed logins per source address in a sliding minute; past the limit the address is refused outright
// until the window has moved on, so password guessing over TLS stays slow.

export class LoginThrottle {
  #failures = new Map<string, number[]>();

  /**
   * `now` is a monotonic clock in ms by default: the wall clock set back by an hour (NTP after boot)
   * would otherwise keep an address locked out for that hour.
   */
  constructor(
    private readonly limitPerMinute: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True while `address` has used up its failed attempts for the last minute. */
  blocked(address: string): boolean {
    return this.#recent(address).length >= this.limitPerMinute();
  }

  recordFailure(address: string): void {
    const recent = this.#recent(address);
    recent.push(this.now());
    this.#failures.set(address, recent);
    if (this.#failures.size > 10_000) this.#prune();
  }

  recordSuccess(address: string): void {
    this.#failures.delete(address);
  }

  /** Addresses currently blocked, for status. */
  blockedAddresses(): string[] {
    return [...this.#failures.keys()].filter((a) => this.blocked(a));
  }

  #recent(address: string): number[] {
    const cutoff = this.now() - 60_000;
    return (this.#failures.get(address) ?? []).filter((t) => t > cutoff);
  }

  #prune(): void {
    for (const address of this.#failures.keys()) {
      if (this.#recent(address).length === 0) this.#failures.delete(address);
    }
  }
}
