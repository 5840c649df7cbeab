// Injected time, so the trial period, keep-alives and back-off can be tested with a fake clock.

/** An opaque timer handle; only the clock that made it can clear it. */
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Milliseconds on a clock that never jumps (unlike `now` when the wall clock is set, e.g. by NTP after
   * boot): for measuring deadlines, not for telling the time.
   */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * `work`, or a rejection with `timeout()` once `ms` pass on `clock`. A later failure of the work that lost
 * (a read cut by a close) is handled by the race, never left unhandled.
 */
export async function withinTime<T>(
  clock: Clock,
  work: Promise<T>,
  ms: number,
  timeout: () => Error = () => new Error("timed out"),
): Promise<T> {
  let timer: TimerHandle | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(timeout()), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** A clock that only moves when told to; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and neither fired nor cleared yet. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = target;
  }
}
