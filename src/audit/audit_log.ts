// The audit log in the store: one row per change (a setting, a user, a token, a disconnected application)
// with who made it, how they signed in, from which address, and the old and new value as JSON, every
// secret-named field and URL credential masked here (a caller masks a bare value by its setting's name).
// Kept to a fixed number of rows, the oldest dropped first.

import { type Clock, systemClock } from "../clock.ts";
import type { DatabaseSync } from "node:sqlite";
import { maskSecrets } from "../backup/support_bundle.ts";

/** Who made a change and from where. */
export interface AuditActor {
  user: string;
  /** How they signed in: "session", "basic", or `token "name"`. */
  via: string;
  address: string;
}

/** What changed: `action` is a verb (`settings changed`, `user added`), `object` what it was done to. */
export interface AuditChange {
  action: string;
  object: string;
  old?: unknown;
  new?: unknown;
}

export interface AuditEntry extends AuditActor, AuditChange {
  id: number;
  at: string;
}

export interface AuditFilter {
  user?: string;
  /** Found in the action, the object or either value. */
  text?: string;
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  limit?: number;
}

/** Rows kept: at about 300 bytes a row, 100,000 rows are some 30 MB, years of administration. */
export const AUDIT_MAX_ENTRIES = 100_000;
/** Most rows one query answers. */
export const AUDIT_QUERY_MAX = 10_000;

interface Row {
  id: number;
  at: string;
  user_name: string;
  via: string;
  address: string;
  action: string;
  object: string;
  old_value: string | null;
  new_value: string | null;
}

export class AuditLog {
  constructor(
    private readonly database: () => DatabaseSync,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = AUDIT_MAX_ENTRIES,
  ) {}

  record(actor: AuditActor, change: AuditChange): void {
    const db = this.database();
    const { lastInsertRowid } = db.prepare(
      `INSERT INTO audit_entry (at, user_name, via, address, action, object, old_value, new_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      new Date(this.clock.now()).toISOString(),
      actor.user,
      actor.via,
      actor.address,
      change.action,
      change.object,
      change.old === undefined ? null : JSON.stringify(maskSecrets(change.old)),
      change.new === undefined ? null : JSON.stringify(maskSecrets(change.new)),
    );
    db.prepare("DELETE FROM audit_entry WHERE id <= ?").run(Number(lastInsertRowid) - this.maxEntries);
  }

  /** Matching entries, newest first. */
  query(filter: AuditFilter = {}): AuditEntry[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.user) where.push("user_name = ?"), args.push(filter.user);
    if (filter.from) where.push("at >= ?"), args.push(filter.from);
    if (filter.to) where.push("at <= ?"), args.push(filter.to);
    if (filter.text) {
      const columns = ["action", "object", "coalesce(old_value, '')", "coalesce(new_value, '')"];
      where.push(`(${columns.map((column) => `instr(lower(${column}), ?)`).join(" OR ")})`);
      args.push(...columns.map(() => filter.text!.toLowerCase()));
    }
    const limit = Math.min(Math.max(1, filter.limit ?? 200), AUDIT_QUERY_MAX);
    const rows = this.database().prepare(
      `SELECT * FROM audit_entry ${
        where.length ? `WHERE ${where.join(" AND ")}` : ""
      } ORDER BY id DESC LIMIT ${limit}`,
    ).all(...args) as unknown as Row[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      user: r.user_name,
      via: r.via,
      address: r.address,
      action: r.action,
      object: r.object,
      ...(r.old_value === null ? {} : { old: JSON.parse(r.old_value) }),
      ...(r.new_value === null ? {} : { new: JSON.parse(r.new_value) }),
    }));
  }
}
