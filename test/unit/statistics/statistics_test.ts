// The statistics behind the charts: bucket edges, gaps where cstabox was off, pruning to a fixed number of
// rows, and the minute's values, with a ManualClock and a real SQLite file.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { Logger } from "../../../src/log/logger.ts";
import { readCharts } from "../../../src/statistics/statistic_charts.ts";
import {
  DAY_MS,
  HOUR_MS,
  maxRows,
  MINUTE_MS,
  SERIES,
  type SeriesDefinition,
  seriesNamed,
} from "../../../src/statistics/statistic_series.ts";
import {
  minuteValues,
  StatisticsRecorder,
  type StatisticsSample,
} from "../../../src/statistics/statistics_recorder.ts";
import { StatisticsStore } from "../../../src/statistics/statistics_store.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const events = seriesNamed("events")!;
const calls = seriesNamed("calls")!;
const link = seriesNamed("link")!;
const rss = seriesNamed("rss")!;
const smdr = seriesNamed("smdr")!;

function quietLogger(lines: string[] = []): Logger {
  return new Logger("test", { level: "warn", sink: (line) => lines.push(line) });
}

/** The chart of `series` at `now` with these minutes stored, read back through the store's bucketing. */
async function chartWith(series: SeriesDefinition, minutes: { at: number; value: number }[], now: number) {
  const temp = await openTempDatabase();
  try {
    const store = new StatisticsStore(() => temp.db);
    for (const m of minutes) store.writeMinute([series], m.at, { [series.name]: m.value }, now);
    return readCharts(store, now, [series])[0];
  } finally {
    await temp.close();
  }
}

Deno.test("a chart's buckets start at multiples of their width and end with the bucket under way", async () => {
  const now = T0 + 25 * MINUTE_MS; // 10:25, in the 10:00 hour
  const chart = await chartWith(calls, [], now);
  assert.equal(chart.points.length, 24);
  assert.equal(chart.to, T0 + HOUR_MS);
  assert.equal(chart.from, T0 + HOUR_MS - DAY_MS);
  assert.equal(chart.points.at(-1)!.at, T0);
  assert.ok(chart.points.every((p, i) => p.at === chart.from + i * HOUR_MS));
});

Deno.test("a row at a bucket's start and one in its last minute fall into it; the next start does not", async () => {
  const now = T0 + 5 * MINUTE_MS;
  const rows = [
    { at: T0 - HOUR_MS, value: 2 }, // 09:00, first minute of the 09 bucket
    { at: T0 - MINUTE_MS, value: 3 }, // 09:59, its last minute
    { at: T0, value: 7 }, // 10:00, the next bucket
  ];
  const points = (await chartWith(calls, rows, now)).points;
  assert.deepEqual(points.slice(-2), [{ at: T0 - HOUR_MS, value: 5 }, { at: T0, value: 7 }]);
  // Rows before the chart's first bucket are not in it (nor in its first bucket).
  const first =
    (await chartWith(calls, [{ at: T0 + HOUR_MS - DAY_MS - MINUTE_MS, value: 9 }], now)).points[0];
  assert.equal(first.value, null);
});

Deno.test("a bucket without rows is a gap (null), one with rows of zero is a zero", async () => {
  const now = T0 + 5 * MINUTE_MS;
  const chart = await chartWith(calls, [{ at: T0 - 3 * HOUR_MS, value: 0 }, { at: T0, value: 1 }], now);
  assert.deepEqual(chart.points.slice(-4).map((p) => p.value), [0, null, null, 1]);
});

Deno.test("events are a mean rate over the recorded minutes; the link a share of minutes up; memory MiB", async () => {
  const now = T0;
  // Two recorded minutes in the 10:00 quarter: 120 + 0 events in 120 s.
  const rate = await chartWith(events, [{ at: T0, value: 120 }, { at: T0 + MINUTE_MS, value: 0 }], now);
  assert.equal(rate.points.at(-1)!.value, 1);
  const up = Array.from({ length: 4 }, (_, i) => ({ at: T0 + i * MINUTE_MS, value: i === 0 ? 0 : 1 }));
  assert.equal((await chartWith(link, up, now)).points.at(-1)!.value, 75);
  const mib = 1024 * 1024;
  const memory = await chartWith(rss, [{ at: T0, value: 100 * mib }, {
    at: T0 + MINUTE_MS,
    value: 101 * mib,
  }], now);
  assert.equal(memory.points.at(-1)!.value, 100.5);
  assert.equal((await chartWith(smdr, [], now)).points.length, 30);
  assert.equal((await chartWith(link, [], now)).points.length, 168);
});

Deno.test("a minute's values: counter growth, a counter that restarted, a restored store, the link up only when never down", () => {
  const at = (over: Partial<StatisticsSample>): StatisticsSample => ({
    eventsIn: 100,
    callsFinished: 10,
    smdrRecords: 500,
    linkUp: true,
    linkConnects: 1,
    rssBytes: 64,
    ...over,
  });
  assert.deepEqual(minuteValues(at({}), at({ eventsIn: 160, callsFinished: 12, smdrRecords: 503 })), {
    events: 60,
    calls: 2,
    smdr: 3,
    link: 1,
    rss: 64,
  });
  assert.equal(minuteValues(at({}), at({ eventsIn: 7 })).events, 7);
  // The SMDR position is the store's: it goes back only when a restore replaced the database.
  assert.equal(minuteValues(at({}), at({ smdrRecords: 120 })).smdr, 0);
  assert.equal(minuteValues(at({}), at({ linkConnects: 2 })).link, 0);
  assert.equal(minuteValues(at({ linkUp: false }), at({})).link, 0);
  assert.equal(minuteValues(at({}), at({ linkUp: false })).link, 0);
});

/** Figures of an idle appliance with its link up, for the test to move. */
function idle(): StatisticsSample {
  return { eventsIn: 0, callsFinished: 0, smdrRecords: 0, linkUp: true, linkConnects: 1, rssBytes: 1 };
}

/** A recorder on a real database with counters the test moves. */
function rig(db: () => import("node:sqlite").DatabaseSync, clock: ManualClock, figures: StatisticsSample) {
  const store = new StatisticsStore(db);
  const recorder = new StatisticsRecorder({
    store,
    sample: () => ({ ...figures }),
    clock,
    log: quietLogger(),
  });
  return { store, recorder };
}

Deno.test("each minute is stored in its bucket, the stop writes the minute under way, a restart keeps them", async () => {
  const temp = await openTempDatabase();
  try {
    const clock = new ManualClock(T0 + 20_000); // 10:00:20
    const figures = { ...idle(), smdrRecords: 40, rssBytes: 50 * 1024 * 1024 };
    const { store, recorder } = rig(() => temp.db, clock, figures);
    await recorder.start();
    figures.eventsIn = 600;
    figures.smdrRecords = 42;
    clock.advance(40_000); // 10:01:00: the 10:00 minute ends
    figures.eventsIn = 1200;
    figures.callsFinished = 3;
    clock.advance(30_000); // 10:01:30
    await recorder.stop();
    assert.equal(clock.pendingTimers, 0);
    assert.deepEqual(store.rows("events", 0, Infinity), [
      { at: T0, value: 600 },
      { at: T0 + MINUTE_MS, value: 600 },
    ]);
    assert.deepEqual(store.rows("calls", 0, Infinity).map((r) => r.value), [0, 3]);
    assert.deepEqual(store.rows("smdr", 0, Infinity), [{ at: T0, value: 2 }]); // hourly rows
    assert.deepEqual(store.rows("link", 0, Infinity).map((r) => r.value), [1, 1]);

    // A restart within the same minute: the counts add up in it, the charts still read them.
    temp.reopen();
    figures.eventsIn = 0; // the switchboard's counter starts again with the process
    const again = rig(() => temp.db, clock, figures);
    await again.recorder.start();
    figures.eventsIn = 60;
    clock.advance(30_000); // 10:02:00
    assert.deepEqual(again.store.rows("events", 0, Infinity).map((r) => r.value), [600, 660]);
    const chart = again.recorder.charts().find((c) => c.name === "events")!;
    assert.equal(chart.points.at(-1)!.value, 1260 / 120); // two recorded minutes in the quarter
    await again.recorder.stop();
  } finally {
    await temp.close();
  }
});

Deno.test("the hours cstabox was off are gaps in the charts, not zeros", async () => {
  const temp = await openTempDatabase();
  try {
    const clock = new ManualClock(T0);
    const figures = idle();
    const first = rig(() => temp.db, clock, figures);
    await first.recorder.start();
    clock.advance(HOUR_MS); // 10:00 to 11:00 recorded
    await first.recorder.stop();
    clock.advance(2 * HOUR_MS); // off from 11:00 to 13:00
    temp.reopen();
    const second = rig(() => temp.db, clock, figures);
    await second.recorder.start();
    clock.advance(HOUR_MS); // 13:00 to 14:00 recorded
    const linkChart = second.recorder.charts().find((c) => c.name === "link")!;
    const byHour = (h: number) => linkChart.points.find((p) => p.at === T0 + h * HOUR_MS)!.value;
    assert.equal(byHour(-1), null); // before cstabox ever ran
    assert.equal(byHour(0), 100);
    assert.equal(byHour(1), 100); // only the stop's 11:00 minute, up
    assert.equal(byHour(2), null); // off the whole hour
    assert.equal(byHour(3), 100);
    const callChart = second.recorder.charts().find((c) => c.name === "calls")!;
    assert.equal(callChart.points.find((p) => p.at === T0 + 2 * HOUR_MS)!.value, null);
    assert.equal(callChart.points.find((p) => p.at === T0 + 3 * HOUR_MS)!.value, 0);
    await second.recorder.stop();
  } finally {
    await temp.close();
  }
});

Deno.test("rows past a series' range are pruned: a day and more of running keeps a fixed number", async () => {
  const temp = await openTempDatabase();
  try {
    const clock = new ManualClock(T0);
    const figures = idle();
    const { store, recorder } = rig(() => temp.db, clock, figures);
    await recorder.start();
    for (let minute = 0; minute < DAY_MS / MINUTE_MS + 180; minute++) {
      figures.eventsIn += 5;
      clock.advance(MINUTE_MS);
    }
    for (const name of ["events", "rss"] as const) {
      const rows = store.rows(name, 0, Infinity);
      assert.ok(rows.length <= maxRows(seriesNamed(name)!), `${name}: ${rows.length}`);
      assert.ok(rows[0].at >= clock.now() - DAY_MS - 15 * MINUTE_MS, `${name} keeps nothing older`);
    }
    assert.equal(store.rows("link", 0, Infinity).length, DAY_MS / MINUTE_MS + 180); // kept 7 days
    // The fixed cost, every series at its longest: about 15,000 rows.
    assert.equal(SERIES.reduce((n, s) => n + maxRows(s), 0) < 16_000, true);
    await recorder.stop();
  } finally {
    await temp.close();
  }
});

Deno.test("a figure that cannot be read leaves the minute empty; a refused write degrades, then recovers", async () => {
  const temp = await openTempDatabase();
  try {
    const clock = new ManualClock(T0);
    let failRead = false;
    const figures = idle();
    const store = new StatisticsStore(() => temp.db);
    const lines: string[] = [];
    const recorder = new StatisticsRecorder({
      store,
      sample: () => {
        if (failRead) throw new Error("switchboard gone");
        return { ...figures };
      },
      clock,
      log: quietLogger(lines),
    });
    await recorder.start();
    clock.advance(MINUTE_MS); // 10:00 written
    failRead = true;
    clock.advance(MINUTE_MS); // 10:01: no reading
    failRead = false;
    clock.advance(MINUTE_MS); // 10:02: no reading at its start
    clock.advance(MINUTE_MS); // 10:03 written
    assert.deepEqual(store.rows("rss", 0, Infinity).map((r) => (r.at - T0) / MINUTE_MS), [0, 3]);

    temp.db.exec("DROP TABLE statistic_sample");
    clock.advance(MINUTE_MS);
    clock.advance(MINUTE_MS);
    assert.equal(recorder.status().state, "degraded");
    assert.match(recorder.status().reason!, /figures not stored: .*statistic_sample/);
    assert.equal(lines.filter((l) => l.includes("figures not stored")).length, 1);
    temp.db.exec(
      "CREATE TABLE statistic_sample (series TEXT NOT NULL, at INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series, at)) WITHOUT ROWID",
    );
    clock.advance(MINUTE_MS);
    assert.equal(recorder.status().state, "running");
    await recorder.stop();
  } finally {
    await temp.close();
  }
});
