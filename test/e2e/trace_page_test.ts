// The Trace page in Debian's Chromium against cstabox and the simulated PBX: start a trace from the page,
// an application sends MonitorStart over a real socket, and the live table shows it with its invoke ID
// and device; the System page's support bundle then carries that trace. The screenshot is saved as
// test-output/e2e/trace-01-monitor-start.png.

import assert from "node:assert/strict";
import { gunzip, readTar } from "../../src/backup/tar_archive.ts";
import { dialingNumber } from "../../src/csta/device_id.ts";
import { panasonicAarq } from "../../src/csta/acse.ts";
import { encodeTypedInvoke } from "../../src/csta/operations.ts";
import { ADMIN_PASSWORD, lineApiRig } from "../integration/line_api/line_api_rig.ts";
import { RawCstaPeer } from "../support/raw_csta_peer.ts";
import { firstLogin, withBrowser, within } from "./browser.ts";

const CHOSEN = "trace page password 2026";

Deno.test({
  name:
    "the Trace page starts a trace and shows an application's MonitorStart live; the support bundle carries it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rig = await lineApiRig();
    let peer: RawCstaPeer | undefined;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          const base = rig.base;
          await firstLogin(page, base, ADMIN_PASSWORD, CHOSEN);

          await page.click("nav a[href='/trace']");
          await page.fill("#f-minutes", "2");
          await page.click("#trace-start-button");
          await page.waitForSelector("#trace-state:text('recording')");

          peer = await RawCstaPeer.connect(rig.cstaPort);
          await peer.send(panasonicAarq());
          await peer.waitFor(2);
          await peer.send(encodeTypedInvoke(4711, "monitorStart", {
            monitorObject: { kind: "deviceObject", value: dialingNumber("105") },
          }));
          const row = "#trace-table tbody tr:has-text('monitorStart (invoke)'):has-text('invokeId=4711')";
          await page.waitForSelector(row);
          assert.match(await page.textContent(row) ?? "", /application -> cstabox.*devices=105/s);
          await page.waitForSelector(
            "#trace-table tbody tr:has-text('monitorStart result'):has-text('crossRef=')",
          );
          await run.screenshot("trace-01-monitor-start");

          await page.click("#trace-stop");
          await page.waitForSelector("#trace-state:text('stopped')");
          const download = await page.request.get(`${base}/api/trace/text`);
          assert.equal(download.status(), 200);
          assert.match(await download.text(), /monitorStart \(invoke\) {2}invokeId=4711 {2}devices=105/);

          // The System page's support bundle carries that trace.
          await page.click("nav a[href='/system']");
          const [bundle] = await Promise.all([
            page.waitForEvent("download"),
            page.click("#support-bundle-download"),
          ]);
          assert.match(bundle.suggestedFilename(), /^cstabox-support-\d{8}-\d{6}\.tar\.gz$/);
          const tar = await gunzip(await Deno.readFile(await bundle.path()), 64 * 1024 * 1024);
          const trace = readTar(tar, { maxEntries: 20, maxEntryBytes: 32 * 1024 * 1024 })
            .find((e) => e.name === "trace.txt")!;
          assert.match(new TextDecoder().decode(trace.bytes), /invokeId=4711 {2}devices=105/);
        }),
        60_000,
        "the trace page walk",
      );
    } finally {
      peer?.close();
      await rig.close();
    }
  },
});
