// What a database must hold for this cstabox to run on it: every table and column the migrations up to its
// schema version make. A restore checks a backup's database with it before anything is replaced: one
// without table `line` was installed and left the appliance broken ("no such table: line", issue 18).

import { DatabaseSync } from "node:sqlite";
import type { Migration } from "./migration.ts";
import { migrate, schemaVersion } from "./database.ts";
import { migrations as defaultMigrations } from "./migrations.ts";

/** Each table or column the migrations up to `db`'s schema version make and `db` lacks, in words. */
export function missingSchema(db: DatabaseSync, steps: readonly Migration[] = defaultMigrations): string[] {
  const version = schemaVersion(db);
  // The reference: the same migrations run on an empty in-memory database.
  const reference = new DatabaseSync(":memory:");
  try {
    migrate(reference, steps.filter((step) => step.version <= version));
    const missing: string[] = [];
    for (const table of tableNames(reference)) {
      const present = columnNames(db, table);
      if (present.size === 0) {
        missing.push(`table ${table} is missing`);
        continue;
      }
      const lacking = [...columnNames(reference, table)].filter((column) => !present.has(column));
      if (lacking.length) {
        missing.push(`table ${table} lacks column${lacking.length > 1 ? "s" : ""} ${lacking.join(", ")}`);
      }
    }
    return missing;
  } finally {
    reference.close();
  }
}

function tableNames(db: DatabaseSync): string[] {
  const rows = db.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all() as { name: string }[];
  return rows.map((row) => row.name);
}

function columnNames(db: DatabaseSync, table: string): Set<string> {
  const rows = db.prepare("SELECT name FROM pragma_table_info(?)").all(table) as { name: string }[];
  return new Set(rows.map((row) => row.name));
}
