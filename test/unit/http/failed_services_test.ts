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
