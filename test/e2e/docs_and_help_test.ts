// The documentation on the box and the rules page's help in Debian's Chromium at 390 px: a page's
// _Documentation_ link opens its document at the right heading, documents link to each other, and the
// regex help unfolds without script. Screenshots under test-output/e2e/.

import assert from "node:assert/strict";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { firstLogin, pageWidth, screenshotDir, withBrowser, within } from "./browser.ts";

const PASSWORD = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";

Deno.test({
  name: "a page's Documentation link opens its document at its heading; the rules help unfolds (390 px)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-e2e-docs-" });
    const proc = await startCstabox(
      ["--data-dir", dataDir, "--demo", ...loopbackFlags, "--admin-password", PASSWORD],
      { timeoutMs: 30_000 },
    );
    const base = `http://127.0.0.1:${proc.port("http")}`;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base, PASSWORD, CHOSEN);
          await page.goto(`${base}/trace`);
          await page.click("#page-doc");
          await page.waitForURL(`${base}/docs/web-ui.md#csta-trace`);
          assert.equal(await page.locator("h1").textContent(), "The web UI");
          const heading = page.locator("h2#csta-trace");
          assert.equal(await heading.textContent(), "CSTA trace");
          const top = await heading.evaluate((el) =>
            (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect().top
          );
          assert.ok(top >= -2 && top < 200, `scrolled to the heading (${top} px)`);
          // The viewport only: the whole document is too tall for a timely full-page screenshot.
          await page.screenshot({ path: `${screenshotDir}42-docs-web-ui-390.png` });
          // A document's link to another one works on the box.
          await page.locator("article.doc a[href='multiplexer.md#csta-trace']").first().click();
          await page.waitForURL(`${base}/docs/multiplexer.md#csta-trace`);
          assert.equal(await page.locator("h2#csta-trace").count(), 1);
          const width = await pageWidth(page);
          assert.ok(width <= 390, `the document fits the phone (${width} px)`);

          await page.goto(`${base}/numbers`);
          assert.equal(await page.locator("#regex-signs").isVisible(), false, "folded at first");
          await page.locator("#regex-help summary").click();
          assert.equal(await page.locator("#regex-signs").isVisible(), true);
          assert.match(await page.locator("#regex-examples").textContent() ?? "", /0301234567 → 301234567/);
          await page.locator("#regex-help").scrollIntoViewIfNeeded();
          await page.screenshot({ path: `${screenshotDir}43-rules-help-390.png` });
          assert.deepEqual(run.pageErrors, []);
        }, { viewport: { width: 390, height: 844 } }),
        60_000,
        "phone",
      );
    } finally {
      assert.equal(await proc.stop(), 0);
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
