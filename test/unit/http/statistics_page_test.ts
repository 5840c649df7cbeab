import assert from "node:assert/strict";
import { SERIES } from "../../../src/statistics/statistic_series.ts";
import { StatisticsStore } from "../../../src/statistics/statistics_store.ts";
import { Browser, webFixture } from "./web_fixture.ts";

Deno.test("the Statistics page draws every series from the store, linked from the dashboard and the menu", async () => {
  const f = await webFixture();
  try {
    const minute = Math.floor(f.clock.now() / 60_000) * 60_000 - 60_000;
    new StatisticsStore(() => f.db).writeMinute(
      SERIES,
      minute,
      { calls: 12, link: 1, rss: 80 * 1024 * 1024 },
      f.clock.now(),
    );
    const b = new Browser(f.app);
    await b.loginAndChangePassword();
    const dashboard = await b.page("/");
    assert.match(dashboard.html, /<a href="\/statistics">Statistics<\/a>/);
    const { res, html } = await b.page("/statistics");
    assert.equal(res.status, 200);
    assert.equal(html.match(/<figure class="chart axis-chart"/g)?.length, 5);
    for (const s of SERIES) {
      assert.match(html, new RegExp(`<title id="chart-${s.name}-title">${RegExp.escape(s.title)}</title>`));
    }
    assert.match(html, /Calls per hour, last 24 h: highest 12 calls \(2026-03-01 11:00\)/);
    assert.match(html, /PBX link up, last 7 days: highest 100 % of minutes/);
    assert.match(html, /Memory \(RSS\), last 24 h: highest 80 MiB/);
    assert.match(html, /Events per second from the PBX, last 24 h: no data recorded yet\./);
    assert.match(html, /SMDR records per day, last 30 days: no data recorded yet\./);
    const api = await b.page("/api/statistics");
    assert.equal(JSON.parse(api.html).series.length, 5);
  } finally {
    await f.close();
  }
});
