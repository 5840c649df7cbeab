// One way to commit many small writes together: a write is queued with what must follow its commit, and
// every `intervalMs` the queued writes run in one transaction (one commit, one fsync) before their
// follow-ups run, in order. Nothing that follows a commit (a record sent to a collector) runs before it.

import type { DatabaseSync } from "node:sqlite";
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../log/logger.ts";
import { withSavepoint } from "./savepoint.ts";

export interface GroupCommitOptions {
  /** The store's database (asked at each commit: the store may have been reopened). */
  db: () => DatabaseSync;
  /** Writes queued within this many ms commit together; 0 = each write commits at once, as it is made. */
  intervalMs: () => number;
  clock: Clock;
  log: Logger;
}

/** A write waiting for the next commit, with what follows it. */
interface Queued<T> {
  write: () => T;
  committed: (result: T) => void;
  failed: (error: unknown) => void;
}

/**
 * With synchronous=FULL every commit waits for an fsync on the event loop: 2.7 ms at the median and 25 ms
 * at p99 on the 2-core VM under load (docs/BENCHMARKS.md, issue 24), a stall of every application's
 * event delivery. Committing what a few milliseconds bring in one transaction pays that once.
 */
export class GroupCommit {
  #queue: Queued<unknown>[] = [];
  #timer?: TimerHandle;

  constructor(private readonly options: GroupCommitOptions) {}

  /** Writes waiting for the next commit. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Runs `write` in the next commit, then `committed` with its result once that commit is durable, or
   * `failed` when the write threw (only it is undone) or the commit failed (all of that commit is).
   */
  write<T>(write: () => T, committed: (result: T) => void, failed: (error: unknown) => void): void {
    this.#queue.push({ write, committed, failed } as Queued<unknown>);
    const ms = this.options.intervalMs();
    if (ms <= 0) return this.flush();
    this.#timer ??= this.options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, ms);
  }

  /** Commits every queued write now (on stop, and when the interval ends), then runs their follow-ups. */
  flush(): void {
    if (this.#timer !== undefined) this.options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const queued = this.#queue;
    if (queued.length === 0) return;
    this.#queue = [];
    const outcomes: ({ result: unknown } | { error: unknown })[] = [];
    try {
      withSavepoint(this.options.db(), () => {
        for (const item of queued) {
          try {
            outcomes.push({ result: withSavepoint(this.options.db(), item.write) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (a full disk): none of these writes is stored.
      for (const item of queued) this.#follow(() => item.failed(error));
      return;
    }
    queued.forEach((item, i) => {
      const outcome = outcomes[i];
      this.#follow(() => "error" in outcome ? item.failed(outcome.error) : item.committed(outcome.result));
    });
  }

  /** A follow-up that throws must not keep the later ones from running. */
  #follow(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.options.log.error("follow-up of a group commit failed", { error });
    }
  }
}
