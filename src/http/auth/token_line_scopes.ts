// The line scopes of API tokens, beside the tokens themselves: a token with a scope may use the line API
// only, on the lines of its scope, reading or controlling; a token without one acts as its user.

import type { DatabaseSync } from "node:sqlite";
import type { LineAccess, LineScope } from "../../line_api/line_scope.ts";

export class TokenLineScopes {
  constructor(private readonly database: () => DatabaseSync) {}

  /** The scope of a token, or undefined when it has none. */
  get(tokenId: string): LineScope | undefined {
    const row = this.database().prepare("SELECT lines, access FROM api_token_line_scope WHERE token_id = ?")
      .get(tokenId) as { lines: string; access: LineAccess } | undefined;
    return row ? { lines: row.lines, access: row.access } : undefined;
  }

  /** Sets (or with `undefined` removes) a token's scope. Check it with `lineScopeProblem` first. */
  set(tokenId: string, scope: LineScope | undefined): void {
    const db = this.database();
    db.prepare("DELETE FROM api_token_line_scope WHERE token_id = ?").run(tokenId);
    if (scope) {
      db.prepare("INSERT INTO api_token_line_scope (token_id, lines, access) VALUES (?, ?, ?)")
        .run(tokenId, scope.lines.trim(), scope.access);
    }
  }

  /** Every scoped token's scope, for the token list. */
  all(): Map<string, LineScope> {
    const rows = this.database().prepare("SELECT token_id, lines, access FROM api_token_line_scope")
      .all() as {
        token_id: string;
        lines: string;
        access: LineAccess;
      }[];
    return new Map(rows.map((r) => [r.token_id, { lines: r.lines, access: r.access }]));
  }
}
