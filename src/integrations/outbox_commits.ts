// The commits of the integrations' outboxes (MQTT outbox, webhook deliveries, their acknowledgements and
// attempts): each survives a crash or a kill of cstabox at once, and reaches the disk at most once per
// `integrations.syncIntervalMs` and at the latest that long after it was made. The disk is reached by
// flushing the database's log off the event loop ({@link syncWal}): a synced commit held the event loop
// 4 to 9 ms on the development VM (20 ms under load), and once a second the CSTA fan-out's tail paid for it
// (integrations bench, event-loop delay p99 4.3 ms with integrations on against 0.04 ms off).

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { withSavepoint } from "../store/savepoint.ts";

export interface OutboxCommitsOptions {
  /** The store's database (asked at each commit: the store may have been reopened). */
  db: () => DatabaseSync;
  /** 0: every commit waits for the disk itself; otherwise the most ms a commit waits to be flushed. */
  syncIntervalMs: () => number;
  /** Flushes what was committed to the disk, off the event loop (`syncWal` of the store's file). */
  syncLog: () => Promise<void>;
  /** A flush failed: what was committed since the last good one may not survive a power cut. */
  onSyncFailed: (error: unknown) => void;
  clock?: Clock;
}

export class OutboxCommits {
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
    if (db.isTransaction) return withSavepoint(db, work);
    if (this.#options.syncIntervalMs() === 0) return withSavepoint(db, work, { synced: true });
    const result = withSavepoint(db, work, { synced: false });
    this.#unsynced++;
    this.#scheduleSync();
    return result;
  }

  /** No more flushes (the store closes after this, and closing it writes everything to the disk). */
  stop(): void {
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
