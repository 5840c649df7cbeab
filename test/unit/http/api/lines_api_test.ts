import assert from "node:assert/strict";
import { createLinesApi } from "../../../../src/http/api/lines_api.ts";
import { LineRepository } from "../../../../src/lines/line_repository.ts";
import type { OfferedDevice } from "../../../../src/lines/line_sync_plan.ts";
import { LocationRepository } from "../../../../src/lines/location_repository.ts";
import { LineStoreSync } from "../../../../src/lines/line_store_sync.ts";
import { apiCall } from "../../../support/api_call.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";

const offered: OfferedDevice[] = [
  { number: "101", deviceNumber: 1, kind: "extension", name: "Reception" },
  { number: "102", deviceNumber: 2, kind: "extension", name: "Sales" },
];

async function setup(queryPbxDevices?: () => Promise<OfferedDevice[]>) {
  const temp = await openTempDatabase();
  const lines = new LineRepository(() => temp.db);
  const sync = new LineStoreSync(lines, new LocationRepository(() => temp.db));
  const call = apiCall("/api/lines", createLinesApi({ lines, sync, queryPbxDevices }));
  return { temp, lines, call };
}

Deno.test("lines are created, read, changed and deleted through the API", async () => {
  const { temp, call } = await setup();
  try {
    const created = await call("POST", "/api/lines", { number: "101", name: "Reception", deviceNumber: 5 });
    assert.equal(created.status, 201);
    assert.deepEqual(await created.json(), {
      number: "101",
      name: "Reception",
      kind: "extension",
      deviceNumber: 5,
      enabled: true,
      missingFromPbx: false,
    });
    const changed = await call("PUT", "/api/lines/101", { enabled: false, kind: "group" });
    assert.equal((await changed.json()).kind, "group");
    assert.equal((await (await call("GET", "/api/lines/101")).json()).enabled, false);
    assert.equal((await (await call("GET", "/api/lines")).json()).lines.length, 1);
    await call("POST", "/api/lines", { number: "*1#2" });
    assert.equal((await (await call("GET", "/api/lines/*1%232")).json()).number, "*1#2");
    assert.equal((await call("DELETE", "/api/lines/101")).status, 204);
    assert.equal((await call("DELETE", "/api/lines/101")).status, 404);
  } finally {
    await temp.close();
  }
});

Deno.test("refusals answer in the error shape with status, code and field", async () => {
  const { temp, call } = await setup();
  try {
    await call("POST", "/api/lines", { number: "101" });
    const table: [Response, number, string, string | undefined][] = [
      [await call("POST", "/api/lines", { number: "101" }), 409, "duplicate", "number"],
      [await call("POST", "/api/lines", { number: "1x1" }), 400, "invalid_value", "number"],
      [await call("POST", "/api/lines", { number: "102", kind: "phone" }), 400, "invalid_request", "kind"],
      [await call("POST", "/api/lines", { number: "102", extra: 1 }), 400, "invalid_request", undefined],
      [await call("POST", "/api/lines", "{not json"), 400, "invalid_json", undefined],
      [await call("PUT", "/api/lines/999", { name: "x" }), 404, "not_found", undefined],
      [await call("GET", "/api/lines/999"), 404, "not_found", undefined],
    ];
    for (const [response, status, code, field] of table) {
      const body = await response.json();
      assert.equal(response.status, status, JSON.stringify(body));
      assert.equal(body.error.code, code);
      assert.equal(typeof body.error.message, "string");
      assert.equal(body.error.field, field);
    }
  } finally {
    await temp.close();
  }
});

Deno.test("an import with one bad row answers 422 with that row and changes nothing", async () => {
  const { temp, lines, call } = await setup();
  try {
    lines.create({ number: "101", name: "Old" });
    const response = await call("POST", "/api/lines/import", "101,New\n10#2,Fine\nabc,Bad\n", "text/plain");
    assert.equal(response.status, 422);
    const body = await response.json();
    assert.equal(body.error.code, "import_rejected");
    assert.equal(body.error.message, "1 row refused; nothing was imported");
    assert.deepEqual(body.error.rows.map((row: { row: number; text: string }) => [row.row, row.text]), [[
      3,
      "abc,Bad",
    ]]);
    assert.deepEqual(lines.list().map((line) => [line.number, line.name]), [["101", "Old"]]);
  } finally {
    await temp.close();
  }
});

Deno.test("export as text and import of that text into an emptied store gives the same export", async () => {
  const { temp, lines, call } = await setup();
  try {
    lines.create({ number: "101", name: "Smith, John" });
    lines.create({ number: "102" });
    const exported = await call("GET", "/api/lines/export");
    assert.equal(exported.headers.get("content-type"), "text/plain; charset=utf-8");
    const text = await exported.text();
    assert.equal(text, "101,Smith, John\n102\n");
    lines.removeAll();
    const imported = await call("POST", "/api/lines/import?mode=replace", text, "text/plain");
    assert.deepEqual(await imported.json(), {
      added: ["101", "102"],
      changed: [],
      unchanged: 0,
      removed: [],
    });
    assert.equal(await (await call("GET", "/api/lines/export")).text(), text);
    assert.equal((await call("POST", "/api/lines/import?mode=append", text, "text/plain")).status, 400);
  } finally {
    await temp.close();
  }
});

Deno.test("sync preview shows what a load would change; apply does it; a second load shows no changes", async () => {
  const { temp, lines, call } = await setup();
  try {
    const preview = await (await call("POST", "/api/lines/sync/preview", { offered })).json();
    assert.deepEqual(preview.add.map((line: { number: string }) => line.number), ["101", "102"]);
    assert.equal(lines.count(), 0, "a preview changes nothing");
    const applied = await (await call("POST", "/api/lines/sync/apply", { offered, removals: "flag" })).json();
    assert.deepEqual(applied.result.added, ["101", "102"]);
    const second = await (await call("POST", "/api/lines/sync/preview", { offered })).json();
    assert.deepEqual([second.add, second.change, second.remove, second.unchanged], [[], [], [], 2]);
    const missingRemovals = await call("POST", "/api/lines/sync/apply", { offered });
    assert.equal((await missingRemovals.json()).error.field, "removals");
  } finally {
    await temp.close();
  }
});

Deno.test("without an offered list the sync asks the PBX, or says it cannot", async () => {
  const asked = await setup(() => Promise.resolve(offered));
  const unwired = await setup();
  const failing = await setup(() => Promise.reject(new Error("link down")));
  try {
    const preview = await asked.call("POST", "/api/lines/sync/preview", {});
    assert.equal((await preview.json()).add.length, 2);
    const none = await unwired.call("POST", "/api/lines/sync/preview", {});
    assert.equal(none.status, 503);
    assert.equal((await none.json()).error.code, "pbx_query_unavailable");
    const down = await failing.call("POST", "/api/lines/sync/apply", { removals: "flag" });
    assert.match((await down.json()).error.message, /link down/);
  } finally {
    await asked.temp.close();
    await unwired.temp.close();
    await failing.temp.close();
  }
});
