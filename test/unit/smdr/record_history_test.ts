// The SMDR history over a real SQLite file: records made through the real service and outbox, searched by
// every filter against a scan of the same records, downloaded as CSV and raw text, streamed page by page.

import assert from "node:assert/strict";
import { createSmdrApi, DOWNLOAD_PAGE } from "../../../src/http/api/smdr_api.ts";
import { ManualClock } from "../../../src/clock.ts";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { Outbox } from "../../../src/smdr/outbox.ts";
import { parseRecord, RECORD_LINE_END } from "../../../src/smdr/record.ts";
import type { HistoryFilter, RecordHistory } from "../../../src/smdr/record_history.ts";
import { SMDR_EVENT_TYPES, type SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { SmdrService } from "../../../src/smdr/smdr_service.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { loopbackEnv } from "../../support/api_call.ts";

const START = new Date(2026, 10, 1, 8, 0, 0).getTime();
const STEP = 17 * 60_000;

function eventOf(i: number, at: number): SmdrEvent {
  const type = SMDR_EVENT_TYPES[i % SMDR_EVENT_TYPES.length];
  return {
    event: type,
    at: new Date(at),
    direction: i % 3 === 0 ? "OUT" : "IN",
    callStart: new Date(at),
    callSerial: i,
    trunk: String(92100 + (i % 4)),
    extension: String(1800 + (i % 9)),
    sourceExtension: type === "TRANSFERRED" || type === "DIVERTED" ? String(2500 + (i % 5)) : undefined,
    callerNumber: `0161555${String(i % 40).padStart(4, "0")}`,
    ddi: i % 3 === 0 ? undefined : `0800${String(i % 6).padStart(3, "0")}`,
  };
}

/** A service on a real file with `count` records, one every `step` ms (17 minutes) from 1 Nov 2026 08:00 local. */
async function withRecords(count: number, step = STEP) {
  const store = await openTempDatabase();
  // Only the test's bulk load skips the per-commit fsync; the code path (submit, format, append) is the real one.
  store.db.exec("PRAGMA synchronous = OFF");
  const clock = new ManualClock(START);
  const settings = { ...defaultSettings().smdr, localEnabled: false, pushEnabled: false };
  const service = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("smdr", { sink: () => {} }),
    clock,
  });
  await service.start();
  for (let i = 0; i < count; i++) {
    const result = service.submit(eventOf(i, clock.now()));
    assert.ok(result.ok);
    clock.advance(step);
  }
  const all = service.outbox.after(0, count + 1);
  assert.equal(all.length, count);
  const app = createSmdrApi(service);
  return {
    store,
    service,
    clock,
    all,
    request: (path: string) => app.request(path, {}, loopbackEnv),
    async close() {
      await service.stop();
      await store.close();
    },
  };
}

function everyPage(history: RecordHistory, filter: HistoryFilter, limit: number): number[] {
  const positions: number[] = [];
  let page = history.page(filter, "asc", limit);
  for (;;) {
    positions.push(...page.records.map((r) => r.position));
    if (!page.next) return positions;
    page = history.page(filter, "asc", limit, page.next);
  }
}

Deno.test("every history filter finds exactly the records a scan of the store finds, across pages", async () => {
  const box = await withRecords(2500);
  const from = START + 300 * STEP;
  const to = START + 1900 * STEP;
  const cases: [HistoryFilter, (f: ReturnType<typeof parseRecord>, createdAt: number) => boolean][] = [
    [{}, () => true],
    [{ from, to }, (_, at) => at >= from && at < to],
    [{ extension: "1803" }, (f) => f.extension === "0001803" || f.sourceExtension === "0001803"],
    [{ extension: "2502" }, (f) => f.sourceExtension === "0002502"],
    [{ trunk: "92102" }, (f) => f.trunk === "0092102"],
    [{ direction: "OUT" }, (f) => f.direction === "OUT"],
    [{ event: "TRANSFERRED" }, (f) => f.event === "TRANSFERRED"],
    [{ number: "50017" }, (f) => f.callerNumber.includes("50017")],
    [{ number: "0800004" }, (f) => f.ddi.includes("0800004")],
    [
      { from, to, direction: "IN", extension: "1801", event: "ANSWERED" },
      (f, at) =>
        at >= from && at < to && f.direction === "IN" && f.extension === "0001801" && f.event === "ANSWERED",
    ],
  ];
  for (const [filter, matches] of cases) {
    const expected = box.all.filter((r) => matches(parseRecord(r.record), r.createdAt)).map((r) =>
      r.position
    );
    assert.ok(expected.length > 0, `the data set has records for ${JSON.stringify(filter)}`);
    assert.deepEqual(everyPage(box.service.history, filter, 97), expected, JSON.stringify(filter));
    assert.equal(box.service.history.count(filter), expected.length);
  }
  const newest = box.service.history.page({ trunk: "92100" }, "desc", 3);
  assert.deepEqual(
    newest.records.map((r) => r.position),
    box.all.filter((r) => parseRecord(r.record).trunk === "0092100").map((r) => r.position).slice(-3)
      .reverse(),
  );
  await box.close();
});

Deno.test("a filter on extension or trunk is answered from an index, not a scan of the table", async () => {
  const box = await withRecords(50);
  for (
    const [column, index] of [["rec_extension", "smdr_record_extension"], ["rec_trunk", "smdr_record_trunk"]]
  ) {
    const plan = box.store.db.prepare(
      `EXPLAIN QUERY PLAN SELECT position FROM smdr_record WHERE ${column} = ?`,
    )
      .all("0001801") as { detail: string }[];
    assert.ok(plan.some((p) => p.detail.includes(index)), JSON.stringify(plan));
  }
  await box.close();
});

Deno.test("CSV and text downloads of a filtered range are exactly the records asked for", async () => {
  const box = await withRecords(2500);
  const fromText = "2026-11-05";
  const toText = "2026-11-20T12:30";
  const from = new Date(2026, 10, 5).getTime();
  const to = new Date(2026, 10, 20, 12, 30).getTime();
  const expected = box.all.filter((r) => {
    const f = parseRecord(r.record);
    return r.createdAt >= from && r.createdAt < to && f.direction === "IN";
  }).map((r) => r.record);
  assert.ok(expected.length > DOWNLOAD_PAGE, "more than one page of the store is downloaded");
  const query = `from=${fromText}&to=${toText}&direction=in`;

  const text = await box.request(`/records?${query}&format=text`);
  assert.equal(text.status, 200);
  assert.match(text.headers.get("content-type")!, /^text\/plain/);
  assert.equal(await text.text(), expected.map((r) => r + RECORD_LINE_END).join(""));

  const csv = await box.request(`/records?${query}&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get("content-disposition")!, /smdr-records\.csv/);
  const rows = (await csv.text()).split("\r\n").filter((l) => l !== "");
  assert.equal(rows[0].split(",").at(-1), "record");
  const raw = rows.slice(1).map((row) => row.slice(-162));
  assert.deepEqual(raw, expected);
  assert.equal(rows[1].split(",")[2], parseRecord(expected[0]).date);

  const json = await (await box.request(`/records?${query}&limit=40&order=asc`)).json();
  assert.equal(json.total, expected.length);
  assert.deepEqual(json.records.map((r: { record: string }) => r.record), expected.slice(0, 40));
  const next = await (await box.request(`/records?${query}&limit=40&order=asc&cursor=${json.nextCursor}`))
    .json();
  assert.deepEqual(next.records.map((r: { record: string }) => r.record), expected.slice(40, 80));
  await box.close();
});

Deno.test("bad history filters are refused with 400 naming the field", async () => {
  const box = await withRecords(5);
  for (
    const [query, field] of [
      ["from=yesterday", "from"],
      ["to=2026-13-01", "to"],
      ["from=2026-11-02&to=2026-11-01", "to"],
      ["direction=sideways", "direction"],
      ["event=PICKED_UP", "event"],
      ["extension=18%2001", "extension"],
      ["trunk=%7C", "trunk"],
      ["number=0161;DROP", "number"],
      ["format=pdf", "format"],
      ["limit=0", "limit"],
      ["cursor=abc", "cursor"],
    ]
  ) {
    const res = await box.request(`/records?${query}`);
    assert.equal(res.status, 400, query);
    const body = await res.json();
    assert.equal(body.error.field, field, query);
    assert.match(body.error.message, new RegExp(`^${field}: `));
  }
  const unknown = await box.request("/records?extensoin=1801");
  assert.equal(unknown.status, 400);
  assert.match((await unknown.json()).error.message, /extensoin/);
  await box.close();
});

Deno.test("a download of 100,000 records streams: the first bytes arrive after one page of the store", async () => {
  const box = await withRecords(100_000, 1000);
  let pagesRead = 0;
  const history = box.service.history;
  const app = createSmdrApi({
    ...box.service,
    status: () => box.service.status(),
    contacts: box.service.contacts,
    ddiNames: box.service.ddiNames,
    history: {
      page: (...args: Parameters<RecordHistory["page"]>) => (pagesRead++, history.page(...args)),
      count: (filter: HistoryFilter) => history.count(filter),
    },
  });
  const res = await app.request("/records?format=text", {}, loopbackEnv);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.ok(first.value && first.value.length > 0);
  assert.ok(pagesRead <= 2, `${pagesRead} pages read before the first bytes went out`);
  let bytes = first.value.length;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    lines++;
  }
  assert.equal(bytes, 100_000 * (162 + 2));
  assert.equal(pagesRead, Math.ceil(100_000 / DOWNLOAD_PAGE));
  assert.ok(lines > 0);
  await box.close();
});

Deno.test("the history keeps records by days and by count, but never the replay or an unread push backlog", async () => {
  const store = await openTempDatabase();
  store.db.exec("PRAGMA synchronous = OFF");
  const clock = new ManualClock(START);
  const outbox = new Outbox(() => store.db, clock);
  const day = 86_400_000;
  for (let i = 0; i < 100; i++) outbox.append(`record ${i}`), clock.advance(day / 4); // 25 days
  // By age: 10 days keep the last 40 records (4 a day).
  assert.equal(outbox.prune(10, { days: 10, records: 1_000_000 }), 60);
  assert.equal(outbox.storedCount(), 40);
  // By count.
  assert.equal(outbox.prune(10, { days: 90, records: 25 }), 15);
  assert.equal(outbox.storedCount(), 25);
  // The replay history stays whatever the retention.
  clock.advance(365 * day);
  assert.equal(outbox.prune(10, { days: 1, records: 25 }), 15);
  assert.equal(outbox.storedCount(), 10);
  // An unread push backlog stays too.
  outbox.setPushCursor(outbox.lastPosition());
  for (let i = 0; i < 30; i++) outbox.append(`later ${i}`);
  clock.advance(365 * day);
  const unreadFrom = outbox.pushReadPosition()!;
  outbox.prune(10, { days: 1, records: 25 });
  assert.equal(outbox.after(0, 1)[0].position, unreadFrom + 1);
  assert.equal(outbox.storedCount(), 30);
  await store.close();
});

Deno.test("a page past the middle, read from the other end, is the page an offset from the start gives", async () => {
  // One record every 30 s, and all in the same millisecond (step 0): the order's tie-break by position.
  for (const step of [30_000, 0]) {
    const box = await withRecords(137, step);
    try {
      const history = box.service.history;
      for (const filter of [{}, { direction: "IN" as const }, { extension: "1803" }]) {
        const total = history.count(filter);
        for (const order of ["asc", "desc"] as const) {
          for (let offset = 0; offset < total + 10; offset += 10) {
            const forward = history.page(filter, order, 10, undefined, offset);
            const fromEnd = history.page(filter, order, 10, undefined, offset, total);
            const what = `step ${step} ${JSON.stringify(filter)} ${order} offset ${offset} of ${total}`;
            assert.deepEqual(fromEnd, forward, what);
          }
        }
      }
    } finally {
      await box.close();
    }
  }
});
