// The Statistics page in Debian's Chromium on a real cstabox: started, stopped (the stop writes the minute
// under way) and started again on the same data directory, the charts show what was recorded, with both
// axes, tick labels and the unit, readable at 1366 and 390 px. Screenshots under test-output/e2e/.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { firstLogin, logIn, pageWidth, withBrowser, within } from "./browser.ts";

const PASSWORD = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";

/** Each chart's axes, tick labels and unit as the browser lays them out. */
function chartShapes(page: Page) {
  return page.locator("figure.axis-chart").evaluateAll((figures) =>
    figures.map((figure) => {
      type El = {
        querySelectorAll(s: string): ArrayLike<El>;
        querySelector(s: string): El | null;
        textContent: string | null;
        getBoundingClientRect(): { width: number; right: number; left: number };
      };
      const f = figure as unknown as El;
      const svg = f.querySelector("svg")!;
      const box = svg.getBoundingClientRect();
      return {
        id: (figure as unknown as { id: string }).id,
        title: f.querySelector("svg title")?.textContent,
        unit: f.querySelector("text.unit")?.textContent,
        axes: f.querySelectorAll("svg > line.axis").length,
        ticks: Array.from(f.querySelectorAll("g.tick text")).map((t) => t.textContent),
        width: box.width,
        left: box.left,
        right: box.right,
        rows: Array.from(f.querySelectorAll("tbody tr td.num")).map((t) => t.textContent),
      };
    })
  );
}

Deno.test({
  name: "the Statistics page draws the recorded figures as charts with axes, on a wide screen and a phone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-e2e-statistics-" });
    const flags = ["--data-dir", dataDir, "--demo", ...loopbackFlags, "--admin-password", PASSWORD];
    const first = await startCstabox(flags, { timeoutMs: 30_000 });
    assert.equal(await first.stop(), 0);
    const proc = await startCstabox(flags, { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base, PASSWORD, CHOSEN);
          await page.click("#dash-rates a[href='/statistics']");
          await page.waitForURL((url) => url.pathname === "/statistics");
          const charts = await chartShapes(page);
          assert.deepEqual(charts.map((c) => c.title), [
            "Events per second from the PBX",
            "Calls per hour",
            "SMDR records per day",
            "PBX link up",
            "Memory (RSS)",
          ]);
          for (const chart of charts) {
            assert.equal(chart.axes, 2, `${chart.id}: a value axis and a time axis`);
            assert.ok(chart.ticks.length >= 5, `${chart.id}: tick labels ${chart.ticks.join(", ")}`);
            assert.ok(chart.unit, `${chart.id}: names its unit`);
          }
          assert.equal(charts[3].unit, "% of minutes");
          // The first run's stop wrote its minute: memory has a reading, measured in MiB.
          const rss = charts[4].rows.filter((v) => v !== "no data").map(Number);
          assert.ok(rss.length >= 1 && rss.every((mib) => mib > 10 && mib < 2000), `RSS in MiB: ${rss}`);
          const api = await page.request.get(`${base}/api/statistics?series=rss`);
          assert.equal(api.status(), 200);
          const points = (await api.json()).series[0].points as { value: number | null }[];
          assert.ok(points.some((p) => p.value !== null));
          await run.screenshot("40-statistics-1366");
          assert.deepEqual(run.pageErrors, []);
        }, { viewport: { width: 1366, height: 900 } }),
        60_000,
        "wide screen",
      );
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await logIn(page, base, CHOSEN);
          await page.goto(`${base}/statistics`);
          for (const chart of await chartShapes(page)) {
            assert.ok(chart.left >= 0 && chart.right <= 390, `${chart.id} lies within the screen`);
            assert.ok(chart.width >= 300, `${chart.id} uses the width (${chart.width} px)`);
          }
          // The 12-unit labels of the 400-unit view box read at 10 px or more.
          const fontPx = await page.locator("#chart-calls g.tick text").first().evaluate((el) =>
            (el as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height
          );
          assert.ok(fontPx >= 9, `tick labels ${fontPx} px high`);
          const width = await pageWidth(page);
          assert.ok(width <= 390, `nothing runs off the side (${width} px)`);
          await page.locator("#chart-link details summary").click();
          assert.equal(await page.locator("#chart-link tbody tr").count(), 168);
          await run.screenshot("41-statistics-390");
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
