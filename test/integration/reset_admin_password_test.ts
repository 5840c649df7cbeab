// `cstabox reset-admin-password` on the box: a new first password for the web user admin, to be changed
// at the next login, every admin session ended, the reset in the audit log; refused with advice while a cstabox holds the database.

import assert from "node:assert/strict";
import { join } from "node:path";
import { WebUsers } from "../../src/accounts/web_users.ts";
import { AuditLog } from "../../src/audit/audit_log.ts";
import { SessionStore } from "../../src/http/auth/session_store.ts";
import { openDatabase } from "../../src/store/database.ts";
import { runCstabox } from "../support/cstabox_process.ts";

Deno.test("reset-admin-password gives admin a new first password, ends its sessions, and says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-reset-" });
  const file = join(dir, "cstabox.db");
  let db = openDatabase(file);
  const users = new WebUsers(() => db, 1000);
  await users.ensureAdmin("forgotten-pw-1");
  await users.setPassword("admin", "forgotten-pw-2", { mustChange: false });
  await new SessionStore(() => db, { idleMinutes: () => 30 }).create("admin", "192.0.2.1");
  db.close();

  const result = await runCstabox(["reset-admin-password", "--data-dir", dir]);
  assert.equal(result.code, 0, result.stderr);
  const line =
    /^cstabox: the web user admin has the new password (\S+); it must be changed at the next login/m
      .exec(result.stdout);
  assert.ok(line, result.stdout);

  db = openDatabase(file);
  try {
    const after = new WebUsers(() => db, 1000);
    assert.equal(await after.authenticate("admin", "forgotten-pw-2"), undefined, "the old password is gone");
    assert.deepEqual(await after.authenticate("admin", line[1]), {
      name: "admin",
      mustChangePassword: true,
      role: "administrator",
    });
    const sessions = db.prepare("SELECT COUNT(*) AS n FROM web_session WHERE user_name = 'admin'").get() as {
      n: number;
    };
    assert.equal(sessions.n, 0, "every admin session ended");
    const [entry] = new AuditLog(() => db).query();
    assert.deepEqual([entry.action, entry.object, entry.via, entry.address], [
      "admin password reset",
      "user admin",
      "reset-admin-password",
      "console",
    ]);
    assert.match(entry.user, /^\(console\) /);
    assert.ok(!JSON.stringify(entry).includes(line[1]), "the new password is not kept");
  } finally {
    db.close();
  }
});

Deno.test("reset-admin-password refuses, with what to do, while cstabox holds the database or none is there", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-reset-" });
  const none = await runCstabox(["reset-admin-password", "--data-dir", dir]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no database at .*cstabox\.db: is --data-dir the appliance's data directory\?/);

  const db = openDatabase(join(dir, "cstabox.db"), { exclusive: true });
  try {
    await new WebUsers(() => db, 1000).ensureAdmin("pw-held-by-a-running-box");
    const held = await runCstabox(["reset-admin-password", "--data-dir", dir]);
    assert.equal(held.code, 1);
    assert.match(held.stderr, /the database is in use by a running cstabox: stop it first/);
  } finally {
    db.close();
  }
});
