// The ordered list of every schema step. Add a step by adding a file in ./migrations/ and a line here.

import type { Migration } from "./migration.ts";
import { coreMigration } from "./migrations/0001_core.ts";

export const migrations: readonly Migration[] = [
  coreMigration,
];
