// The Lines page's flows that go through the lines API: load from the PBX with preview and apply.

import assert from "node:assert/strict";
import type { OfferedDevice } from "../../../src/lines/line_sync_plan.ts";
import { Browser, webFixture } from "./web_fixture.ts";

Deno.test("load from the PBX: preview, then apply, lands on the lines page saying what changed", async () => {
  const offered: OfferedDevice[] = [
    { number: "101", deviceNumber: 0x01000001, kind: "extension", name: "Reception" },
    { number: "102", deviceNumber: 0x01000002, kind: "extension", name: "Sales" },
  ];
  const f = await webFixture({ pbxDevices: () => Promise.resolve(offered) });
  const b = new Browser(f.app);
  await b.loginAndChangePassword();
  try {
    await b.page("/lines");
    const preview = await b.post("/lines/sync/preview", { readNames: "on" });
    assert.equal(preview.status, 200);
    assert.match(await preview.text(), /id="sync-plan"/);
    const apply = await b.post("/lines/sync/apply", { readNames: "on", removals: "flag" });
    assert.equal(apply.status, 303, "redirected to the lines page, not an internal error");
    assert.equal(apply.headers.get("location"), "/lines#flash");
    const { html } = await b.page("/lines");
    assert.match(html, /id="flash">Loaded from the PBX: 2 added, 0 changed, 0 marked missing, 0 deleted\./);
    assert.match(html, /Reception/);
  } finally {
    await f.close();
  }
});
