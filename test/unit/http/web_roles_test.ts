// Roles of web users: an operator sees everything and may disconnect applications, but is refused every
// settings or user change (403 naming the role), on the pages, the API and with an API token alike; the
// last administrator stays one; users made before roles are administrators.

import assert from "node:assert/strict";
import { join } from "node:path";
import { openDatabase } from "../../../src/store/database.ts";
import { migrations } from "../../../src/store/migrations.ts";
import { Browser, type WebFixture } from "./web_fixture.ts";
import { signedIn } from "./web_fixture.ts";
import { FrameTrace } from "../../../src/trace/frame_trace.ts";
import { ManualClock } from "../../../src/clock.ts";
import { startStore } from "../tls/store_fixture.ts";

const OPERATOR_FIRST = "first operator password";
const OPERATOR_PASSWORD = "operator password 2026";

function api(b: Browser, method: string, path: string, json?: unknown, headers: HeadersInit = {}) {
  return b.request(path, {
    method,
    body: json === undefined ? undefined : JSON.stringify(json),
    headers: {
      "content-type": "application/json",
      "x-csrf-token": b.csrf,
      "sec-fetch-site": "same-origin",
      ...headers,
    },
  });
}

/** The administrator adds `eve` as an operator on the System page; eve logs in and sets her password. */
async function withOperator(f: WebFixture, admin: Browser): Promise<Browser> {
  await admin.page("/system");
  const added = await admin.post("/system/users", {
    name: "eve",
    password: OPERATOR_FIRST,
    role: "operator",
  });
  assert.equal(added.status, 303, await added.clone().text());
  assert.equal(f.users.role("eve"), "operator");
  const eve = new Browser(f.app);
  const login = await eve.post("/login", { user: "eve", password: OPERATOR_FIRST, next: "/" }, {
    csrf: false,
  });
  assert.equal(login.headers.get("location"), "/password");
  await eve.page("/password");
  const changed = await eve.post("/password", {
    current: OPERATOR_FIRST,
    password: OPERATOR_PASSWORD,
    repeat: OPERATOR_PASSWORD,
  });
  assert.equal(changed.status, 303, await changed.clone().text());
  await eve.page("/");
  return eve;
}

Deno.test("an operator sees the pages but is refused a settings change on the page form and the API, with 403 naming the role", async () => {
  const { f, b } = await signedIn();
  try {
    const eve = await withOperator(f, b);
    const before = f.settings.current().smdr.maxCollectors;
    for (const path of ["/", "/smdr", "/system", "/applications", "/csta-server"]) {
      assert.equal((await eve.page(path)).res.status, 200, path);
    }
    const form = await eve.post("/smdr/settings", { maxCollectors: String(before + 1) });
    assert.equal(form.status, 403);
    const refusal = await form.text();
    assert.match(refusal, /user eve has the operator role/);
    assert.match(refusal, /id="refused"[\s\S]*Nothing was changed/, "a page in the frame, not a bare text");
    assert.match(refusal, /<nav\b/, "with the menu");

    const res = await api(eve, "PUT", "/api/settings/smdr", { maxCollectors: before + 1 });
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.error.code, "role_forbidden");
    assert.match(body.error.message, /operator role.*PUT \/api\/settings\/smdr/);
    assert.equal(f.settings.current().smdr.maxCollectors, before, "nothing was saved");
    assert.equal((await api(eve, "GET", "/api/settings/smdr")).status, 200, "reading is allowed");

    for (
      const [method, path, json] of [
        ["POST", "/api/users", {
          name: "mallory",
          password: "a long enough password",
          role: "administrator",
        }],
        ["PUT", "/api/users/eve", { role: "administrator" }],
        ["DELETE", "/api/users/admin", undefined],
        ["PUT", "/api/csta-users/bob", { password: "secret password" }],
        ["GET", "/api/system/backup", undefined],
      ] as const
    ) {
      const refused = await api(eve, method, path, json);
      assert.equal(refused.status, 403, `${method} ${path}`);
      assert.equal((await refused.json()).error.code, "role_forbidden");
    }
    assert.equal(f.users.role("eve"), "operator");
    assert.equal((await eve.post("/system/users/admin/remove", {})).status, 403);
    assert.equal(f.users.role("admin"), "administrator");
  } finally {
    await f.close();
  }
});

Deno.test("an operator may disconnect an application, on the page and through the API", async () => {
  const { f, b } = await signedIn();
  try {
    const eve = await withOperator(f, b);
    f.multiplexer.addApplication(7, "192.0.2.9:40001");
    f.multiplexer.addApplication(8, "192.0.2.9:40002");
    await eve.page("/applications");
    const res = await eve.post("/applications/7/disconnect", {});
    assert.equal(res.status, 303);
    assert.equal((await api(eve, "POST", "/api/multiplexer/applications/8/disconnect")).status, 204);
    assert.deepEqual(f.multiplexer.closed, [
      { id: 7, reason: "disconnected by eve in the web UI" },
      { id: 8, reason: "disconnected by eve in the web UI" },
    ]);
  } finally {
    await f.close();
  }
});

Deno.test("an operator's API token acts with the operator role: it reads and disconnects but is refused a change", async () => {
  const { f, b } = await signedIn();
  try {
    const eve = await withOperator(f, b);
    const made = await api(eve, "POST", "/api/system/tokens", { name: "wallboard" });
    assert.equal(made.status, 201);
    const { token } = await made.json();
    const bearer = { authorization: `Bearer ${token}` };
    const call = (method: string, path: string, json?: unknown) =>
      f.app.request(path, {
        method,
        body: json === undefined ? undefined : JSON.stringify(json),
        headers: { ...bearer, "content-type": "application/json" },
      }, { remoteAddress: "127.0.0.1", secure: false });

    assert.equal((await call("GET", "/api/settings/smdr")).status, 200);
    const refused = await call("PUT", "/api/settings/smdr", { maxCollectors: 3 });
    assert.equal(refused.status, 403);
    assert.match((await refused.json()).error.message, /user eve has the operator role/);
    f.multiplexer.addApplication(9, "192.0.2.9:40003");
    assert.equal((await call("POST", "/api/multiplexer/applications/9/disconnect")).status, 204);

    // The administrator's tokens are not the operator's to revoke.
    const adminToken = await (await api(b, "POST", "/api/system/tokens", { name: "backup script" })).json();
    assert.equal((await call("DELETE", `/api/system/tokens/${adminToken.id}`)).status, 403);
    const own = (await (await call("GET", "/api/system/tokens")).json()).tokens
      .find((t: { name: string }) => t.name === "wallboard");
    assert.equal((await call("DELETE", `/api/system/tokens/${own.id}`)).status, 204);

    // Made an administrator, the same kind of token may change settings.
    const again = await (await api(eve, "POST", "/api/system/tokens", { name: "wallboard 2" })).json();
    assert.equal((await api(b, "PUT", "/api/users/eve", { role: "administrator" })).status, 200);
    const allowed = await f.app.request("/api/settings/smdr", {
      method: "PUT",
      body: JSON.stringify({ maxCollectors: 3 }),
      headers: { authorization: `Bearer ${again.token}`, "content-type": "application/json" },
    }, { remoteAddress: "127.0.0.1", secure: false });
    assert.equal(allowed.status, 200);
  } finally {
    await f.close();
  }
});

Deno.test("the last administrator can be neither removed nor made an operator; a removed user's tokens stop working", async () => {
  const { f, b } = await signedIn();
  try {
    const demote = await api(b, "PUT", "/api/users/admin", { role: "operator" });
    assert.equal(demote.status, 409);
    assert.match((await demote.json()).error.message, /last administrator/);
    assert.equal((await api(b, "DELETE", "/api/users/admin")).status, 409);
    await b.page("/system");
    await b.post("/system/users/admin/remove", {});
    assert.match((await b.page("/system")).html, /Not removed: .*last administrator/);

    const eve = await withOperator(f, b);
    const { token } = await (await api(eve, "POST", "/api/system/tokens", { name: "t" })).json();
    assert.equal((await api(b, "PUT", "/api/users/eve", { role: "administrator" })).status, 200);
    assert.equal((await api(b, "PUT", "/api/users/admin", { role: "operator" })).status, 200, "two admins");
    assert.equal((await api(eve, "PUT", "/api/users/admin", { role: "administrator" })).status, 200);
    assert.equal((await api(b, "DELETE", "/api/users/eve")).status, 204);
    const after = await f.app.request("/api/status", { headers: { authorization: `Bearer ${token}` } }, {
      remoteAddress: "127.0.0.1",
      secure: false,
    });
    assert.equal(after.status, 401);
    assert.equal((await eve.request("/api/status")).status, 401, "the session ended with the user");
    const weak = await api(b, "POST", "/api/users", { name: "bob", password: "bob", role: "operator" });
    assert.equal(weak.status, 400);
    assert.equal((await weak.json()).error.field, "password");
  } finally {
    await f.close();
  }
});

Deno.test("web users made before roles become administrators when the store is upgraded", async () => {
  const path = join(await Deno.makeTempDir(), "old.db");
  const old = openDatabase(path, { migrations: migrations.filter((m) => m.version < 10) });
  old.prepare(
    "INSERT INTO web_user (name, password_hash, must_change_password, created_at) VALUES ('ops', 'x', 0, '')",
  ).run();
  old.close();
  const db = openDatabase(path);
  try {
    assert.deepEqual({ ...db.prepare("SELECT role FROM web_user WHERE name = 'ops'").get() }, {
      role: "administrator",
    });
  } finally {
    db.close();
  }
});

Deno.test("an operator's pages show the forms they may not send read-only, marked administrators only; an administrator's do not", async () => {
  const tls = await startStore();
  const { f, b } = await signedIn({ services: { tls: tls.store } });
  try {
    const eve = await withOperator(f, b);
    f.multiplexer.addApplication(7, "192.0.2.9:40001");
    /** Each post form of the page: its action, whether it is read-only, and whether it says why. */
    const forms = (html: string) =>
      [...html.matchAll(/<form\b([^>]*\bmethod="post"[^>]*)>([\s\S]*?)<\/form>/g)].map((
        [, attrs, inside],
      ) => ({
        action: /action="([^"]*)"/.exec(attrs)![1],
        readOnly: /^(<p class="notice admin-only">[^<]*<\/p>)?<fieldset disabled/.test(inside),
        note: inside.includes("Administrators only"),
      }));
    for (const path of ["/smdr", "/system", "/certificate", "/csta-server", "/lines", "/numbers", "/pbx"]) {
      const operatorForms = forms((await eve.page(path)).html);
      assert.ok(operatorForms.length > 0, path);
      for (const form of operatorForms) {
        const allowed = /^\/(logout|password|system\/tokens)/.test(form.action);
        assert.equal(form.readOnly, !allowed, `${path} ${form.action}`);
      }
      assert.ok(operatorForms.some((form) => form.note), `${path} says administrators only`);
      for (const form of forms((await b.page(path)).html)) {
        assert.equal(form.readOnly, false, `${path} ${form.action}`);
      }
    }
    const apps = forms((await eve.page("/applications")).html);
    assert.deepEqual(apps.filter((form) => form.action.includes("disconnect")).map((form) => form.readOnly), [
      false,
    ]);
  } finally {
    await f.close();
    await tls.cleanup();
  }
});

Deno.test("the CSTA trace and the support bundle are administrator-only: API, token, Trace page and System page", async () => {
  const trace = new FrameTrace(new ManualClock(), () => ({ maxMinutes: 10, maxFrames: 100 }));
  const { f, b } = await signedIn({ trace });
  try {
    const eve = await withOperator(f, b);
    assert.equal((await api(b, "POST", "/api/trace/start", { seconds: 60 })).status, 200);
    const { token } = await (await api(eve, "POST", "/api/system/tokens", { name: "wallboard" })).json();
    for (const path of ["/api/trace", "/api/trace/text", "/api/support-bundle"]) {
      const refused = await api(eve, "GET", path);
      assert.equal(refused.status, 403, path);
      const { error } = await refused.json();
      assert.equal(error.code, "role_forbidden");
      assert.match(error.message, /user eve has the operator role/);
      const byToken = await f.app.request(path, { headers: { authorization: `Bearer ${token}` } }, {
        remoteAddress: "127.0.0.1",
        secure: false,
      });
      assert.equal(byToken.status, 403, `${path} with the operator's token`);
      assert.equal((await b.request(path)).status, 200, `${path} for the administrator`);
    }
    assert.equal((await api(eve, "POST", "/api/trace/stop")).status, 403);
    assert.ok(trace.active, "the operator did not stop the trace");

    const tracePage = (await eve.page("/trace")).html;
    assert.match(tracePage, /id="trace-admin-only"/);
    assert.doesNotMatch(tracePage, /id="trace-form"|id="trace-table"/);
    assert.match((await b.page("/trace")).html, /id="trace-form"/);
    const system = (await eve.page("/system")).html;
    assert.doesNotMatch(system, /href="\/api\/support-bundle"|href="\/api\/system\/backup"/);
    assert.match(system, /id="support-bundle-download-admin-only"/);
    assert.match((await b.page("/system")).html, /href="\/api\/support-bundle"/);
  } finally {
    trace.stop();
    await f.close();
  }
});
