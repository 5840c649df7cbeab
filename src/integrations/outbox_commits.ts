// The commits of the integrations' outboxes (MQTT outbox, webhook deliveries, their acknowledgements and
// attempts): each survives a crash or a kill of cstabox at once, and reaches the disk (fsync) at most once
// per `integrations.syncIntervalMs`, because a synced commit holds the event loop 4 to 9 ms on the
// development VM (and 20 ms under load), which the CSTA fan-out's tail paid for ten times a second.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { withSavepoint } from "../store/savepoint.ts";

/** The row a trailing sync writes: a synced commit needs something to write to reach the disk. */
const SYNCED_AT = "synced_at";

export class OutboxCommits {
  #lastSynced = -Infinity;
  /** A commit since the last synced one did not reach the disk: a sync follows by the interval's end. */
  #trailing?: TimerHandle;
  #stopped = false;

  constructor(
    private readonly db: () => DatabaseSync,
    private readonly syncIntervalMs: () => number,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Runs `work` as one commit (or inside the caller's transaction), synced when the interval is over;
   * otherwise a synced commit follows when it is, so nothing waits longer than the interval for the disk.
   */
  commit<T>(work: () => T): T {
    const db = this.db();
    const now = this.clock.monotonic();
    const interval = this.syncIntervalMs();
    const synced = db.isTransaction || now - this.#lastSynced >= interval;
    const result = withSavepoint(db, work, { synced });
    if (db.isTransaction) return result;
    if (synced) {
      this.#lastSynced = now;
      if (this.#trailing !== undefined) this.clock.clearTimeout(this.#trailing);
      this.#trailing = undefined;
    } else if (!this.#stopped) {
      this.#trailing ??= this.clock.setTimeout(() => this.#sync(), this.#lastSynced + interval - now);
    }
    return result;
  }

  /** No more trailing syncs (the store closes after this, and closing it writes everything to the disk). */
  stop(): void {
    this.#stopped = true;
    if (this.#trailing !== undefined) this.clock.clearTimeout(this.#trailing);
    this.#trailing = undefined;
  }

  #sync(): void {
    this.#trailing = undefined;
    try {
      this.commit(() =>
        this.db().prepare(
          "INSERT INTO integration_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ).run(SYNCED_AT, this.clock.now())
      );
    } catch {
      // The store is closing or closed: its close writes the log to the disk itself.
    }
  }
}
