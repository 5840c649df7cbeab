// The lines table: create, read, update, delete, and transactions so that an import or a sync applies
// whole or not at all.

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import {
  checkDeviceNumber,
  checkLineName,
  checkLineNumber,
  compareLineNumbers,
  type Line,
  LINE_KINDS,
  type LineKind,
  LineValueError,
} from "./line.ts";
import { inTransaction } from "../store/transaction.ts";

/** What a caller gives to create a line; everything but the number has a default. */
export interface LineInput {
  number: string;
  name?: string;
  kind?: LineKind;
  deviceNumber?: number | null;
  enabled?: boolean;
  missingFromPbx?: boolean;
}

/** The fields of a line that may change; the number is the identity and does not. */
export type LinePatch = Partial<Omit<Line, "number">>;

/** A repository operation was refused: the line does not exist, or exists already. */
export class LineStoreError extends Error {
  override readonly name = "LineStoreError";
  constructor(readonly code: "not-found" | "duplicate", readonly number: string, message: string) {
    super(message);
  }
}

/** Builds a complete, checked line from input; throws `LineValueError` naming the bad field. */
export function lineFromInput(input: LineInput): Line {
  const kind = input.kind ?? "extension";
  if (!LINE_KINDS.includes(kind)) throw new LineValueError("kind", `unknown line kind "${kind}"`);
  return {
    number: checkLineNumber(input.number),
    name: checkLineName(input.name ?? ""),
    kind,
    deviceNumber: checkDeviceNumber(input.deviceNumber ?? null),
    enabled: input.enabled ?? true,
    missingFromPbx: input.missingFromPbx ?? false,
  };
}

interface LineRow {
  number: string;
  name: string;
  kind: LineKind;
  device_number: number | null;
  enabled: number;
  missing_from_pbx: number;
}

function lineFromRow(row: LineRow): Line {
  return {
    number: row.number,
    name: row.name,
    kind: row.kind,
    deviceNumber: row.device_number,
    enabled: row.enabled === 1,
    missingFromPbx: row.missing_from_pbx === 1,
  };
}

const COLUMNS = "number, name, kind, device_number, enabled, missing_from_pbx";

/** What a line search narrows by; every field is optional and they combine with AND. */
export interface LineFilter {
  /** Part of the number or of the name (any case). */
  q?: string;
  /** The start of the number. */
  number?: string;
  /** Part of the name (any case). */
  name?: string;
  kind?: LineKind;
  /** `ok`: enabled and offered by the PBX; `disabled`; `missing`: no longer offered by the PBX. */
  state?: LineStateFilter;
  enabled?: boolean;
  /** Exactly these numbers (the Monitors page names the devices it shows). */
  numbers?: readonly string[];
}

export const LINE_STATE_FILTERS = ["ok", "disabled", "missing"] as const;
export type LineStateFilter = typeof LINE_STATE_FILTERS[number];

export const LINE_SORTS = ["number", "name", "kind", "deviceNumber"] as const;
export type LineSort = typeof LINE_SORTS[number];

/**
 * ORDER BY of each sort; every one ends in the number order (shorter first, then by text, as
 * `compareLineNumbers`), which migration 14's expression indexes serve without sorting 10,000 rows.
 */
const NUMBER_ORDER = "length(number) DIR, number DIR";
const ORDER_BY: Record<LineSort, string> = {
  number: NUMBER_ORDER,
  name: `name COLLATE NOCASE DIR, ${NUMBER_ORDER}`,
  kind: `kind DIR, ${NUMBER_ORDER}`,
  deviceNumber: `device_number IS NULL, device_number DIR, ${NUMBER_ORDER}`,
};

/** `LIKE` pattern of a text to find anywhere (its own `%`, `_` and `\\` taken literally). */
function likeAnywhere(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function lineWhere(filter: LineFilter): { where: string[]; params: SQLInputValue[] } {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.q) {
    where.push("(number LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')");
    params.push(likeAnywhere(filter.q), likeAnywhere(filter.q));
  }
  if (filter.number) {
    // A range on the primary key: the index finds the prefix (LIKE would not, being case-insensitive).
    where.push("number >= ? AND number < ?");
    params.push(filter.number, filter.number + "\u{10FFFF}");
  }
  if (filter.name) where.push("name LIKE ? ESCAPE '\\'"), params.push(likeAnywhere(filter.name));
  if (filter.kind) where.push("kind = ?"), params.push(filter.kind);
  if (filter.enabled !== undefined) where.push("enabled = ?"), params.push(filter.enabled ? 1 : 0);
  if (filter.state === "ok") where.push("enabled = 1 AND missing_from_pbx = 0");
  if (filter.state === "disabled") where.push("enabled = 0");
  if (filter.state === "missing") where.push("missing_from_pbx = 1");
  if (filter.numbers) {
    where.push(`number IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(filter.numbers));
  }
  return { where, params };
}

/**
 * The numbers of the lines, per connection, while no write changed them: shared by every repository on
 * the connection (each write through any of them forgets it), never filled inside a transaction (a
 * rollback would leave numbers that are not there).
 */
const lineNumbers = new WeakMap<DatabaseSync, Set<string>>();

/** The lines kept in the store. All writes check their values; reads return lines in number order. */
export class LineRepository {
  #depth = 0;
  #get?: { db: DatabaseSync; statement: StatementSync };

  /**
   * `database` is asked for the connection at each use (as the store service hands it out), so the
   * repository can be built before the store has opened.
   */
  constructor(private readonly database: () => DatabaseSync, private readonly clock: Clock = systemClock) {}

  get db(): DatabaseSync {
    return this.database();
  }

  /** Every line, ordered as an administrator reads numbers (99 before 100). */
  list(): Line[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM line`).all() as unknown as LineRow[];
    return rows.map(lineFromRow).sort((a, b) => compareLineNumbers(a.number, b.number));
  }

  get(number: string): Line | undefined {
    const row = this.#getStatement().get(number) as LineRow | undefined;
    return row ? lineFromRow(row) : undefined;
  }

  /**
   * Whether a line has this number, from memory: call tracking, the integrations and the line API ask it
   * for the parties of every call (480 times a second in the integrations bench, 9 ms a second of reads
   * of the store on the event loop of the CSTA fan-out).
   *
   * @example
   * ```ts
   * repository.create({ number: "101" });
   * repository.has("101"); // true, and every later write is seen at once
   * ```
   */
  has(number: string): boolean {
    const db = this.db;
    if (db.isTransaction) return this.#getStatement().get(number) !== undefined;
    let numbers = lineNumbers.get(db);
    if (!numbers) {
      const rows = db.prepare("SELECT number FROM line").all() as unknown as { number: string }[];
      numbers = new Set(rows.map((row) => row.number));
      lineNumbers.set(db, numbers);
    }
    return numbers.has(number);
  }

  /**
   * The one-line SELECT, prepared once per connection: call tracking asks whether a number is a line for
   * the parties of every call (preparing it each time was most of that cost, issue 24).
   */
  #getStatement(): StatementSync {
    const db = this.db;
    if (this.#get?.db !== db) {
      this.#get = { db, statement: db.prepare(`SELECT ${COLUMNS} FROM line WHERE number = ?`) };
    }
    return this.#get.statement;
  }

  count(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM line").get() as { n: number }).n;
  }

  /**
   * One page of the lines matching `filter` in the order asked, and how many match in all: the store
   * filters, sorts and cuts, so a page of 10,000 lines reads only its own rows.
   */
  search(
    filter: LineFilter,
    order: { sort: LineSort; dir: "asc" | "desc" },
    window: { offset: number; limit: number },
  ): { lines: Line[]; total: number } {
    const { where, params } = lineWhere(filter);
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    const total = Number(
      (this.db.prepare(`SELECT COUNT(*) AS n FROM line ${clause}`).get(...params) as { n: number }).n,
    );
    const orderBy = ORDER_BY[order.sort].replaceAll("DIR", order.dir === "asc" ? "ASC" : "DESC");
    const rows = this.db.prepare(
      `SELECT ${COLUMNS} FROM line ${clause} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    ).all(...params, window.limit, window.offset) as unknown as LineRow[];
    return { lines: rows.map(lineFromRow), total };
  }

  /** Adds a new line; a line with the same number is a `duplicate` error. */
  create(input: LineInput): Line {
    const line = lineFromInput(input);
    if (this.get(line.number)) {
      throw new LineStoreError("duplicate", line.number, `line ${line.number} exists already`);
    }
    this.#write(line);
    return line;
  }

  /** Changes some fields of an existing line; an unknown number is a `not-found` error. */
  update(number: string, patch: LinePatch): Line {
    const current = this.get(number);
    if (!current) throw new LineStoreError("not-found", number, `line ${number} does not exist`);
    const line = lineFromInput({ ...current, ...patch, number: current.number });
    this.#write(line);
    return line;
  }

  /** Writes a line whether or not it exists (used by import and sync, which decided beforehand). */
  put(input: LineInput): Line {
    const line = lineFromInput(input);
    this.#write(line);
    return line;
  }

  /** Deletes a line; returns whether it existed. */
  remove(number: string): boolean {
    lineNumbers.delete(this.db);
    return Number(this.db.prepare("DELETE FROM line WHERE number = ?").run(number).changes) > 0;
  }

  /** Deletes every line (used by a replacing import inside its transaction). */
  removeAll(): void {
    lineNumbers.delete(this.db);
    this.db.exec("DELETE FROM line");
  }

  /**
   * Runs `fn` in one transaction: its writes commit together or, when it throws, not at all. Nested calls
   * join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return fn();
    this.#depth++;
    try {
      return inTransaction(this.db, fn);
    } finally {
      this.#depth--;
    }
  }

  #write(line: Line): void {
    lineNumbers.delete(this.db);
    this.db.prepare(
      `INSERT INTO line (${COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (number) DO UPDATE SET name = excluded.name, kind = excluded.kind,
         device_number = excluded.device_number, enabled = excluded.enabled,
         missing_from_pbx = excluded.missing_from_pbx, updated_at = excluded.updated_at`,
    ).run(
      line.number,
      line.name,
      line.kind,
      line.deviceNumber,
      line.enabled ? 1 : 0,
      line.missingFromPbx ? 1 : 0,
      new Date(this.clock.now()).toISOString(),
    );
  }
}
