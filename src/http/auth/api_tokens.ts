// API tokens for scripts, created on the System page: `Authorization: Bearer <token>`. The token is
// shown once when it is made; the store keeps its SHA-256 only.

import { type Clock, systemClock } from "../../clock.ts";
import type { DatabaseSync } from "node:sqlite";
import { randomToken, sha256Hex } from "./secret_token.ts";

/** A token as lists show it: never the secret. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  user: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** A token name was refused. */
export class ApiTokenError extends Error {
  override readonly name = "ApiTokenError";
  constructor(readonly field: "name", message: string) {
    super(message);
  }
}

export const API_TOKEN_PREFIX = "cbx_";
/** Longest token name: a label for the System page, bounded like every other administrator input. */
const NAME_MAX = 64;

interface Row {
  id: string;
  name: string;
  user_name: string;
  created_at: string;
  last_used_at: string | null;
}

export class ApiTokens {
  constructor(private readonly database: () => DatabaseSync, private readonly clock: Clock = systemClock) {}

  /** Makes a token acting as `user`; the secret is returned here and never again. */
  async create(name: string, user: string): Promise<{ token: string; info: ApiTokenInfo }> {
    const clean = name.trim();
    if (!clean) throw new ApiTokenError("name", "a token needs a name that says what uses it");
    if (clean.length > NAME_MAX) throw new ApiTokenError("name", `at most ${NAME_MAX} characters`);
    if (this.list().some((t) => t.name === clean)) {
      throw new ApiTokenError("name", `a token named "${clean}" exists already`);
    }
    const token = API_TOKEN_PREFIX + randomToken();
    const info: ApiTokenInfo = {
      id: randomToken(9),
      name: clean,
      user,
      createdAt: new Date(this.clock.now()).toISOString(),
      lastUsedAt: null,
    };
    this.database().prepare(
      "INSERT INTO api_token (id, name, user_name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    ).run(info.id, info.name, user, await sha256Hex(token), info.createdAt);
    return { token, info };
  }

  /** The user a presented token acts as, or undefined; records when it was last used. */
  async verify(token: string): Promise<string | undefined> {
    return (await this.identify(token))?.user;
  }

  /** The presented token (id, name) and the user it acts as, or undefined; records when it was used. */
  async identify(token: string): Promise<{ id: string; name: string; user: string } | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined;
    const hash = await sha256Hex(token);
    const row = this.database().prepare("SELECT id, name, user_name FROM api_token WHERE token_hash = ?").get(
      hash,
    ) as
      | { id: string; name: string; user_name: string }
      | undefined;
    if (!row) return undefined;
    this.database().prepare("UPDATE api_token SET last_used_at = ? WHERE id = ?").run(
      new Date(this.clock.now()).toISOString(),
      row.id,
    );
    return { id: row.id, name: row.name, user: row.user_name };
  }

  list(): ApiTokenInfo[] {
    const rows = this.database().prepare(
      "SELECT id, name, user_name, created_at, last_used_at FROM api_token ORDER BY created_at, name",
    ).all() as unknown as Row[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      user: r.user_name,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  revoke(id: string): boolean {
    return Number(this.database().prepare("DELETE FROM api_token WHERE id = ?").run(id).changes) > 0;
  }
}
