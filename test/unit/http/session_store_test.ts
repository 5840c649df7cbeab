import assert from "node:assert/strict";
import { join } from "node:path";
import { WebUsers } from "../../../src/accounts/web_users.ts";
import { ManualClock } from "../../../src/clock.ts";
import { ApiTokenError, ApiTokens } from "../../../src/http/auth/api_tokens.ts";
import { SessionStore } from "../../../src/http/auth/session_store.ts";
import { openDatabase } from "../../../src/store/database.ts";

async function store() {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(join(dir, "t.db"));
  await new WebUsers(() => db, 1000).ensureAdmin("pw");
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sessions = new SessionStore(() => db, {
    idleMinutes: () => 30,
    clock,
    touchEveryMs: 10_000,
  });
  return { db, clock, sessions, close: () => db.close() };
}

Deno.test("a session is found by its cookie token only; the store holds the token's hash, not the token", async () => {
  const s = await store();
  const { token, session } = await s.sessions.create("admin", "127.0.0.1");
  assert.equal((await s.sessions.find(token))?.user, "admin");
  assert.equal(await s.sessions.find(token.slice(0, -1) + (token.endsWith("A") ? "B" : "A")), undefined);
  assert.equal(await s.sessions.find(""), undefined);
  const row = s.db.prepare("SELECT id_hash FROM web_session").get() as { id_hash: string };
  assert.equal(row.id_hash, session.id);
  assert.notEqual(row.id_hash, token);
  assert.match(row.id_hash, /^[0-9a-f]{64}$/);
  assert.notEqual(session.csrfToken, token);
  s.close();
});

Deno.test("a session idle for the configured minutes is gone; activity (written at most every 10 s) keeps it", async () => {
  const s = await store();
  const { token } = await s.sessions.create("admin", "127.0.0.1");
  s.clock.advance(29 * 60_000);
  const found = (await s.sessions.find(token))!;
  s.sessions.touch(found);
  s.clock.advance(29 * 60_000);
  assert.ok(await s.sessions.find(token), "the touch moved the idle time on");
  s.clock.advance(60_000 + 1);
  assert.equal(await s.sessions.find(token), undefined);
  assert.equal(s.sessions.count(), 0, "the expired session was removed");

  const next = await s.sessions.create("admin", "127.0.0.1");
  const session = (await s.sessions.find(next.token))!;
  s.clock.advance(5_000);
  s.sessions.touch(session);
  const stored = s.db.prepare("SELECT last_seen_ms FROM web_session").get() as { last_seen_ms: number };
  assert.equal(stored.last_seen_ms, s.clock.now() - 5_000, "a touch within 10 s is not written");
  s.close();
});

Deno.test("removing a user's sessions keeps the one asked for; a flash message is shown once", async () => {
  const s = await store();
  const a = await s.sessions.create("admin", "127.0.0.1");
  const b = await s.sessions.create("admin", "127.0.0.2");
  assert.equal(s.sessions.removeForUser("admin", a.session.id), 1);
  assert.ok(await s.sessions.find(a.token));
  assert.equal(await s.sessions.find(b.token), undefined);
  s.sessions.setFlash(a.session.id, "Saved.");
  assert.equal(s.sessions.takeFlash(a.session.id), "Saved.");
  assert.equal(s.sessions.takeFlash(a.session.id), undefined);
  s.close();
});

Deno.test("API tokens: the secret is returned once and verified by its hash; names are checked; revoked tokens fail", async () => {
  const s = await store();
  const tokens = new ApiTokens(() => s.db, s.clock);
  const { token, info } = await tokens.create("  nightly export ", "admin");
  assert.match(token, /^cbx_[A-Za-z0-9_-]{43}$/);
  assert.equal(info.name, "nightly export");
  assert.equal(await tokens.verify(token), "admin");
  assert.equal(tokens.list()[0].lastUsedAt, new Date(s.clock.now()).toISOString());
  assert.equal(await tokens.verify(token + "x"), undefined);
  assert.equal(await tokens.verify("not a token"), undefined);
  await assert.rejects(() => tokens.create("nightly export", "admin"), ApiTokenError);
  await assert.rejects(() => tokens.create("  ", "admin"), /needs a name/);
  const dump = JSON.stringify(s.db.prepare("SELECT * FROM api_token").all());
  assert.ok(!dump.includes(token.slice(4)), "the secret is not in the store");
  assert.ok(tokens.revoke(info.id));
  assert.equal(await tokens.verify(token), undefined);
  assert.equal(tokens.revoke(info.id), false);
  s.close();
});
