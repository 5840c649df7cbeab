// The durable MQTT outbox: call records and SMDR lines are committed here before they are published, and
// leave only once the broker acknowledged them (QoS 1), in order. A backlog limit drops the oldest and
// counts them, so a broker away for weeks cannot fill the disk.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "../../clock.ts";
import { withSavepoint } from "../../store/savepoint.ts";

/** One waiting message: its position (increasing, never reused), topic and payload. */
export interface OutboxMessage {
  position: number;
  createdAt: number;
  topic: string;
  payload: string;
}

const DROPPED = "mqtt_dropped";

interface Statements {
  db: DatabaseSync;
  insert: StatementSync;
  after: StatementSync;
  remove: StatementSync;
  count: StatementSync;
  oldest: StatementSync;
  dropOldest: StatementSync;
  getState: StatementSync;
  setState: StatementSync;
}

export class MqttOutbox {
  #sql?: Statements;

  constructor(private readonly db: () => DatabaseSync, private readonly clock: Clock = systemClock) {}

  /**
   * Stores one message and applies the backlog limit (0 = none): committed before it returns, or with the
   * caller's transaction when there is one.
   */
  append(topic: string, payload: string, backlogLimit: number): OutboxMessage {
    const sql = this.#statements();
    const createdAt = this.clock.now();
    return withSavepoint(sql.db, () => {
      const row = sql.insert.get(createdAt, topic, payload) as { position: number };
      if (backlogLimit > 0) {
        const excess = this.size() - backlogLimit;
        if (excess > 0) {
          const dropped = Number(sql.dropOldest.run(excess).changes);
          sql.setState.run(DROPPED, this.dropped() + dropped);
        }
      }
      return { position: Number(row.position), createdAt, topic, payload };
    });
  }

  /** Up to `limit` waiting messages after `position`, oldest first. */
  after(position: number, limit: number): OutboxMessage[] {
    return (this.#statements().after.all(position, limit) as unknown as OutboxMessage[]).map((row) => ({
      position: Number(row.position),
      createdAt: Number(row.createdAt),
      topic: row.topic,
      payload: row.payload,
    }));
  }

  /** The broker acknowledged every message up to `position`: they leave the outbox. */
  acknowledge(position: number): void {
    this.#statements().remove.run(position);
  }

  /** Messages waiting for the broker. */
  size(): number {
    return Number((this.#statements().count.get() as { n: number | null }).n ?? 0);
  }

  /** When the oldest waiting message was stored (ms), or null when none waits. */
  oldestAt(): number | null {
    const row = this.#statements().oldest.get() as { at: number | null };
    return row.at === null ? null : Number(row.at);
  }

  /** Messages the backlog limit dropped, over the life of the store. */
  dropped(): number {
    const row = this.#statements().getState.get(DROPPED) as { value: number | null } | undefined;
    return Number(row?.value ?? 0);
  }

  #statements(): Statements {
    const db = this.db();
    if (this.#sql?.db === db) return this.#sql;
    this.#sql = {
      db,
      insert: db.prepare(
        "INSERT INTO mqtt_outbox (created_at, topic, payload) VALUES (?, ?, ?) RETURNING position",
      ),
      after: db.prepare(
        "SELECT position, created_at AS createdAt, topic, payload FROM mqtt_outbox WHERE position > ? ORDER BY position LIMIT ?",
      ),
      remove: db.prepare("DELETE FROM mqtt_outbox WHERE position <= ?"),
      // Positions left in the outbox are one contiguous range (only the oldest are ever deleted): its
      // ends are two index lookups, where COUNT(*) would read a backlog of 100 000 rows at every append.
      count: db.prepare("SELECT MAX(position) - MIN(position) + 1 AS n FROM mqtt_outbox"),
      oldest: db.prepare("SELECT MIN(created_at) AS at FROM mqtt_outbox"),
      dropOldest: db.prepare(
        "DELETE FROM mqtt_outbox WHERE position IN (SELECT position FROM mqtt_outbox ORDER BY position LIMIT ?)",
      ),
      getState: db.prepare("SELECT value FROM integration_state WHERE key = ?"),
      setState: db.prepare(
        "INSERT INTO integration_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
    return this.#sql;
  }
}
