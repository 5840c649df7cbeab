import assert from "node:assert/strict";
import { ManualClock } from "../../../../src/clock.ts";
import { createStatisticsApi } from "../../../../src/http/api/statistics_api.ts";
import { Logger } from "../../../../src/log/logger.ts";
import { StatisticsRecorder } from "../../../../src/statistics/statistics_recorder.ts";
import { StatisticsStore } from "../../../../src/statistics/statistics_store.ts";
import { apiCall } from "../../../support/api_call.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";

Deno.test("GET /api/statistics answers every series with ISO bucket times and null for gaps", async () => {
  const temp = await openTempDatabase();
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 10, 0, 0));
  const figures = {
    eventsIn: 0,
    callsFinished: 0,
    smdrRecords: 0,
    linkUp: true,
    linkConnects: 1,
    rssBytes: 0,
  };
  const recorder = new StatisticsRecorder({
    store: new StatisticsStore(() => temp.db),
    sample: () => ({ ...figures }),
    clock,
    log: new Logger("t", { sink: () => {} }),
  });
  try {
    await recorder.start();
    figures.callsFinished = 4;
    figures.rssBytes = 64 * 1024 * 1024;
    clock.advance(60_000);
    const call = apiCall("/api/statistics", createStatisticsApi(recorder));
    const res = await call("GET", "/api/statistics");
    assert.equal(res.status, 200);
    const { series } = await res.json();
    assert.deepEqual(series.map((s: { name: string }) => s.name), ["events", "calls", "smdr", "link", "rss"]);
    const calls = series[1];
    assert.equal(calls.unit, "calls");
    assert.equal(calls.bucketSeconds, 3600);
    assert.equal(calls.points.length, 24);
    assert.deepEqual(calls.points.at(-1), { at: "2026-12-07T10:00:00.000Z", value: 4 });
    assert.deepEqual(calls.points.at(-2), { at: "2026-12-07T09:00:00.000Z", value: null });
    assert.equal(calls.to, "2026-12-07T11:00:00.000Z");

    const one = await (await call("GET", "/api/statistics?series=rss")).json();
    assert.equal(one.series.length, 1);
    assert.equal(one.series[0].points.at(-1).value, 64);

    const wrong = await call("GET", "/api/statistics?series=cpu");
    assert.equal(wrong.status, 400);
    assert.match((await wrong.json()).error.message, /series: one of events, calls, smdr, link, rss/);

    temp.db.close();
    const down = await call("GET", "/api/statistics");
    assert.equal(down.status, 503);
    assert.equal((await down.json()).error.code, "statistics_unavailable");
  } finally {
    await recorder.stop();
    await temp.close();
  }
});
