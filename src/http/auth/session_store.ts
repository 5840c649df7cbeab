// Web UI sessions in the store, shared by the HTTP and HTTPS ports and kept across restarts: the cookie
// carries a random token, the store its SHA-256; a session ends after the configured idle time. On a full
// disk a new session is kept in memory instead (until a restart), so the administrator can still log in
// and see why (the login answered 500 when the disk was full, issue 18).

import { type Clock, systemClock } from "../../clock.ts";
import type { DatabaseSync } from "node:sqlite";
import { isDiskFull } from "../../log/error_text.ts";
import type { StoreHealth } from "../../store/store_service.ts";
import { randomToken, sha256Hex } from "./secret_token.ts";

/** One logged-in browser. `id` is the token's hash, never the token itself. */
export interface WebSession {
  id: string;
  user: string;
  /** Sent with every state-changing request (form field `_csrf` or header `X-CSRF-Token`). */
  csrfToken: string;
  createdAt: string;
  lastSeenMs: number;
  remote: string;
}

export interface SessionStoreOptions {
  /** Minutes of inactivity after which a session ends (settings `web.sessionIdleMinutes`). */
  idleMinutes: () => number;
  /** Session ages and timestamps (the system clock when absent). */
  clock?: Clock;
  /** Activity is written at most this often per session, so page loads do not each cost a commit. */
  touchEveryMs?: number;
  /** Told of writes the store refused (a full disk is then reported by the store). */
  store?: StoreHealth;
}

interface Row {
  id_hash: string;
  user_name: string;
  csrf_token: string;
  created_at: string;
  last_seen_ms: number;
  remote: string;
}

export class SessionStore {
  readonly #clock: Clock;
  readonly #touchEveryMs: number;
  /** Sessions the store could not save (disk full), by id, with their one-shot message. */
  #unsaved = new Map<string, { session: WebSession; flash?: string }>();
  /** Sessions ended whose rows the store could not delete (disk full). */
  #ended = new Set<string>();

  /** `database` is read at each call, so sessions outlive a store restart. */
  constructor(private readonly database: () => DatabaseSync, private readonly options: SessionStoreOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#touchEveryMs = options.touchEveryMs ?? 15_000;
  }

  /** Starts a session for `user`; the returned token goes into the cookie and nowhere else. */
  async create(user: string, remote: string): Promise<{ token: string; session: WebSession }> {
    this.#tolerateDiskFull(() => this.prune());
    const token = randomToken();
    const session: WebSession = {
      id: await sha256Hex(token),
      user,
      csrfToken: randomToken(),
      createdAt: new Date(this.#clock.now()).toISOString(),
      lastSeenMs: this.#clock.now(),
      remote,
    };
    const saved = this.#tolerateDiskFull(() =>
      this.database().prepare(
        `INSERT INTO web_session (id_hash, user_name, csrf_token, created_at, last_seen_ms, remote)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(session.id, user, session.csrfToken, session.createdAt, session.lastSeenMs, remote)
    );
    if (!saved) this.#unsaved.set(session.id, { session });
    return { token, session };
  }

  /** The live session for a cookie token, or undefined (unknown, or idle too long: then it is removed). */
  async find(token: string): Promise<WebSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const id = await sha256Hex(token);
    const row = this.database().prepare("SELECT * FROM web_session WHERE id_hash = ?").get(id) as
      | Row
      | undefined;
    const session = row ? fromRow(row) : this.#unsaved.get(id)?.session;
    if (!session || this.#ended.has(id)) return undefined;
    if (this.#expired(session.lastSeenMs)) {
      this.remove(id);
      return undefined;
    }
    return session;
  }

  /** Records activity (a request that was not a live feed); written at most every `touchEveryMs`. */
  touch(session: WebSession): void {
    const now = this.#clock.now();
    if (now - session.lastSeenMs < this.#touchEveryMs) return;
    session.lastSeenMs = now;
    const unsaved = this.#unsaved.get(session.id);
    if (unsaved) unsaved.session.lastSeenMs = now;
    // Activity not written on a full disk costs at most an earlier end of the session.
    else {
      this.#tolerateDiskFull(() =>
        this.database().prepare("UPDATE web_session SET last_seen_ms = ? WHERE id_hash = ?").run(
          now,
          session.id,
        )
      );
    }
  }

  remove(id: string): void {
    if (this.#unsaved.delete(id)) return;
    const deleted = this.#tolerateDiskFull(() =>
      this.database().prepare("DELETE FROM web_session WHERE id_hash = ?").run(id)
    );
    // A logout must end the session even when the disk is too full to delete its row.
    if (!deleted) this.#ended.add(id);
  }

  /** Ends every session of `user` except `keep` (after a password change). Returns how many ended. */
  removeForUser(user: string, keep?: string): number {
    let removed = 0;
    for (const [id, { session }] of this.#unsaved) {
      if (session.user === user && id !== keep) removed += Number(this.#unsaved.delete(id));
    }
    return removed + Number(
      this.database().prepare("DELETE FROM web_session WHERE user_name = ? AND id_hash != ?").run(
        user,
        keep ?? "",
      ).changes,
    );
  }

  /** A one-shot message shown on the next page of this session ("Saved."), then forgotten. */
  setFlash(id: string, message: string): void {
    const unsaved = this.#unsaved.get(id);
    if (unsaved) unsaved.flash = message;
    else this.database().prepare("UPDATE web_session SET flash = ? WHERE id_hash = ?").run(message, id);
  }

  takeFlash(id: string): string | undefined {
    const unsaved = this.#unsaved.get(id);
    if (unsaved) {
      const flash = unsaved.flash;
      unsaved.flash = undefined;
      return flash;
    }
    const row = this.database().prepare("SELECT flash FROM web_session WHERE id_hash = ?").get(id) as
      | { flash: string | null }
      | undefined;
    if (!row?.flash) return undefined;
    this.database().prepare("UPDATE web_session SET flash = NULL WHERE id_hash = ?").run(id);
    return row.flash;
  }

  /** Sessions not yet idle too long. */
  count(): number {
    const cutoff = this.#clock.now() - this.options.idleMinutes() * 60_000;
    const row = this.database().prepare("SELECT COUNT(*) AS n FROM web_session WHERE last_seen_ms > ?")
      .get(cutoff) as { n: number };
    return row.n + [...this.#unsaved.values()].filter((u) => u.session.lastSeenMs > cutoff).length;
  }

  /** Deletes sessions that have been idle too long. */
  prune(): void {
    const cutoff = this.#clock.now() - this.options.idleMinutes() * 60_000;
    this.database().prepare("DELETE FROM web_session WHERE last_seen_ms <= ?").run(cutoff);
  }

  /** Runs a write; false instead of an error when the disk is full (the store is told). */
  #tolerateDiskFull(write: () => unknown): boolean {
    try {
      write();
      return true;
    } catch (error) {
      if (this.options.store?.noteWriteError(error) ?? isDiskFull(error)) return false;
      throw error;
    }
  }

  #expired(lastSeenMs: number): boolean {
    return this.#clock.now() - lastSeenMs >= this.options.idleMinutes() * 60_000;
  }
}

function fromRow(row: Row): WebSession {
  return {
    id: row.id_hash,
    user: row.user_name,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenMs: row.last_seen_ms,
    remote: row.remote,
  };
}
