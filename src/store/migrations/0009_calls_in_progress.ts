// The call tracker's trunk calls in progress, kept while they last, so that after a restart (or SIGKILL)
// of cstabox a call goes on under its SMDR call ID, or ends with DISCONNECTED (docs/calls.md).

import type { Migration } from "../migration.ts";

export const callsInProgressMigration: Migration = {
  version: 9,
  name: "call tracker: trunk calls in progress",
  up(db) {
    db.exec(`CREATE TABLE call_in_progress (
      serial INTEGER PRIMARY KEY,
      call TEXT NOT NULL
    )`);
  },
};
