// A name directory in the store: contacts (caller number -> contact name) or DDI names (DDI -> name).
// Imports apply whole or not at all; lookups are what the record formatter asks for each event.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  checkNameEntry,
  formatNameCsv,
  type NameEntry,
  type NameRowProblem,
  normaliseDirectoryNumber,
  parseNameCsv,
} from "./name_csv.ts";
import { inTransaction } from "../store/transaction.ts";

/** Which directory: the table behind it and the header its CSV export carries. */
export type DirectoryKind = "contacts" | "ddiNames";

const tables: Record<DirectoryKind, { table: string; header: string }> = {
  contacts: { table: "smdr_contact", header: "number" },
  ddiNames: { table: "smdr_ddi_name", header: "ddi" },
};

/** `replace` makes the directory hold exactly the import; `merge` adds and renames, keeping the rest. */
export type NameImportMode = "replace" | "merge";

export type NameImportResult =
  | { ok: true; added: number; changed: number; unchanged: number; removed: number; total: number }
  | { ok: false; rows: NameRowProblem[] };

export class NameDirectory {
  #statements?: {
    db: DatabaseSync;
    lookup: StatementSync;
    list: StatementSync;
    put: StatementSync;
    remove: StatementSync;
    count: StatementSync;
  };

  constructor(readonly kind: DirectoryKind, private readonly db: () => DatabaseSync) {}

  /** The name for a number as it arrives in an event, or undefined when the directory has none. */
  nameFor(number: string | undefined): string | undefined {
    if (!number) return undefined;
    const row = this.#sql().lookup.get(normaliseDirectoryNumber(number)) as { name: string } | undefined;
    return row?.name;
  }

  /** Every entry, ordered by number. */
  list(): NameEntry[] {
    const rows = this.#sql().list.all() as unknown as NameEntry[];
    return rows.map((row) => ({ number: row.number, name: row.name }));
  }

  size(): number {
    return (this.#sql().count.get() as { n: number }).n;
  }

  /** The directory as CSV with a header row, readable by `importCsv`. */
  exportCsv(): string {
    return formatNameCsv(this.list(), tables[this.kind].header);
  }

  /** Imports CSV text; one bad row means nothing is applied and every bad row is reported. */
  importCsv(text: string, mode: NameImportMode = "replace"): NameImportResult {
    const { entries, problems } = parseNameCsv(text);
    if (problems.length > 0) return { ok: false, rows: problems };
    return this.#apply(entries, mode);
  }

  /** Imports entries given as values (a JSON body); checked and applied like a CSV import. */
  importEntries(input: readonly { number: string; name: string }[], mode: NameImportMode = "replace") {
    const entries: NameEntry[] = [];
    const problems: NameRowProblem[] = [];
    const firstRowOf = new Map<string, number>();
    input.forEach((item, index) => {
      const row = index + 1;
      const checked = checkNameEntry(item.number, item.name);
      const text = `${item.number},${item.name}`;
      if (typeof checked === "string") return void problems.push({ row, text, reason: checked });
      const earlier = firstRowOf.get(checked.number);
      if (earlier !== undefined) {
        return void problems.push({
          row,
          text,
          reason: `number ${checked.number} is already on row ${earlier}`,
        });
      }
      firstRowOf.set(checked.number, row);
      entries.push(checked);
    });
    if (problems.length > 0) return { ok: false as const, rows: problems };
    return this.#apply(entries, mode);
  }

  #apply(entries: readonly NameEntry[], mode: NameImportMode): NameImportResult {
    const sql = this.#sql();
    const current = new Map(this.list().map((entry) => [entry.number, entry.name]));
    let added = 0, changed = 0, unchanged = 0, removed = 0;
    inTransaction(sql.db, () => {
      for (const entry of entries) {
        const existing = current.get(entry.number);
        if (existing === entry.name) {
          unchanged++;
          continue;
        }
        sql.put.run(entry.number, entry.name);
        if (existing === undefined) added++;
        else changed++;
      }
      if (mode === "replace") {
        const kept = new Set(entries.map((entry) => entry.number));
        for (const number of current.keys()) {
          if (kept.has(number)) continue;
          sql.remove.run(number);
          removed++;
        }
      }
    });
    return { ok: true, added, changed, unchanged, removed, total: this.size() };
  }

  /** Prepared statements for the current database (the store may have been reopened). */
  #sql() {
    const db = this.db();
    if (this.#statements?.db !== db) {
      const { table } = tables[this.kind];
      this.#statements = {
        db,
        lookup: db.prepare(`SELECT name FROM ${table} WHERE number = ?`),
        list: db.prepare(`SELECT number, name FROM ${table} ORDER BY number`),
        put: db.prepare(
          `INSERT INTO ${table} (number, name) VALUES (?, ?) ON CONFLICT (number) DO UPDATE SET name = excluded.name`,
        ),
        remove: db.prepare(`DELETE FROM ${table} WHERE number = ?`),
        count: db.prepare(`SELECT COUNT(*) AS n FROM ${table}`),
      };
    }
    return this.#statements;
  }
}
