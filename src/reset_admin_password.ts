// `cstabox reset-admin-password`: the way back in for an administrator at the box who lost the web
// password. The web user admin gets a new first password (from --password-file or CSTABOX_ADMIN_PASSWORD,
// else generated and printed), must change it at the next login, every admin session ends, and the audit
// log records it. A running cstabox holds the database exclusively, so it is refused then, saying to stop
// the service first.

import { parseArgs } from "node:util";
import { join } from "node:path";
import { generatePassword } from "./accounts/first_boot.ts";
import { WebUsers } from "./accounts/web_users.ts";
import { AuditLog } from "./audit/audit_log.ts";
import { SessionStore } from "./http/auth/session_store.ts";
import { errorText } from "./log/error_text.ts";
import { openDatabase } from "./store/database.ts";

export const resetUsage = `Usage: cstabox reset-admin-password [--data-dir DIR] [--password-file FILE]

Gives the web user admin a new password that must be changed at the next login, and ends every admin
session. Stop cstabox first (systemctl stop cstabox): a running cstabox holds the database. Without
--password-file (or CSTABOX_ADMIN_PASSWORD) a password is generated and printed.`;

/** Runs the command; returns the exit code (0 done, 1 refused, 2 usage). */
export async function resetAdminPassword(
  args: string[],
  env: (name: string) => string | undefined = Deno.env.get,
): Promise<number> {
  let options: { "data-dir"?: string; "password-file"?: string; help?: boolean };
  try {
    options = parseArgs({
      args,
      strict: true,
      options: {
        "data-dir": { type: "string" },
        "password-file": { type: "string" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    console.error(`cstabox: ${errorText(error)}\n\n${resetUsage}`);
    return 2;
  }
  if (options.help) {
    console.log(resetUsage);
    return 0;
  }
  const file = join(options["data-dir"] ?? "./data", "cstabox.db");
  if (!(await Deno.stat(file).then(() => true, () => false))) {
    console.error(`cstabox: no database at ${file}: is --data-dir the appliance's data directory?`);
    return 1;
  }
  const given = options["password-file"]
    ? (await Deno.readTextFile(options["password-file"])).replace(/\r?\n$/, "")
    : env("CSTABOX_ADMIN_PASSWORD");
  const password = given || generatePassword();
  let db;
  try {
    db = openDatabase(file);
    const users = new WebUsers(() => db!);
    if (await users.ensureAdmin(password) === "exists") {
      await users.setPassword("admin", password, { mustChange: true });
    }
    new SessionStore(() => db!, { idleMinutes: () => 0 }).removeForUser("admin");
    // Made at the box, not through the web: who is the operating-system user running the command.
    new AuditLog(() => db!).record(
      {
        user: `(console) ${env("USER") ?? env("LOGNAME") ?? "unknown"}`,
        via: "reset-admin-password",
        address: "console",
      },
      { action: "admin password reset", object: "user admin" },
    );
  } catch (error) {
    const busy = /database is locked|SQLITE_BUSY/i.test(errorText(error));
    console.error(
      busy
        ? "cstabox: the database is in use by a running cstabox: stop it first (systemctl stop cstabox)"
        : `cstabox: the password was not reset: ${errorText(error)}`,
    );
    return 1;
  } finally {
    db?.close();
  }
  const shown = given ? "given with --password-file or CSTABOX_ADMIN_PASSWORD" : password;
  console.log(
    `cstabox: the web user admin has the new password ${shown}; it must be changed at the next login. ` +
      "Every admin session has ended.",
  );
  return 0;
}
