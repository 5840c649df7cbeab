// Web UI / JSON API users in the store. The admin account exists from the first start; its password is
// the provisioned or generated one (src/accounts/first_boot.ts), and must be changed at first login.

import type { DatabaseSync } from "node:sqlite";
import { PasswordChecks } from "./password_checks.ts";
import { hashPassword } from "./password_hash.ts";

/** The password cstabox gave admin before first passwords were provisioned or generated; still refused. */
export const defaultAdminPassword = "admin";

export interface WebUser {
  name: string;
  /** Set while the password is the default or a provisioned one: the UI forces a change first. */
  mustChangePassword: boolean;
}

interface WebUserRow {
  name: string;
  password_hash: string;
  must_change_password: number;
}

export class WebUsers {
  #generation = 0;

  /** `db` is read at each call, so the users outlive a store restart. */
  /** `checks` is shared by web and CSTA users in the appliance, so together they stay within its limits. */
  constructor(
    private readonly database: () => DatabaseSync,
    private readonly iterations?: number,
    private readonly checks: PasswordChecks = new PasswordChecks(),
  ) {}

  private get db(): DatabaseSync {
    return this.database();
  }

  /** Creates the admin account on first start; an existing account is never touched. */
  async ensureAdmin(firstPassword: string): Promise<"created" | "exists"> {
    if (this.#row("admin")) return "exists";
    const hash = await hashPassword(firstPassword, this.iterations);
    this.db.prepare(
      "INSERT INTO web_user (name, password_hash, must_change_password, created_at) VALUES (?, ?, 1, ?)",
    ).run("admin", hash, new Date().toISOString());
    return "created";
  }

  /** Whether the user still has to replace a first password; undefined when there is no such user. */
  mustChangePassword(name: string): boolean | undefined {
    const row = this.#row(name);
    return row ? row.must_change_password === 1 : undefined;
  }

  /** The user when name and password match, else undefined. */
  async authenticate(name: string, password: string): Promise<WebUser | undefined> {
    const row = this.#row(name);
    // An unknown name costs the same check as a wrong password (on a dummy hash).
    if (!(await this.checks.verify(password, row?.password_hash, this.iterations)) || !row) return undefined;
    return { name: row.name, mustChangePassword: row.must_change_password === 1 };
  }

  async setPassword(name: string, password: string, options: { mustChange?: boolean } = {}): Promise<void> {
    const hash = await hashPassword(password, this.iterations);
    const result = this.db.prepare(
      "UPDATE web_user SET password_hash = ?, must_change_password = ? WHERE name = ?",
    ).run(hash, options.mustChange ? 1 : 0, name);
    if (result.changes === 0) throw new Error(`web user ${name} does not exist`);
    this.#generation++;
  }

  /** Increases with every password change, so caches of verified logins know to forget. */
  get generation(): number {
    return this.#generation;
  }

  list(): WebUser[] {
    const rows = this.db.prepare(
      "SELECT name, password_hash, must_change_password FROM web_user ORDER BY name",
    )
      .all() as unknown as WebUserRow[];
    return rows.map((r) => ({ name: r.name, mustChangePassword: r.must_change_password === 1 }));
  }

  #row(name: string): WebUserRow | undefined {
    return this.db.prepare("SELECT name, password_hash, must_change_password FROM web_user WHERE name = ?")
      .get(name) as WebUserRow | undefined;
  }
}
