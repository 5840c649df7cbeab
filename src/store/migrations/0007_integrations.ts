// Integrations: the MQTT outbox of call records and SMDR lines (kept until the broker acknowledged them),
// webhook endpoints, and their record deliveries with attempts, so a restart loses neither.

import type { Migration } from "../migration.ts";

export const integrationsMigration: Migration = {
  version: 7,
  name: "integrations: MQTT outbox, webhook endpoints and deliveries",
  up(db) {
    // AUTOINCREMENT: positions are never reused, so the published cursor never points at a newer message.
    db.exec(`CREATE TABLE mqtt_outbox (
      position INTEGER PRIMARY KEY AUTOINCREMENT,
      created_at INTEGER NOT NULL,
      topic TEXT NOT NULL,
      payload TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE integration_state (
      key TEXT PRIMARY KEY,
      value INTEGER
    )`);
    db.exec(`CREATE TABLE webhook (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      url TEXT NOT NULL,
      secret TEXT NOT NULL,
      kinds TEXT NOT NULL,
      lines TEXT NOT NULL,
      enabled INTEGER NOT NULL,
      created_at TEXT NOT NULL
    )`);
    db.exec(`CREATE TABLE webhook_delivery (
      id TEXT PRIMARY KEY,
      webhook_id TEXT NOT NULL REFERENCES webhook(id) ON DELETE CASCADE,
      kind TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_attempt_at INTEGER,
      last_status INTEGER,
      last_error TEXT
    )`);
    db.exec("CREATE INDEX webhook_delivery_due ON webhook_delivery(state, next_attempt_at)");
    db.exec("CREATE INDEX webhook_delivery_recent ON webhook_delivery(webhook_id, created_at)");
  },
};
