import assert from "node:assert/strict";
import { join } from "node:path";
import { WebUsers } from "../../../src/accounts/web_users.ts";
import { createHttpApp, type StatusSource } from "../../../src/http/app.ts";
import type { RequestEnv } from "../../../src/http/context.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { ServiceStatus } from "../../../src/service.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StoreUnavailableError } from "../../../src/store/store_service.ts";
import { loopbackEnv } from "../../support/api_call.ts";

const running: ServiceStatus = { state: "running", since: "2026-01-01T00:00:00.000Z" };
const basic = (user: string, password: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });

async function setup(services: Record<string, ServiceStatus>) {
  const db = openDatabase(join(await Deno.makeTempDir(), "t.db"));
  const users = new WebUsers(() => db, 1000);
  await users.ensureAdmin("s3cret");
  const status: StatusSource = {
    version: "9.9.9",
    startedAt: "2026-01-01T00:00:00.000Z",
    mode: () => "demo",
    services: () => services,
    settingsProblem: () => undefined,
  };
  const app = createHttpApp({ log: new Logger("t", { sink: () => {} }), users, status });
  return { app, db };
}

Deno.test("/healthz answers 200 with each service's state when all run", async () => {
  const { app, db } = await setup({ store: running, http: running });
  const res = await app.request("/healthz", {}, loopbackEnv);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ok",
    services: { store: { state: "running" }, http: { state: "running" } },
  });
  db.close();
});

Deno.test("/healthz answers 503 naming the failed service and its reason", async () => {
  const failed: ServiceStatus = { state: "failed", since: running.since, reason: "address already in use" };
  const { app, db } = await setup({ store: running, "csta-tcp": failed });
  const res = await app.request("/healthz", {}, loopbackEnv);
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "failed");
  assert.deepEqual(body.services["csta-tcp"], { state: "failed", reason: "address already in use" });
  db.close();
});

Deno.test("/api/status needs a web login and then shows the registry's snapshots", async () => {
  const { app, db } = await setup({ store: running });
  assert.equal((await app.request("/api/status", {}, loopbackEnv)).status, 401);
  assert.equal(
    (await app.request("/api/status", { headers: basic("admin", "wrong") }, loopbackEnv)).status,
    401,
  );
  const res = await app.request("/api/status", { headers: basic("admin", "s3cret") }, loopbackEnv);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.version, "9.9.9");
  assert.equal(body.mode, "demo");
  assert.deepEqual(body.services.store, running);
  db.close();
});

Deno.test("Basic authentication is refused over plain HTTP from another host", async () => {
  const { app, db } = await setup({});
  const remote: RequestEnv = { remoteAddress: "192.0.2.7", secure: false };
  const res = await app.request("/api/status", { headers: basic("admin", "s3cret") }, remote);
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, "insecure_transport");
  const overTls: RequestEnv = { remoteAddress: "192.0.2.7", secure: true };
  assert.equal(
    (await app.request("/api/status", { headers: basic("admin", "s3cret") }, overTls)).status,
    200,
  );
  db.close();
});

Deno.test("unknown API paths answer JSON, not HTML", async () => {
  const { app, db } = await setup({});
  const res = await app.request("/api/nothing", { headers: basic("admin", "s3cret") }, loopbackEnv);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
  db.close();
});

Deno.test("the API answers 503 with a JSON reason while the store is down", async () => {
  const users = new WebUsers(() => {
    throw new StoreUnavailableError();
  });
  const app = createHttpApp({
    log: new Logger("t", { sink: () => {} }),
    users,
    status: {
      version: "x",
      startedAt: "x",
      mode: () => "pbx",
      services: () => ({}),
      settingsProblem: () => undefined,
    },
  });
  const res = await app.request("/api/status", { headers: basic("admin", "x") }, loopbackEnv);
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error.code, "store_unavailable");
});

Deno.test("/readyz is 503 with the reason while the PBX link is down, 200 once every service runs", async () => {
  const services: Record<string, ServiceStatus> = {
    store: running,
    "pbx-link": {
      state: "degraded",
      since: running.since,
      reason: "connection refused; reconnecting in 2 s",
    },
  };
  const { app, db } = await setup(services);
  const down = await app.request("/readyz", {}, { remoteAddress: "192.0.2.7", secure: false });
  assert.equal(down.status, 503);
  assert.deepEqual(await down.json(), {
    ready: false,
    reasons: ["pbx-link degraded: connection refused; reconnecting in 2 s"],
  });
  // Liveness is unaffected: the process serves.
  assert.equal((await app.request("/healthz", {}, loopbackEnv)).status, 200);
  services["pbx-link"] = running;
  const up = await app.request("/readyz", {}, loopbackEnv);
  assert.equal(up.status, 200);
  assert.deepEqual(await up.json(), { ready: true });
  db.close();
});

Deno.test("/readyz names a failed service; another service's warning (degraded) does not stop readiness", async () => {
  const failed: ServiceStatus = { state: "failed", since: running.since, reason: "address already in use" };
  const expiring: ServiceStatus = { state: "degraded", since: running.since, reason: "expires in 3 days" };
  const { app, db } = await setup({ store: running, "pbx-link": running, tls: expiring, smdr: failed });
  const res = await app.request("/readyz", {}, loopbackEnv);
  assert.equal(res.status, 503);
  assert.deepEqual((await res.json()).reasons, ["smdr failed: address already in use"]);
  db.close();
});

Deno.test("/healthz and /readyz answer 503 while the store is degraded (a full disk loses data), naming the reason", async () => {
  const full: ServiceStatus = {
    state: "degraded",
    since: running.since,
    reason: "disk full: the data directory's file system has no space left (database or disk is full)",
  };
  const { app, db } = await setup({ store: full, http: running });
  const res = await app.request("/healthz", {}, loopbackEnv);
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.equal(body.status, "degraded");
  assert.match(body.services.store.reason, /disk full/);
  const ready = await app.request("/readyz", {}, loopbackEnv);
  assert.equal(ready.status, 503);
  assert.match((await ready.json()).reasons.join(), /store degraded: disk full/);
  db.close();
});
