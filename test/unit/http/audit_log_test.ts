// The audit log: each settings save, user and token change and disconnect is kept with who, how, from where,
// the old and the new value (secrets masked); GET /api/audit filters by user, text and time and downloads.

import assert from "node:assert/strict";
import { AuditLog } from "../../../src/audit/audit_log.ts";
import { ManualClock } from "../../../src/clock.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { join } from "node:path";
import { type Browser, signedIn } from "./web_fixture.ts";

function api(b: Browser, method: string, path: string, json?: unknown) {
  return b.request(path, {
    method,
    body: json === undefined ? undefined : JSON.stringify(json),
    headers: { "content-type": "application/json", "x-csrf-token": b.csrf, "sec-fetch-site": "same-origin" },
  });
}

Deno.test("settings saves, user changes and disconnects are audited with who, how, where, old and new, secrets masked", async () => {
  const { f, b } = await signedIn();
  try {
    const before = f.settings.current().smdr.maxCollectors;
    assert.equal((await api(b, "PUT", "/api/settings/smdr", { maxCollectors: before + 2 })).status, 200);
    assert.equal((await api(b, "PUT", "/api/settings/mqtt", { password: "broker-secret-77" })).status, 200);
    await b.page("/system");
    const oldLevel = f.settings.current().log.level;
    const level = oldLevel === "debug" ? "info" : "debug";
    const form = await b.post("/system/log", { level, format: f.settings.current().log.format });
    assert.equal(form.status, 303);
    const added = await api(b, "POST", "/api/users", {
      name: "eve",
      password: "first operator password",
      role: "operator",
    });
    assert.equal(added.status, 201);
    assert.equal((await api(b, "PUT", "/api/users/eve", { role: "administrator" })).status, 200);
    f.multiplexer.addApplication(7, "192.0.2.9:40001");
    assert.equal((await api(b, "POST", "/api/multiplexer/applications/7/disconnect")).status, 204);

    const res = await b.request("/api/audit");
    const text = await res.clone().text();
    assert.doesNotMatch(text, /broker-secret-77|first operator password/);
    const { entries } = await res.json();
    const summary = entries.map((e: Record<string, unknown>) => [e.action, e.object, e.old, e.new]);
    assert.deepEqual(summary, [
      ["application disconnected", "application 7", undefined, undefined],
      ["user role changed", "user eve", { role: "operator" }, { role: "administrator" }],
      ["user added", "user eve", undefined, { role: "operator" }],
      ["setting changed", "log.level", oldLevel, level],
      ["setting changed", "mqtt.password", "", "(masked)"],
      ["setting changed", "smdr.maxCollectors", before, before + 2],
      ["own password changed", "user admin", undefined, undefined],
    ]);
    for (const e of entries) {
      assert.equal(e.user, "admin");
      assert.equal(e.via, "session");
      assert.equal(e.address, "127.0.0.1");
      assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
    }
    assert.match((await b.page("/system")).html, /smdr\.maxCollectors/);
  } finally {
    await f.close();
  }
});

Deno.test("GET /api/audit filters by user, text and time, names the token used, and downloads JSON Lines", async () => {
  const { f, b } = await signedIn();
  try {
    const { token } = await (await api(b, "POST", "/api/system/tokens", { name: "deploy" })).json();
    f.clock.advance(60_000);
    const middle = new Date(f.clock.now()).toISOString();
    const earlier = new Date(f.clock.now() - 30_000).toISOString();
    const put = await f.app.request("/api/settings/smdr", {
      method: "PUT",
      body: JSON.stringify({ maxCollectors: 7 }),
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    }, { remoteAddress: "127.0.0.1", secure: false });
    assert.equal(put.status, 200);

    const get = async (query: string) => (await (await b.request(`/api/audit?${query}`)).json()).entries;
    assert.deepEqual((await get("text=MAXCOLL")).map((e: { via: string }) => e.via), ['token "deploy"']);
    assert.equal((await get(`from=${middle}`)).length, 1);
    assert.deepEqual((await get(`to=${earlier}`)).map((e: { action: string }) => e.action), [
      "API token created",
      "own password changed",
    ]);
    assert.equal((await get("user=nobody")).length, 0);
    assert.equal((await get("user=admin")).length, 3);
    assert.equal((await b.request("/api/audit?from=yesterday")).status, 400);

    const download = await b.request("/api/audit?download=1");
    assert.match(download.headers.get("content-disposition") ?? "", /cstabox-audit\.jsonl/);
    const lines = (await download.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.object), ["smdr.maxCollectors", 'API token "deploy"', "user admin"]);
  } finally {
    await f.close();
  }
});

Deno.test("service restarts and restores are audited; the restore's entry names what was restored", async () => {
  const { f, b } = await signedIn();
  try {
    assert.equal((await api(b, "POST", "/api/system/services/store/restart")).status, 200);
    const restored = {
      settings: true,
      database: true,
      createdAt: "2026-02-01T10:00:00.000Z",
      version: "1.2.3",
    };
    f.system.restoreOutcome = { ok: true, restored };
    const res = await b.request("/api/system/restore", {
      method: "POST",
      body: new Uint8Array([0x1f, 0x8b, 1]),
      headers: {
        "x-csrf-token": b.csrf,
        "sec-fetch-site": "same-origin",
        "content-type": "application/gzip",
      },
    });
    assert.equal(res.status, 200);
    const { entries } = await (await b.request("/api/audit")).json();
    assert.deepEqual(entries.map((e: Record<string, unknown>) => [e.action, e.object, e.new]), [
      ["backup restored", "settings and database", restored],
      ["service restarted", "service store", undefined],
      ["own password changed", "user admin", undefined],
    ]);
  } finally {
    await f.close();
  }
});

Deno.test("the audit log keeps a fixed number of entries, dropping the oldest", async () => {
  const db = openDatabase(join(await Deno.makeTempDir(), "audit.db"));
  try {
    const audit = new AuditLog(() => db, new ManualClock(0), 3);
    for (let i = 1; i <= 5; i++) {
      audit.record({ user: "admin", via: "session", address: "::1" }, { action: "x", object: `n${i}` });
    }
    assert.deepEqual(audit.query().map((e) => e.object), ["n5", "n4", "n3"]);
  } finally {
    db.close();
  }
});
