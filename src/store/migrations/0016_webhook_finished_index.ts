// An index of each endpoint's finished webhook deliveries, in their order and with their state (so a walk
// reads no row), in place of one by state and next attempt that no query used (each insert and state
// change of a delivery wrote it all the same).
// The delivery log keeps the newest `keepDeliveries` finished ones per endpoint: finding the oldest to keep
// walked them through webhook_delivery_recent, each row read for its state (with its payload). In the
// integrations bench 82 of 120 such prunes held the event loop 1 ms or more (issue 21).

import type { Migration } from "../migration.ts";

export const webhookFinishedIndexMigration: Migration = {
  version: 16,
  name: "webhooks: an index of the finished deliveries",
  up(db) {
    db.exec("DROP INDEX webhook_delivery_due");
    db.exec(
      "CREATE INDEX webhook_delivery_finished ON webhook_delivery (webhook_id, created_at, state) WHERE state != 'pending'",
    );
  },
};
