// CSTA users in the store: the name and password an application sends in its AARQ. The first user is
// `admin` with a provisioned or generated password (src/accounts/first_boot.ts), never admin/admin.

import type { DatabaseSync } from "node:sqlite";
import { PasswordChecks } from "./password_checks.ts";
import { hashPassword } from "./password_hash.ts";

/** The CSTA user created on first start. */
export const firstCstaUser = "admin";

interface Row {
  name: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export class CstaUsers {
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

  /** Creates `admin` with `password` when there is no CSTA user at all (first start). */
  async ensureDefault(password: string): Promise<boolean> {
    const count = this.db.prepare("SELECT COUNT(*) AS n FROM csta_user").get() as { n: number };
    if (count.n > 0) return false;
    await this.set(firstCstaUser, password);
    return true;
  }

  /** Creates or replaces a user's password. */
  async set(name: string, password: string): Promise<void> {
    if (!name.trim()) throw new Error("a CSTA user needs a name");
    if (!password) throw new Error("a CSTA user needs a password");
    const hash = await hashPassword(password, this.iterations);
    const now = new Date().toISOString();
    this.db.prepare(
      `INSERT INTO csta_user (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
    ).run(name, hash, now, now);
  }

  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM csta_user WHERE name = ?").run(name).changes > 0;
  }

  list(): { name: string; createdAt: string; updatedAt: string }[] {
    const rows = this.db.prepare("SELECT * FROM csta_user ORDER BY name").all() as unknown as Row[];
    return rows.map((r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async verify(name: string, password: string): Promise<boolean> {
    const row = this.db.prepare("SELECT * FROM csta_user WHERE name = ?").get(name) as Row | undefined;
    // An unknown name costs the same check as a wrong password (on a dummy hash).
    return await this.checks.verify(password, row?.password_hash, this.iterations);
  }
}
