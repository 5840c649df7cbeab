// Web UI / JSON API users in the store. The admin account exists from the first start; its password is
// the provisioned or generated one (src/accounts/first_boot.ts), and must be changed at first login.

import type { DatabaseSync } from "node:sqlite";
import { PasswordChecks } from "./password_checks.ts";
import { hashPassword } from "./password_hash.ts";
import type { Role } from "./roles.ts";

/** The password cstabox gave admin before first passwords were provisioned or generated; still refused. */
export const defaultAdminPassword = "admin";

export interface WebUser {
  name: string;
  /** Set while the password is the default or a provisioned one: the UI forces a change first. */
  mustChangePassword: boolean;
  role: Role;
}

/** A user change was refused: the reason names the field it is about. */
export class WebUserError extends Error {
  override readonly name = "WebUserError";
  constructor(
    readonly field: "name" | "role",
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** User names: a label for logins and logs, bounded like every other administrator input. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

interface WebUserRow {
  name: string;
  password_hash: string;
  must_change_password: number;
  role: Role;
}

const COLUMNS = "name, password_hash, must_change_password, role";

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
    return toUser(row);
  }

  /** Adds a user; the first password must be changed at the first login. */
  async add(name: string, password: string, role: Role): Promise<WebUser> {
    if (!USER_NAME.test(name)) {
      throw new WebUserError("name", "1 to 64 letters, digits, dots, dashes, underscores or @");
    }
    if (this.#row(name)) throw new WebUserError("name", `a user named ${name} exists already`, 409);
    const hash = await hashPassword(password, this.iterations);
    this.db.prepare(
      "INSERT INTO web_user (name, password_hash, must_change_password, created_at, role) VALUES (?, ?, 1, ?, ?)",
    ).run(name, hash, new Date().toISOString(), role);
    this.#generation++;
    return { name, mustChangePassword: true, role };
  }

  /** Gives a user another role; the last administrator keeps theirs. Returns the role before. */
  setRole(name: string, role: Role): Role {
    const row = this.#row(name);
    if (!row) throw new WebUserError("name", `no web user ${name}`, 404);
    if (row.role === "administrator" && role !== "administrator") this.#keepAnAdministrator(name);
    this.db.prepare("UPDATE web_user SET role = ? WHERE name = ?").run(role, name);
    this.#generation++;
    return row.role;
  }

  /** Removes a user with their sessions and API tokens; the last administrator stays. */
  remove(name: string): WebUser {
    const row = this.#row(name);
    if (!row) throw new WebUserError("name", `no web user ${name}`, 404);
    if (row.role === "administrator") this.#keepAnAdministrator(name);
    // Sessions and tokens go with the user (ON DELETE CASCADE).
    this.db.prepare("DELETE FROM web_user WHERE name = ?").run(name);
    this.#generation++;
    return toUser(row);
  }

  /** The role of a user, or undefined when there is no such user. */
  role(name: string): Role | undefined {
    return this.#row(name)?.role;
  }

  #keepAnAdministrator(name: string): void {
    const { n } = this.db.prepare("SELECT count(*) AS n FROM web_user WHERE role = 'administrator'")
      .get() as { n: number };
    if (n <= 1) {
      throw new WebUserError(
        "role",
        `${name} is the last administrator: make another user an administrator first`,
        409,
      );
    }
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
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM web_user ORDER BY name`)
      .all() as unknown as WebUserRow[];
    return rows.map(toUser);
  }

  #row(name: string): WebUserRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM web_user WHERE name = ?`).get(name) as
      | WebUserRow
      | undefined;
  }
}

function toUser(row: WebUserRow): WebUser {
  return { name: row.name, mustChangePassword: row.must_change_password === 1, role: row.role };
}
