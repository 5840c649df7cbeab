// The Super-Twin partner of a line, as its configuration names it: the DECT portable paired with the wired
// extension (Panasonic "Wireless XDP Parallel Mode" / KX-NS "paired extensions"), offered as the line's
// address 1, `Mobile`. How the pairing shows over CSTA is not documented [?]: see docs/line-api.md.

import type { DatabaseSync } from "node:sqlite";
import { checkLineNumber } from "../lines/line.ts";

export class LinePartners {
  constructor(private readonly database: () => DatabaseSync) {}

  /** The partner of a line, if one is configured. */
  get(number: string): string | undefined {
    const row = this.database().prepare("SELECT partner FROM line_partner WHERE number = ?").get(number) as
      | { partner: string }
      | undefined;
    return row?.partner;
  }

  /** Every configured pairing, line -> partner. */
  all(): Map<string, string> {
    const rows = this.database().prepare("SELECT number, partner FROM line_partner").all() as {
      number: string;
      partner: string;
    }[];
    return new Map(rows.map((r) => [r.number, r.partner]));
  }

  /**
   * Names (or with `null` removes) a line's partner. Throws LineValueError for a malformed number and
   * Error when the line does not exist or names itself.
   */
  set(number: string, partner: string | null): void {
    const db = this.database();
    if (partner === null) {
      db.prepare("DELETE FROM line_partner WHERE number = ?").run(number);
      return;
    }
    const checked = checkLineNumber(partner);
    if (checked === number) throw new Error(`line ${number} cannot be its own Super-Twin partner`);
    if (!db.prepare("SELECT 1 FROM line WHERE number = ?").get(number)) {
      throw new Error(`line ${number} does not exist`);
    }
    db.prepare(
      "INSERT INTO line_partner (number, partner) VALUES (?, ?) ON CONFLICT(number) DO UPDATE SET partner = excluded.partner",
    )
      .run(number, checked);
  }
}
