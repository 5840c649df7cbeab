// The Lines page's replace import in Debian's Chromium against a real cstabox on a real (absent) PBX: the
// preview names what would be removed, added and renamed, nothing changes until confirmed; and the header
// beside the brand stays clean (no "null") once its live mode region updates. Screenshots under
// test-output/e2e/lines-import-*.png.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { freePort } from "../support/mosquitto.ts";
import { firstLogin, withBrowser, within } from "./browser.ts";

const PROVISIONED = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";

Deno.test({
  name:
    "the Lines page previews a replace import and applies it only when confirmed; the header shows no null",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const proc = await startCstabox([
      "--data-dir",
      await Deno.makeTempDir({ prefix: "cstabox-e2e-lines-import-" }),
      "--pbx",
      `127.0.0.1:${freePort()}`,
      ...loopbackFlags,
      "--admin-password",
      PROVISIONED,
    ], { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base, PROVISIONED, CHOSEN);

          await page.goto(`${base}/lines`);
          for (const [number, name] of [["101", "Reception"], ["102", "Sales"], ["103", "Store"]]) {
            await page.fill("#line-add-form #f-number", number);
            await page.fill("#line-add-form #f-name", name);
            await page.click("#line-add-form button[type=submit]");
            await page.waitForSelector(`tr[data-number="${number}"]`);
          }
          await page.setInputFiles("#lines-import-form #f-file", {
            name: "lines.txt",
            mimeType: "text/plain",
            buffer: Buffer.from("101,Front desk\n103,Store\n104,Support\n"),
          });
          await page.selectOption("#lines-import-form #f-mode", "replace");
          await page.click("#lines-import-form button[type=submit]");
          await page.waitForSelector("#import-preview");
          const preview = await page.textContent("#import-preview") ?? "";
          assert.match(preview, /lines\.txt would remove 1 line, add 1, change 1/);
          assert.match(preview, /− 102 Sales/);
          assert.match(preview, /\+ 104 Support/);
          assert.match(preview, /~ 101: Reception → Front desk/);
          assert.equal(await page.locator('tr[data-number="102"]').count(), 1, "nothing removed yet");
          await run.screenshot("lines-import-01-replace-preview");

          await page.click("#import-confirm button[type=submit]");
          await page.waitForSelector("#import-report");
          assert.match(
            await page.textContent("#import-report") ?? "",
            /1 line added, 1 changed, 1 unchanged, 1 removed/,
          );
          assert.equal(await page.locator('tr[data-number="102"]').count(), 0);
          assert.equal(await page.locator('tr[data-number="104"]').count(), 1);
          await run.screenshot("lines-import-02-replaced");

          // The live feed renders the header's mode region; on a real PBX it is empty.
          await page.goto(`${base}/licences`);
          // The feed sends every region once on connect (the badge shows "null" within a second when broken).
          await new Promise((r) => setTimeout(r, 2_500));
          assert.doesNotMatch(await page.textContent("header.top") ?? "", /null/);
          await run.screenshot("lines-import-03-licences-header");
          assert.deepEqual(run.pageErrors, []);
        }),
        120_000,
        "the Lines page replace import",
      );
    } finally {
      await proc.stop();
    }
  },
});
