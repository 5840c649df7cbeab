// The commits of the integrations' outboxes (MQTT outbox, webhook deliveries, their acknowledgements and
// attempts): each survives a crash or a kill of cstabox at once, and reaches the disk (fsync) at most once
// per `integrations.syncIntervalMs`, because a synced commit holds the event loop 4 to 9 ms on the
// development VM (and 20 ms under load), which the CSTA fan-out's tail paid for ten times a second.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { withSavepoint } from "../store/savepoint.ts";

export class OutboxCommits {
  #lastSynced = -Infinity;

  constructor(
    private readonly db: () => DatabaseSync,
    private readonly syncIntervalMs: () => number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Runs `work` as one commit (or inside the caller's transaction), synced when the interval is over. */
  commit<T>(work: () => T): T {
    const db = this.db();
    const now = this.clock.monotonic();
    const synced = db.isTransaction || now - this.#lastSynced >= this.syncIntervalMs();
    const result = withSavepoint(db, work, { synced });
    if (synced && !db.isTransaction) this.#lastSynced = now;
    return result;
  }
}
