// The ordered list of every schema step. Add a step by adding a file in ./migrations/ and a line here.

import type { Migration } from "./migration.ts";
import { coreMigration } from "./migrations/0001_core.ts";
import { linesMigration } from "./migrations/0002_lines.ts";
import { licensingMigration } from "./migrations/0003_licensing.ts";
import { cstaUsersMigration } from "./migrations/0004_csta_users.ts";
import { smdrMigration } from "./migrations/0005_smdr.ts";
import { webSessionsMigration } from "./migrations/0006_web_sessions.ts";
import { integrationsMigration } from "./migrations/0007_integrations.ts";
import { lineApiMigration } from "./migrations/0008_line_api.ts";
import { callsInProgressMigration } from "./migrations/0009_calls_in_progress.ts";
import { webUserRolesMigration } from "./migrations/0010_web_user_roles.ts";
import { smdrHistoryMigration } from "./migrations/0011_smdr_history.ts";
import { auditMigration } from "./migrations/0012_audit.ts";
import { statisticsMigration } from "./migrations/0013_statistics.ts";
import { tableIndexesMigration } from "./migrations/0014_table_indexes.ts";
import { webhookPendingIndexMigration } from "./migrations/0015_webhook_pending_index.ts";
import { webhookFinishedIndexMigration } from "./migrations/0016_webhook_finished_index.ts";

export const migrations: readonly Migration[] = [
  coreMigration,
  linesMigration,
  licensingMigration,
  cstaUsersMigration,
  smdrMigration,
  webSessionsMigration,
  integrationsMigration,
  lineApiMigration,
  callsInProgressMigration,
  webUserRolesMigration,
  smdrHistoryMigration,
  auditMigration,
  statisticsMigration,
  tableIndexesMigration,
  webhookPendingIndexMigration,
  webhookFinishedIndexMigration,
];
