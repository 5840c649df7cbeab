// The number_rule table: each list stored whole, in order, so that saving a list replaces it atomically.

import type { DatabaseSync } from "node:sqlite";
import type { NumberRule, NumberRuleList } from "./number_rule.ts";
import { inTransaction } from "../store/transaction.ts";

interface NumberRuleRow {
  pattern: string;
  is_regex: number;
  replacement: string;
}

/** Reads and replaces the stored rule lists; it stores what it is given, compiling is the caller's job. */
export class NumberRuleRepository {
  /** `database` is asked for the connection at each use, so the repository can exist before the store opens. */
  constructor(private readonly database: () => DatabaseSync) {}

  get db(): DatabaseSync {
    return this.database();
  }

  /** The rules of one list, in order. */
  load(list: NumberRuleList): NumberRule[] {
    const rows = this.db.prepare(
      "SELECT pattern, is_regex, replacement FROM number_rule WHERE list = ? ORDER BY position",
    ).all(list) as unknown as NumberRuleRow[];
    return rows.map((row) => ({
      pattern: row.pattern,
      regex: row.is_regex === 1,
      replacement: row.replacement,
    }));
  }

  /** Replaces one list in a single transaction. */
  replace(list: NumberRuleList, rules: readonly NumberRule[]): void {
    inTransaction(this.db, () => {
      this.db.prepare("DELETE FROM number_rule WHERE list = ?").run(list);
      const insert = this.db.prepare(
        "INSERT INTO number_rule (list, position, pattern, is_regex, replacement) VALUES (?, ?, ?, ?, ?)",
      );
      rules.forEach((rule, position) =>
        insert.run(list, position, rule.pattern, rule.regex ? 1 : 0, rule.replacement)
      );
    });
  }
}
