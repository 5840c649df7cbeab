import assert from "node:assert/strict";
import { createSmdrApi } from "../../../../src/http/api/smdr_api.ts";
import { Logger } from "../../../../src/log/logger.ts";
import { defaultSettings } from "../../../../src/settings/schema.ts";
import { SmdrService } from "../../../../src/smdr/smdr_service.ts";
import { seedScenarios } from "../../smdr/seed_scenarios.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";
import { loopbackEnv } from "../../../support/api_call.ts";

async function setup() {
  const store = await openTempDatabase();
  const settings = { ...defaultSettings().smdr, localEnabled: false, pushEnabled: false, historySize: 20 };
  const service = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("smdr", { sink: () => {} }),
  });
  await service.start();
  const app = createSmdrApi(service);
  const request = (path: string, init: RequestInit = {}) => app.request(path, init, loopbackEnv);
  return {
    service,
    request,
    async close() {
      await service.stop();
      await store.close();
    },
  };
}

Deno.test("GET /status answers the service's snapshot with its details", async () => {
  const api = await setup();
  api.service.submit(seedScenarios[0].events[0]);
  const res = await api.request("/status");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.state, "running");
  assert.equal(body.details.recordsToday, 1);
  assert.equal(body.details.backlog, 0);
  assert.equal(body.details.drops, 0);
  assert.deepEqual(body.details.history, { stored: 1, limit: 20 });
  await api.close();
});

Deno.test("GET /records returns the latest records, newest first, with their fields", async () => {
  const api = await setup();
  for (const event of seedScenarios[3].events) api.service.submit(event);
  const res = await api.request("/records?limit=3");
  assert.equal(res.status, 200);
  const { records } = await res.json();
  assert.deepEqual(records.map((r: { position: number }) => r.position), [7, 6, 5]);
  assert.equal(records[0].record.length, 162);
  assert.equal(records[2].fields.event, "RINGING");
  assert.equal(records[0].fields.event, "DISCONNECTED");
  assert.ok(!Number.isNaN(Date.parse(records[0].storedAt)));
  await api.close();
});

Deno.test("GET /records refuses a bad limit naming the field, and serves the kept history beyond the replay size", async () => {
  const api = await setup();
  const bad = await api.request("/records?limit=zero");
  assert.equal(bad.status, 400);
  const body = await bad.json();
  assert.equal(body.error.code, "invalid_query");
  assert.equal(body.error.field, "limit");
  for (let i = 0; i < 30; i++) api.service.submit({ ...seedScenarios[0].events[0], callSerial: i });
  const kept = await (await api.request("/records?limit=3000")).json();
  assert.equal(kept.records.length, 30, "the history keeps by days and records, not by the replay size");
  assert.equal(kept.total, 30);
  await api.close();
});

Deno.test("PUT /contacts imports CSV and GET /contacts gives it back as CSV", async () => {
  const api = await setup();
  const put = await api.request("/contacts", {
    method: "PUT",
    headers: { "content-type": "text/csv" },
    body: 'number,name\n079 6854 3537,CHRIS R MOBILE\n0161,"Office, main"\n',
  });
  assert.equal(put.status, 200);
  assert.deepEqual(await put.json(), {
    mode: "replace",
    added: 2,
    changed: 0,
    unchanged: 0,
    removed: 0,
    total: 2,
  });
  const get = await api.request("/contacts");
  assert.equal(get.headers.get("content-type"), "text/csv; charset=utf-8");
  assert.equal(await get.text(), 'number,name\r\n0161,"Office, main"\r\n07968543537,CHRIS R MOBILE\r\n');
  const json = await (await api.request("/contacts", { headers: { accept: "application/json" } })).json();
  assert.equal(json.entries.length, 2);
  await api.close();
});

Deno.test("PUT with bad rows answers 422 listing every row and imports nothing", async () => {
  const api = await setup();
  const res = await api.request("/ddi-names", {
    method: "PUT",
    headers: { "content-type": "text/csv" },
    body: "ddi,name\n100,Sales\n2 00\n300,Support\n300,Again\n",
  });
  assert.equal(res.status, 422);
  const body = await res.json();
  assert.equal(body.error.code, "invalid_rows");
  assert.equal(body.error.message, "2 row(s) refused; nothing was imported");
  assert.deepEqual(body.error.rows.map((r: { row: number }) => r.row), [3, 5]);
  assert.equal(api.service.ddiNames.size(), 0);
  await api.close();
});

Deno.test("PUT accepts JSON entries validated by schema, and merge mode keeps other entries", async () => {
  const api = await setup();
  api.service.ddiNames.importEntries([{ number: "100", name: "Sales" }]);
  const res = await api.request("/ddi-names?mode=merge", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ entries: [{ number: "200", name: "Support" }] }),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).total, 2);
  const wrong = await api.request("/ddi-names", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ number: 200, name: "Support" }]),
  });
  assert.equal(wrong.status, 400);
  assert.equal((await wrong.json()).error.code, "invalid_body");
  const badMode = await api.request("/ddi-names?mode=append", { method: "PUT", body: "100,A" });
  assert.equal((await badMode.json()).error.field, "mode");
  await api.close();
});

Deno.test("PUT refuses other media types and oversized bodies with JSON errors", async () => {
  const api = await setup();
  const xml = await api.request("/contacts", {
    method: "PUT",
    headers: { "content-type": "application/xml" },
    body: "<contacts/>",
  });
  assert.equal(xml.status, 415);
  assert.equal((await xml.json()).error.code, "unsupported_media_type");
  const huge = await api.request("/contacts", {
    method: "PUT",
    headers: { "content-type": "text/csv" },
    body: "0,".padEnd(9 * 1024 * 1024, "x"),
  });
  assert.equal(huge.status, 413);
  await api.close();
});

Deno.test("contact names imported through the API appear in the next record", async () => {
  const api = await setup();
  await api.request("/contacts", { method: "PUT", body: "079XXXXXXXX,Chris via API\n" });
  const result = api.service.submit(seedScenarios[0].events[0]);
  assert.ok(result.ok);
  assert.match(result.record, /\|Chris via API \|/);
  await api.close();
});
