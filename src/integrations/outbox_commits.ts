// The commits of the integrations' outboxes (MQTT outbox, webhook deliveries, their acknowledgements and
// attempts): each survives a crash or a kill of cstabox at once, and reaches the disk at most once per
// `integrations.syncIntervalMs` and at the latest that long after it was made. The disk is reached by
// flushing the database's log off the event loop ({@link syncWal}): a synced commit held the event loop
// 4 to 9 ms on the development VM (20 ms under load), and once a second the CSTA fan-out's tail paid for it
// (integrations bench, event-loop delay p99 4.3 ms with integrations on against 0.04 ms off).
//
// The outboxes' bookkeeping (webhook attempts, MQTT acknowledgements) waits for the next commit of any
// outbox, at the latest `integrations.commitIntervalMs` ({@link OutboxCommits.later}): each owner with its
// own timer made 36 commits a second in the integrations bench, and every commit writes again the index
// pages it touched, so the log filled and was checkpointed (on the event loop, 4 to 23 ms) more often.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { withSavepoint } from "../store/savepoint.ts";

/** How an outbox writes: as one commit now, or within the next shared one. */
export interface OutboxWrites {
  /** Runs `work` as one commit now (or inside the caller's transaction, whose commit decides). */
  commit<T>(work: () => T): T;
  /**
   * Runs `work` in the next commit of any outbox, at the latest the interval from now; `onError` hears
   * when its writes did not commit (its own failure, or the commit's).
   */
  later(work: () => void, onError: (error: unknown) => void): void;
}

/**
 * Writes at once, each its own commit: for an outbox without shared commits (tests, tools).
 *
 * @example
 * ```ts
 * immediateWrites.later(() => repository.attempted(outcomes), (error) => log.error("not stored", { error }));
 * ```
 */
export const immediateWrites: OutboxWrites = {
  commit: (work) => work(),
  later: (work, onError) => {
    try {
      work();
    } catch (error) {
      onError(error);
    }
  },
};

/**
 * One owner's write for the next shared commit, asked for once while it waits however often it is
 * scheduled: the owner keeps what to write (attempts, an acknowledged position) and `write` takes all of it.
 * A failed commit (the work's own, or the whole commit's) clears the wait, so the next schedule asks again.
 *
 * @example
 * ```ts
 * const acknowledgements = new LaterWrite(writes, () => outbox.acknowledge(cursor), (error) => log.error("…", { error }));
 * acknowledgements.schedule(); // after each acknowledged batch: one write per shared commit
 * ```
 */
export class LaterWrite {
  #waiting = false;

  constructor(
    private readonly writes: OutboxWrites,
    private readonly write: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  schedule(): void {
    if (this.#waiting) return;
    this.#waiting = true;
    this.writes.later(() => {
      this.#waiting = false;
      this.write();
    }, (error) => {
      this.#waiting = false;
      this.onError(error);
    });
  }
}

export interface OutboxCommitsOptions {
  /** The store's database (asked at each commit: the store may have been reopened). */
  db: () => DatabaseSync;
  /** 0: every commit waits for the disk itself; otherwise the most ms a commit waits to be flushed. */
  syncIntervalMs: () => number;
  /** Flushes what was committed to the disk, off the event loop (`syncWal` of the store's file). */
  syncLog: () => Promise<void>;
  /** A flush failed: what was committed since the last good one may not survive a power cut. */
  onSyncFailed: (error: unknown) => void;
  /** The most ms work given to `later` waits for a commit (0 = it is committed at once). */
  laterMs: () => number;
  clock?: Clock;
}

interface LaterWork {
  work: () => void;
  onError: (error: unknown) => void;
}

export class OutboxCommits implements OutboxWrites {
  readonly #options: OutboxCommitsOptions;
  readonly #clock: Clock;
  /** When the last flush began (monotonic ms). */
  #lastSynced = -Infinity;
  /** The timer of the next flush, while one is due. */
  #trailing?: TimerHandle;
  #syncing?: Promise<void>;
  /** Commits made since the last flush began: they need the next one. */
  #unsynced = 0;
  #stopped = false;
  /** Work waiting for the next commit, in the order it was given. */
  #later: LaterWork[] = [];
  #laterTimer?: TimerHandle;

  constructor(options: OutboxCommitsOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Commits not yet known to be on the disk: those since the flush under way began, and that flush (tests). */
  get unsynced(): number {
    return this.#unsynced + (this.#syncing ? 1 : 0);
  }

  /**
   * Runs `work` as one commit (or inside the caller's transaction, whose commit decides), not waiting for
   * the disk; a flush of the log follows within the interval, off the event loop.
   */
  commit<T>(work: () => T): T {
    const db = this.#options.db();
    const waiting = this.#takeLater();
    // The waiting work goes first, each in a savepoint of its own: one that fails is undone alone.
    const all = () => {
      for (const w of waiting) {
        try {
          withSavepoint(db, w.work);
        } catch (error) {
          w.onError(error);
        }
      }
      return work();
    };
    let result: T;
    try {
      if (db.isTransaction) return withSavepoint(db, all);
      if (this.#options.syncIntervalMs() === 0) return withSavepoint(db, all, { synced: true });
      result = withSavepoint(db, all, { synced: false });
    } catch (error) {
      for (const w of waiting) w.onError(error);
      throw error;
    }
    this.#unsynced++;
    this.#scheduleSync();
    return result;
  }

  later(work: () => void, onError: (error: unknown) => void): void {
    this.#later.push({ work, onError });
    const ms = this.#options.laterMs();
    if (ms <= 0) return this.flushLater();
    this.#laterTimer ??= this.#clock.setTimeout(() => {
      this.#laterTimer = undefined;
      this.flushLater();
    }, ms);
  }

  /** Commits the work waiting for a commit now (each owner hears of its failure). */
  flushLater(): void {
    if (this.#later.length === 0) return;
    try {
      this.commit(() => undefined);
    } catch {
      // told to each owner in commit()
    }
  }

  #storeOpen(): boolean {
    try {
      return this.#options.db().isOpen;
    } catch {
      return false; // the store service is stopped
    }
  }

  #takeLater(): LaterWork[] {
    if (this.#laterTimer !== undefined) this.#clock.clearTimeout(this.#laterTimer);
    this.#laterTimer = undefined;
    const waiting = this.#later;
    this.#later = [];
    return waiting;
  }

  /**
   * Commits the work still waiting while the store is open (the outboxes' own stops commit, and take it
   * with them), then no more flushes (closing the store writes everything to the disk).
   */
  stop(): void {
    if (this.#later.length > 0 && this.#storeOpen()) this.flushLater();
    this.#takeLater();
    this.#stopped = true;
    if (this.#trailing !== undefined) this.#clock.clearTimeout(this.#trailing);
    this.#trailing = undefined;
  }

  #scheduleSync(): void {
    if (this.#stopped || this.#syncing || this.#trailing !== undefined) return;
    const wait = Math.max(0, this.#lastSynced + this.#options.syncIntervalMs() - this.#clock.monotonic());
    this.#trailing = this.#clock.setTimeout(() => {
      this.#trailing = undefined;
      this.#syncing = this.#sync();
    }, wait);
  }

  async #sync(): Promise<void> {
    // What is committed from here on needs the next flush; what came before is in the log this one flushes.
    this.#unsynced = 0;
    this.#lastSynced = this.#clock.monotonic();
    try {
      await this.#options.syncLog();
    } catch (error) {
      this.#options.onSyncFailed(error);
    } finally {
      this.#syncing = undefined;
    }
    if (this.#unsynced > 0) this.#scheduleSync();
  }
}
