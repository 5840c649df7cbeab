import assert from "node:assert/strict";
import { ManualClock } from "../../../../src/clock.ts";
import { createLicencesApi } from "../../../../src/http/api/licences_api.ts";
import { LicenceRepository } from "../../../../src/licensing/licence_repository.ts";
import { Licensing } from "../../../../src/licensing/licensing.ts";
import { apiCall } from "../../../support/api_call.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";
import { otherKeys, testKeys, testLicence } from "../../licensing/test_keys.ts";

async function setup() {
  const temp = await openTempDatabase();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const licensing = new Licensing({
    repository: new LicenceRepository(() => temp.db),
    publicKey: testKeys.publicKey,
    clock,
  });
  await licensing.start();
  const call = apiCall("/api/licences", createLicencesApi({ licensing }));
  return { temp, licensing, call };
}

Deno.test("status shows the trial, then the licence once a key is added; keys are listed and removed", async () => {
  const { temp, licensing, call } = await setup();
  try {
    const trial = await (await call("GET", "/api/licences")).json();
    assert.deepEqual([trial.mode, trial.linesLicensed, trial.linesInUse, trial.daysLeft], [
      "trial",
      25,
      0,
      45,
    ]);
    const added = await call("POST", "/api/licences/keys", {
      key: await testLicence({ id: "L-A", lines: 2 }),
    });
    assert.equal(added.status, 201);
    assert.deepEqual((await added.json()).licence, {
      id: "L-A",
      customer: "Test customer",
      lines: 2,
      issued: "2026-01-01",
      expires: null,
      addedAt: "2026-01-01T00:00:00.000Z",
    });
    licensing.acquire("101", "app-1");
    licensing.acquire("102", "app-1");
    licensing.acquire("103", "app-2");
    const status = await (await call("GET", "/api/licences")).json();
    assert.deepEqual([status.mode, status.linesLicensed, status.linesInUse, status.daysLeft], [
      "licensed",
      2,
      2,
      null,
    ]);
    assert.equal(status.lastRefusal.reason, "no-free-licence");
    assert.equal((await (await call("GET", "/api/licences/seats")).json()).seats.length, 2);
    assert.deepEqual(
      (await (await call("GET", "/api/licences/keys")).json()).keys.map((k: { id: string }) => k.id),
      ["L-A"],
    );
    assert.equal((await call("DELETE", "/api/licences/keys/L-A")).status, 204);
    assert.equal((await call("DELETE", "/api/licences/keys/L-A")).status, 404);
  } finally {
    await temp.close();
  }
});

Deno.test("refused keys answer with their reason as the error code", async () => {
  const { temp, call } = await setup();
  try {
    const key = await testLicence({ id: "L-B" });
    await call("POST", "/api/licences/keys", { key });
    const table: [string, number, string][] = [
      [await testLicence({}, otherKeys), 422, "bad_signature"],
      [await testLicence({ expires: "2025-06-30" }), 422, "expired"],
      ["CSTABOX1-abc", 422, "malformed"],
      [key, 409, "duplicate"],
    ];
    for (const [text, status, code] of table) {
      const response = await call("POST", "/api/licences/keys", { key: text });
      const body = await response.json();
      assert.equal(response.status, status, code);
      assert.equal(body.error.code, code);
      assert.equal(body.error.field, "key");
    }
    assert.equal((await call("POST", "/api/licences/keys", {})).status, 400);
  } finally {
    await temp.close();
  }
});
