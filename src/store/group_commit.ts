// One way to commit many small writes together: a write is queued with what must follow its commit, and
// every `intervalMs` the queued writes run in one transaction (one commit, one fsync) before their
// follow-ups run, in order. Nothing that follows a commit (a record sent to a collector) runs before it
// is on the disk. With `syncLog` the disk is reached off the event loop: the commit does not wait for it,
// the follow-ups do.

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
  /**
   * Flushes what was committed to the disk, off the event loop (`syncWal` of the store's file). Without
   * it each commit waits for the disk on the event loop (the database's `synchronous` level).
   */
  syncLog?: () => Promise<void>;
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
 * event delivery. Committing what a few milliseconds bring in one transaction pays that once; flushing
 * the log on another thread (`syncLog`) takes it off the event loop: the integrations' outboxes write to
 * the same log, and with them on the fsync of each SMDR commit grew to stalls of up to 15 ms (issue 21).
 */
export class GroupCommit {
  #queue: Queued<unknown>[] = [];
  #timer?: TimerHandle;
  /** The follow-ups of the commits made so far, run in commit order once each is on the disk. */
  #following: Promise<void> = Promise.resolve();
  #syncFailing = false;

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
    if (ms <= 0) {
      void this.flush();
      return;
    }
    this.#timer ??= this.options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, ms);
  }

  /**
   * Commits every queued write now (on stop, and when the interval ends); resolves once the follow-ups of
   * every commit so far have run (at once without `syncLog`, after the log's flush with it).
   */
  flush(): Promise<void> {
    if (this.#timer !== undefined) this.options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const queued = this.#queue;
    if (queued.length === 0) return this.#following;
    this.#queue = [];
    const outcomes: ({ result: unknown } | { error: unknown })[] = [];
    const syncLog = this.options.syncLog;
    try {
      withSavepoint(this.options.db(), () => {
        for (const item of queued) {
          try {
            outcomes.push({ result: withSavepoint(this.options.db(), item.write) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      }, { synced: syncLog === undefined });
    } catch (error) {
      // The commit itself failed (a full disk): none of these writes is stored.
      return this.#inOrder(() => {
        for (const item of queued) this.#follow(() => item.failed(error));
      });
    }
    const followUps = () =>
      queued.forEach((item, i) => {
        const outcome = outcomes[i];
        this.#follow(() => "error" in outcome ? item.failed(outcome.error) : item.committed(outcome.result));
      });
    if (syncLog === undefined) return this.#inOrder(followUps);
    // The flush is asked for now (it covers this commit); the follow-ups keep the order of the commits.
    const synced = syncLog().then(() => {
      this.#syncFailing = false;
    }, (error) => {
      // The writes stand (any later read sees them); only a power cut before the next good flush loses them.
      // Logged when the flushes begin to fail, not at every commit.
      if (!this.#syncFailing) this.options.log.error("committed writes not flushed to the disk", { error });
      this.#syncFailing = true;
    });
    return this.#inOrder(() => synced.then(followUps));
  }

  /**
   * Runs `next` once the follow-ups of the earlier commits ran: at once when each commit waits for the disk
   * itself (nothing is ever left waiting then), else at the end of the chain of flushes under way (it never
   * rejects: a failed flush is logged, and a follow-up that throws is caught).
   */
  #inOrder(next: () => void | Promise<void>): Promise<void> {
    if (this.options.syncLog === undefined) {
      next();
      return this.#following;
    }
    this.#following = this.#following.then(next);
    return this.#following;
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
