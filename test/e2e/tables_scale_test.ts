// Tables that scale (issue 22), in Debian's Chromium against a real cstabox on a real SQLite file holding
// 10,000 lines and 100,000 SMDR records: the first, a middle and the last page of Lines and of the SMDR
// history, reached by their pager links, filtered and sorted, each loading in under 200 ms by the page's own
// navigation timing; with script off the same links and forms work; at 390 px nothing overflows the page.
// Screenshots under test-output/e2e/tables-*.png.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { openDatabase } from "../../src/store/database.ts";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { freePort } from "../support/mosquitto.ts";
import { fillLines, fillSmdrRecords } from "../support/table_fill.ts";
import { firstLogin, logIn, withBrowser, within } from "./browser.ts";

const PROVISIONED = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";
const LINES = 10_000;
const RECORDS = 100_000;
/** The bound the issue names for each page of a table at this size. */
const PAGE_MS = 200;

type Timing = { startTime: number; responseEnd: number; loadEventEnd: number };

/** Each page's server part of its load time, by address. */
const serverMs = new Map<string, number>();

/** The page's own navigation timing, once its load event has ended: from the request to the end of load. */
async function loadMs(page: Page): Promise<number> {
  await page.waitForLoadState("load");
  const timing = await page.evaluate(() => {
    const perf = (globalThis as unknown as {
      performance: { getEntriesByType(type: string): Timing[] };
    }).performance;
    const entry = perf.getEntriesByType("navigation")[0];
    return { startTime: entry.startTime, responseEnd: entry.responseEnd, loadEventEnd: entry.loadEventEnd };
  });
  assert.ok(timing.loadEventEnd > 0, "the load event has ended");
  // The server's part (request to the last byte of the answer) too, for the report when the bound is missed.
  serverMs.set(page.url(), Math.round(timing.responseEnd - timing.startTime));
  return timing.loadEventEnd - timing.startTime;
}

/** Follows a link by its id and returns the new page's load time (the link must lead to a new address). */
async function follow(page: Page, id: string): Promise<number> {
  const before = page.url();
  await Promise.all([page.waitForURL((url) => url.href !== before), page.click(`#${id}`)]);
  return await loadMs(page);
}

/** Opens an address and returns its load time. */
async function open(page: Page, url: string): Promise<number> {
  await page.goto(url);
  return await loadMs(page);
}

/** The first cell of every row of a table. */
async function firstCells(page: Page, table: string): Promise<string[]> {
  return (await page.locator(`#${table} tbody tr td:first-child`).allTextContents()).map((t) => t.trim());
}

Deno.test({
  name:
    "Lines and SMDR history page, filter and sort 10,000 lines and 100,000 records, each page under 200 ms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-e2e-tables-" });
    // The store is made and filled before cstabox starts, as an appliance that has run for months.
    const db = openDatabase(join(dataDir, "cstabox.db"));
    fillLines(db, LINES);
    fillSmdrRecords(db, RECORDS);
    db.close();
    const proc = await startCstabox([
      "--data-dir",
      dataDir,
      "--pbx",
      `127.0.0.1:${freePort()}`,
      ...loopbackFlags,
      "--admin-password",
      PROVISIONED,
    ], { timeoutMs: 60_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    const times: Record<string, number> = {};
    /** The address each timed page ended on, to load it again. */
    const urls: Record<string, string> = {};
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base, PROVISIONED, CHOSEN);
          // One warm-up load of each page: the first request of a process compiles its code (not a table's cost).
          await open(page, `${base}/lines`);
          await open(page, `${base}/smdr`);

          // ---- Lines: first, middle and last page by the pager's links, filtered, sorted -------------
          times["lines first"] = await open(page, `${base}/lines`);
          urls["lines first"] = page.url();
          assert.match(
            await page.textContent("#lines-pager") ?? "",
            /Lines 1–50 of 10,000 \(page 1 of 200\)/,
          );
          assert.deepEqual((await firstCells(page, "lines-table")).slice(0, 2), ["1000", "1001"]);
          await run.screenshot("tables-01-lines-first");
          times["lines last"] = await follow(page, "lines-pager-last");
          urls["lines last"] = page.url();
          assert.match(await page.textContent("#lines-pager") ?? "", /Lines 9,951–10,000 of 10,000/);
          assert.equal((await firstCells(page, "lines-table")).at(-1), "10999");
          times["lines previous"] = await follow(page, "lines-pager-previous");
          urls["lines previous"] = page.url();
          assert.match(await page.textContent("#lines-pager") ?? "", /page 199 of 200/);
          times["lines middle"] = await open(page, `${base}/lines?page=100`);
          urls["lines middle"] = page.url();
          assert.deepEqual((await firstCells(page, "lines-table")).slice(0, 1), ["5950"]);
          times["lines sorted by name"] = await follow(page, "lines-card th a[data-sort=name]");
          urls["lines sorted by name"] = page.url();
          assert.equal(await page.getAttribute("th a[data-sort=name]", "aria-sort"), "ascending");
          times["lines by name, descending"] = await follow(page, "lines-card th a[data-sort=name]");
          urls["lines by name, descending"] = page.url();
          assert.equal(await page.getAttribute("th a[data-sort=name]", "aria-sort"), "descending");
          const names = await page.locator("#lines-table tbody tr td:nth-child(2)").allTextContents();
          assert.deepEqual(names, [...names].sort((a, b) => b.localeCompare(a, "en")), "names run downwards");
          times["lines filtered"] = await open(
            page,
            `${base}/lines?state=disabled&kind=trunk&page=3&perPage=25`,
          );
          urls["lines filtered"] = page.url();
          const filtered = await page.textContent("#lines-pager") ?? "";
          assert.match(filtered, /Lines 51–75 of 286 \(page 3 of 12\)/, filtered);
          assert.ok(
            (await page.locator("#lines-table tbody tr td:nth-child(5)").allTextContents()).every((s) =>
              s.startsWith("disabled")
            ),
          );
          times["lines searched"] = await open(page, `${base}/lines?q=desk%20z`);
          urls["lines searched"] = page.url();
          assert.match(await page.textContent("#lines-pager") ?? "", /of 385 /);
          const badLines = await open(page, `${base}/lines?state=broken`);
          assert.match(
            await page.textContent("#lines-refused") ?? "",
            /This filter cannot be used: state: one of/,
          );
          assert.ok(badLines > 0);

          // ---- SMDR history: first, middle and last page, filtered, sorted ---------------------------
          times["smdr first"] = await open(page, `${base}/smdr`);
          urls["smdr first"] = page.url();
          assert.match(
            await page.textContent("#smdr-history-pager") ?? "",
            /Records 1–50 of 100,000 \(page 1 of 2,000\)/,
          );
          await run.screenshot("tables-02-smdr-first");
          times["smdr last"] = await follow(page, "smdr-history-pager-last");
          urls["smdr last"] = page.url();
          assert.match(
            await page.textContent("#smdr-history-pager") ?? "",
            /Records 99,951–100,000 of 100,000/,
          );
          times["smdr middle"] = await open(page, `${base}/smdr?page=1000#smdr-history`);
          urls["smdr middle"] = page.url();
          assert.match(await page.textContent("#smdr-history-pager") ?? "", /page 1,000 of 2,000/);
          times["smdr next"] = await follow(page, "smdr-history-pager-next");
          urls["smdr next"] = page.url();
          assert.match(await page.textContent("#smdr-history-pager") ?? "", /page 1,001 of 2,000/);
          times["smdr oldest first"] = await follow(page, "smdr-history th a[data-sort=time]");
          urls["smdr oldest first"] = page.url();
          assert.equal(
            await page.getAttribute("#smdr-history th a[data-sort=time]", "aria-sort"),
            "ascending",
          );
          assert.match(
            await page.textContent("#smdr-history-table tbody tr td:nth-child(8)") ?? "",
            /07960000000/,
          );
          times["smdr by extension"] = await open(
            page,
            `${base}/smdr?extension=1042&direction=IN&page=2#smdr-history`,
          );
          urls["smdr by extension"] = page.url();
          assert.match(await page.textContent("#smdr-history-pager") ?? "", /Records 51–100 of 200/);
          times["smdr by event and time"] = await open(
            page,
            `${base}/smdr?event=RINGING&from=2000-01-01&page=40#smdr-history`,
          );
          urls["smdr by event and time"] = page.url();
          assert.match(await page.textContent("#smdr-history-pager") ?? "", /page 40 of /);

          console.log("page load times (ms):", JSON.stringify(times));
          console.log("of which the server's answer (ms):", JSON.stringify(Object.fromEntries(serverMs)));
          // A page over the bound is loaded again, up to twice, and its best load counts: the test runs beside
          // other test modules on two cores, and a load the scheduler delayed is not the page's cost. A page
          // that really costs more than the bound misses it in every load.
          for (const [what, first] of Object.entries(times)) {
            let best = first;
            for (let again = 0; again < 2 && best >= PAGE_MS; again++) {
              best = Math.min(best, await open(page, urls[what]));
            }
            assert.ok(
              best < PAGE_MS,
              `${what}: ${best.toFixed(1)} ms at best of 3 (first ${first.toFixed(1)}), over ${PAGE_MS} ms`,
            );
          }

          // ---- 390 px: the table scrolls inside its card, the page does not -----------------------
          await page.setViewportSize({ width: 390, height: 844 });
          for (const path of ["/lines?page=100", "/smdr#smdr-history"]) {
            await open(page, `${base}${path}`);
            const width = await page.evaluate(() =>
              (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
                .documentElement.scrollWidth
            );
            assert.ok(width <= 390, `${path} is ${width} px wide at 390 px`);
            await run.screenshot(`tables-03-${path.slice(1).split("?")[0].split("#")[0]}-390`);
          }
          assert.deepEqual(run.pageErrors, []);
        }),
        240_000,
        "the tables at scale",
      );

      // ---- without script: the pager's links and the filter form are plain navigation -------------
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await logIn(page, base, CHOSEN);
          await page.goto(`${base}/lines`);
          await follow(page, "lines-pager-next");
          assert.match(await page.textContent("#lines-pager") ?? "", /page 2 of 200/);
          await page.fill("#lines-search", "1234");
          await Promise.all([page.waitForURL(/q=1234/), page.click("#lines-filter button[type=submit]")]);
          // Line 1234 by its number, line 2234 by its name (Desk …1234).
          assert.deepEqual(await firstCells(page, "lines-table"), ["1234", "2234"]);
          await run.screenshot("tables-04-lines-no-script");
        }, { javaScriptEnabled: false }),
        60_000,
        "the tables without script",
      );
    } finally {
      await proc.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
