// An index of each endpoint's pending webhook deliveries, in their order. Without it SQLite read an
// endpoint's pending deliveries through webhook_delivery_recent, walking the up to `keepDeliveries` (1,000)
// finished ones with their payloads at each read: 0.26 ms a read against 0.018 ms with this index, and the
// webhook dispatcher's largest share of the event loop in the integrations bench (issue 21).

import type { Migration } from "../migration.ts";

export const webhookPendingIndexMigration: Migration = {
  version: 15,
  name: "webhooks: an index of the pending deliveries",
  up(db) {
    db.exec(
      "CREATE INDEX webhook_delivery_pending ON webhook_delivery (webhook_id, created_at) WHERE state = 'pending'",
    );
  },
};
