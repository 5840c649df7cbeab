// The shape of one numbered schema step; each capability owns its own step file in ./migrations/.

import type { DatabaseSync } from "node:sqlite";

export interface Migration {
  /** Strictly increasing across the list; never reused, never renumbered once released. */
  version: number;
  /** What the step creates or changes, stored in `schema_version` for support. */
  name: string;
  up(db: DatabaseSync): void;
}
