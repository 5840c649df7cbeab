import assert from "node:assert/strict";
import { AxisChart, timeTicks, valueTicks } from "../../../src/http/pages/axis_chart.tsx";
import { RateChart, rateChart } from "../../../src/http/pages/dashboard.tsx";
import { toHtml } from "../../../src/http/pages/to_html.ts";
import { chartOf } from "../../../src/statistics/statistic_charts.ts";
import { HOUR_MS, seriesNamed } from "../../../src/statistics/statistic_series.ts";

const NOW = Date.UTC(2026, 11, 7, 10, 30, 0);

Deno.test("value ticks are round steps from zero to at or above the highest value", () => {
  assert.deepEqual(valueTicks(0), [0, 1]);
  assert.deepEqual(valueTicks(7), [0, 2, 4, 6, 8]);
  assert.deepEqual(valueTicks(100), [0, 50, 100]);
  assert.deepEqual(valueTicks(0.33), [0, 0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(valueTicks(1234), [0, 500, 1000, 1500]);
});

Deno.test("time ticks fall on whole UTC hours or days inside the chart", () => {
  const day = chartOf(seriesNamed("calls")!, [], NOW);
  assert.deepEqual(timeTicks(day).map((t) => new Date(t).toISOString().slice(11, 16)), [
    "12:00",
    "18:00",
    "00:00",
    "06:00",
  ]);
  const week = chartOf(seriesNamed("link")!, [], NOW);
  assert.equal(timeTicks(week).length, 7);
  assert.ok(timeTicks(week).every((t) => t % (24 * HOUR_MS) === 0 && t >= week.from && t < week.to));
});

Deno.test("the chart is an SVG with a title, both axes, tick labels, the unit, shaded gaps and a table", async () => {
  const chart = chartOf(
    seriesNamed("calls")!,
    [
      { at: NOW - 2.5 * HOUR_MS, sum: 7, rows: 1 },
      { at: NOW - 0.5 * HOUR_MS, sum: 0, rows: 1 },
    ],
    NOW,
  );
  const html = await toHtml(<AxisChart chart={chart} shape="bars" id="chart-calls" />);
  assert.match(
    html,
    /<svg viewBox="0 0 400 210" role="img" aria-labelledby="chart-calls-title chart-calls-desc">/,
  );
  assert.match(html, /<title id="chart-calls-title">Calls per hour<\/title>/);
  assert.equal(html.match(/class="axis"/g)?.length, 2 + timeTicks(chart).length);
  assert.match(html, /<text x="46" y="12" class="unit">calls<\/text>/);
  assert.match(html, />18:00<\/text>/);
  assert.match(html, />time \(UTC\)<\/text>/);
  assert.equal(html.match(/class="gap"/g)?.length, 22, "22 hours without a row");
  assert.equal(html.match(/class="bar"/g)?.length, 1, "one bar: a zero draws none");
  assert.match(html, /<td>2026-12-07 08:00<\/td><td class="num">7<\/td>/);
  assert.match(html, /<td>2026-12-07 09:00<\/td><td class="num">no data<\/td>/);
  assert.match(
    html,
    /highest 7 calls \(2026-12-07 08:00\), latest 0 calls \(2026-12-07 10:00\); no data for 22 of 24 hours/,
  );
});

Deno.test("a line chart lifts the pen over a gap", async () => {
  const series = seriesNamed("rss")!;
  const mib = 1024 * 1024;
  const rows = [0, 15, 45].map((m) => ({ at: NOW - 60 * 60_000 + m * 60_000, sum: 10 * mib, rows: 1 }));
  const html = await toHtml(<AxisChart chart={chartOf(series, rows, NOW)} shape="line" id="chart-rss" />);
  const d = html.match(/class="line" d="([^"]+)"/)![1];
  assert.deepEqual(d.match(/[ML]/g), ["M", "L", "M"]);
});

Deno.test("the dashboard's live rate chart places its samples by order, newest right, with 2-minute ticks", async () => {
  const at0 = Date.UTC(2026, 11, 7, 10, 0, 3);
  // Samples 5.1 s apart (a late timer): none is lost to a grid, none leaves a gap.
  const points = Array.from({ length: 60 }, (_, i) => ({ at: at0 + i * 5100, eventsIn: i, eventsOut: 0 }));
  const chart = rateChart({ points, intervalMs: 5000, now: points.at(-1)!.at + 200 });
  assert.equal(chart.points.length, 120);
  assert.deepEqual(chart.points.slice(0, 60).map((p) => p.value), Array(60).fill(null));
  assert.deepEqual(chart.points.slice(60).map((p) => p.value), points.map((p) => p.eventsIn));
  assert.equal(chart.to, points.at(-1)!.at + 5000);
  assert.equal(timeTicks(chart).length, 5);
  const html = await toHtml(<RateChart points={points} intervalMs={5000} now={chart.to} />);
  assert.match(html, /<title id="chart-live-rate-title">Events per second from the PBX<\/title>/);
  assert.match(html, />10:0[2-6]<\/text>/);
  assert.match(html, /last 10 min: highest 59 events\/s/);
  assert.doesNotMatch(html, /<details/, "no table in the live region");
});
