// A service that failed is described as failed, with its reason, on the pages that show it: never as
// "off" or as an empty list.

import assert from "node:assert/strict";
import type { CallsSource } from "../../../src/http/web_ui_sources.ts";
import { Browser, webFixture } from "./web_fixture.ts";

Deno.test("a failed SMDR service or call tracker is shown as failed with its reason, not as off or as no calls", async () => {
  const calls: CallsSource = { activeCalls: () => [] };
  const f = await webFixture({ calls });
  const b = new Browser(f.app);
  await b.loginAndChangePassword();
  try {
    const since = "2026-01-01T00:00:00.000Z";
    const taken = "port 2007 is already in use by another program (0.0.0.0:2007)";
    f.services.smdr = { state: "failed", since, reason: taken };
    f.services["call-tracker"] = { state: "failed", since, reason: "not started: smdr not running" };
    const dashboard = (await b.page("/")).html;
    assert.doesNotMatch(dashboard, /local mode off/i);
    assert.match(dashboard, /id="dash-smdr"[^]*?not running: port 2007 is already in use/);
    assert.match(dashboard, /id="dash-calls"[^]*?Call tracking failed: not started: smdr not running/);
    const smdr = (await b.page("/smdr")).html;
    assert.doesNotMatch(smdr, /<dt>Local mode<\/dt><dd>off/);
    assert.match(smdr, /<dt>Local mode<\/dt><dd>not running: port 2007 is already in use/);
    const page = (await b.page("/calls")).html;
    assert.doesNotMatch(page, /No call right now/);
    assert.match(page, /id="calls-unavailable"[^>]*>\s*Call tracking failed: not started: smdr not running/);
  } finally {
    await f.close();
  }
});

Deno.test("a line call tracking cannot monitor shows so on the Lines page, with the reason, instead of ok", async () => {
  const f = await webFixture();
  const b = new Browser(f.app);
  await b.loginAndChangePassword();
  try {
    await b.page("/lines");
    await b.post("/lines", { number: "131", name: "Lobby", kind: "extension" });
    await b.post("/lines", { number: "132", name: "Desk", kind: "extension" });
    const since = "2026-01-01T00:00:00.000Z";
    f.services["call-tracker"] = {
      state: "degraded",
      since,
      reason: "1 line not monitored: 131 (the PBX refused: invalid device)",
      details: {
        callsInProgress: 0,
        recordsProduced: 0,
        recordsNotStored: 0,
        callRecords: 0,
        eventsSeen: 0,
        duplicateReports: 0,
        monitoredLines: 1,
        unmonitoredLines: [{ number: "131", reason: "the PBX refused: invalid device" }],
        pbx: "up",
        lastResync: null,
        lastError: null,
      },
    };
    const { html } = await b.page("/lines");
    assert.match(html, /data-number="131"[^]*?<td[^>]*>not monitored: the PBX refused: invalid device<\/td>/);
    assert.match(html, /data-number="132"[^]*?<td\s*>ok<\/td>/);
    const monitors = (await b.page("/monitors")).html;
    assert.match(
      monitors,
      /id="monitors-missing"[^]*?<td class="mono">131<\/td><td>Lobby<\/td><td>the PBX refused: invalid device<\/td>/,
    );
  } finally {
    await f.close();
  }
});
