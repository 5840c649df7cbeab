// The frame of every page in Debian's Chromium, at 1366 and at 390 px: on a phone the menu is one
// button that opens the whole menu (not a sideways strip cut off after a few entries), the keyboard
// focus is plainly visible on the dark top bar and on the page, and an unknown page is a page that says
// so with the way back. Screenshots are saved under test-output/e2e/.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { pageWidth, withBrowser, within } from "./browser.ts";

const PASSWORD = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";

async function firstLogin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", "admin");
  await page.fill("#f-password", PASSWORD);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((url) => url.pathname === "/password");
  await page.fill("#f-current", PASSWORD);
  await page.fill("#f-password", CHOSEN);
  await page.fill("#f-repeat", CHOSEN);
  await page.click("#password-form button[type=submit]");
  await page.waitForURL((url) => url.pathname === "/");
}

async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", "admin");
  await page.fill("#f-password", CHOSEN);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** The focus ring's computed outline of the focused element. */
function focusRing(page: Page) {
  return page.locator(":focus").evaluate((el) => {
    type Style = { outlineWidth: string; outlineStyle: string; boxShadow: string };
    const style = (globalThis as unknown as { getComputedStyle(e: unknown): Style }).getComputedStyle(el);
    return { width: parseFloat(style.outlineWidth), style: style.outlineStyle, shadow: style.boxShadow };
  });
}

Deno.test({
  name:
    "the page frame at 1366 and 390 px: a folding menu on phones (with and without script), a visible focus ring, a 404 page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-e2e-layout-" });
    const proc: CstaboxProcess = await startCstabox([
      "--data-dir",
      dataDir,
      "--demo",
      ...loopbackFlags,
      "--admin-password",
      PASSWORD,
    ], { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base);
          await page.waitForSelector("#pbx-state");
          assert.equal(
            await page.locator(".menu-button").isVisible(),
            false,
            "no menu button on a wide screen",
          );
          assert.equal(await page.locator("nav.menu a").first().isVisible(), true);
          // Keyboard focus on the dark top bar and on the page.
          await page.locator("nav.menu a").nth(1).focus();
          await page.keyboard.press("Shift+Tab");
          await page.keyboard.press("Tab");
          const ring = await focusRing(page);
          assert.ok(ring.width >= 3 && ring.style === "solid", `a 3 px solid ring: ${JSON.stringify(ring)}`);
          assert.notEqual(ring.shadow, "none", "a second, light ring shows it on the dark bar");
          await run.screenshot("20-focus-ring-1366");
          const missing = await page.goto(`${base}/no-such-page`);
          assert.equal(missing?.status(), 404);
          assert.equal(await page.locator("h1").textContent(), "Page not found");
          assert.equal(await page.locator("main a[href='/']").count(), 1, "a way back to the dashboard");
          assert.equal(await page.locator("nav.menu a").count() >= 13, true, "with the menu");
          await run.screenshot("21-not-found-1366");
          // A refused edit of the settings file: the pages keep working and the SMDR form shows it.
          const file = `${dataDir}/cstabox.yaml`;
          const original = await Deno.readTextFile(file);
          await Deno.writeTextFile(file, original.replace(/maxCollectors: \d+/, "maxCollectors: lots"));
          for (let i = 0; i < 100; i++) {
            const res = await page.goto(`${base}/smdr`);
            assert.equal(res?.status(), 200);
            // The form reads the file at once; the banner follows when the file watcher has refused it.
            if (await page.locator("#smdr-settings-refused, #settings-problem").count() === 2) break;
            await page.waitForTimeout(100);
          }
          assert.match(
            await page.locator("#smdr-settings-refused").textContent() ?? "",
            /smdr\.maxCollectors/,
          );
          assert.match(await page.locator("#settings-problem").textContent() ?? "", /an edit was refused/);
          await page.locator("#smdr-settings-refused").scrollIntoViewIfNeeded();
          await run.screenshot("25-settings-refused-1366");
          await Deno.writeTextFile(file, original);
          assert.deepEqual(run.pageErrors, []);
        }, { viewport: { width: 1366, height: 900 } }),
        60_000,
        "wide screen",
      );
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await logIn(page, base);
          await page.waitForSelector("#pbx-state");
          const button = page.locator(".menu-button");
          const fold = page.locator("details.menu-fold");
          assert.equal(await button.isVisible(), true, "a menu button on a phone");
          assert.equal(await fold.getAttribute("open"), null);
          assert.equal(await page.locator("nav.menu").isVisible(), false, "the menu is folded away");
          await run.screenshot("22-phone-menu-closed");
          await button.click();
          assert.equal(await fold.getAttribute("open"), "");
          const links = page.locator("nav.menu a");
          const count = await links.count();
          assert.ok(count >= 13);
          for (let i = 0; i < count; i++) {
            const box = await links.nth(i).boundingBox();
            assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `entry ${i} lies within the screen`);
            assert.ok(await links.nth(i).isVisible(), `entry ${i} is visible`);
          }
          const width = await pageWidth(page);
          assert.ok(width <= 390, `nothing runs off the side (${width} px)`);
          await run.screenshot("23-phone-menu-open");
          await page.goto(`${base}/no-such-page`);
          await run.screenshot("24-phone-not-found");
          assert.deepEqual(run.pageErrors, []);
        }, { viewport: { width: 390, height: 844 } }),
        60_000,
        "phone",
      );
      await within(
        withBrowser(async (run) => {
          // Without any script the menu still folds: the <details> opens and closes by itself.
          const { page } = run;
          await logIn(page, base);
          await page.goto(`${base}/lines`);
          assert.equal(await page.locator("nav.menu").isVisible(), false, "folded without script");
          await page.locator(".menu-button").click();
          assert.equal(await page.locator("nav.menu a[href='/lines']").isVisible(), true);
          assert.equal(await page.locator("nav.menu a[href='/lines']").getAttribute("aria-current"), "page");
          await page.locator(".menu-button").click();
          assert.equal(await page.locator("nav.menu").isVisible(), false, "and folds again");
        }, { viewport: { width: 390, height: 844 }, javaScriptEnabled: false }),
        60_000,
        "phone without script",
      );
      await within(
        withBrowser(async (run) => {
          // Wide without script: every entry shows beside the brand, no Menu button.
          const { page } = run;
          await logIn(page, base);
          assert.equal(await page.locator(".menu-button").isVisible(), false);
          assert.equal(await page.locator("nav.menu a[href='/system']").isVisible(), true);
        }, { viewport: { width: 1366, height: 900 }, javaScriptEnabled: false }),
        60_000,
        "wide without script",
      );
    } finally {
      assert.equal(await proc.stop(), 0);
    }
  },
});
