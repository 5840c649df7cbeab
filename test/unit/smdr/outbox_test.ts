import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { localDay, Outbox } from "../../../src/smdr/outbox.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const line = (n: number) => `record ${n}`;

Deno.test("appended records get increasing positions and are on disk when append returns", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  const positions = [1, 2, 3].map((n) => outbox.append(line(n)).position);
  assert.deepEqual(positions, [1, 2, 3]);
  store.reopen();
  assert.deepEqual(outbox.after(0, 10).map((r) => [r.position, r.record]), [
    [1, "record 1"],
    [2, "record 2"],
    [3, "record 3"],
  ]);
  assert.equal(outbox.lastPosition(), 3);
  await store.close();
});

Deno.test("positions are never reused, even after every record was pruned", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  for (let n = 1; n <= 5; n++) outbox.append(line(n));
  store.db.exec("DELETE FROM smdr_record");
  store.reopen();
  assert.equal(outbox.lastPosition(), 5);
  assert.equal(outbox.append(line(6)).position, 6);
  await store.close();
});

Deno.test("the push backlog is what comes after the acknowledged position, and survives a reopen", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  outbox.append(line(1));
  outbox.setPushCursor(outbox.lastPosition());
  for (let n = 2; n <= 6; n++) outbox.append(line(n));
  assert.equal(outbox.backlog(), 5);
  assert.equal(outbox.acknowledge(3), true);
  assert.equal(outbox.acknowledge(2), false, "the cursor never moves back");
  store.reopen();
  assert.equal(outbox.pushCursor(), 3);
  assert.equal(outbox.backlog(), 3);
  assert.deepEqual(outbox.after(outbox.pushCursor()!, 10).map((r) => r.position), [4, 5, 6]);
  await store.close();
});

Deno.test("with push mode off there is no backlog to keep", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  for (let n = 1; n <= 30; n++) outbox.append(line(n));
  assert.equal(outbox.pushCursor(), null);
  assert.equal(outbox.backlog(), 0);
  assert.equal(outbox.prune(10), 20);
  assert.deepEqual(outbox.latest(100).map((r) => r.position), [...Array(10)].map((_, i) => 21 + i));
  await store.close();
});

Deno.test("pruning keeps the history and every record the push target was not shown to have read", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  outbox.setPushCursor(0);
  for (let n = 1; n <= 100; n++) outbox.append(line(n));
  outbox.acknowledge(60);
  assert.equal(outbox.prune(10), 0, "acknowledged but not read: kept for the replay on reconnect");
  outbox.markRead(40);
  assert.equal(outbox.pushCursor(), 60, "reading never moves the cursor back");
  assert.equal(outbox.prune(10), 40);
  assert.equal(outbox.after(0, 1)[0].position, 41);
  outbox.markRead(100);
  assert.equal(outbox.pushCursor(), 100, "a record shown read is delivered too");
  assert.equal(outbox.prune(10), 50);
  assert.equal(outbox.storedCount(), 10);
  await store.close();
});

Deno.test("a backlog cap drops the oldest undelivered records and counts them, across restarts", async () => {
  const store = await openTempDatabase();
  const outbox = new Outbox(() => store.db);
  outbox.setPushCursor(0);
  for (let n = 1; n <= 25; n++) outbox.append(line(n));
  assert.equal(outbox.capBacklog(0), 0, "0 means no cap");
  assert.equal(outbox.capBacklog(20), 5);
  assert.equal(outbox.pushCursor(), 5);
  assert.equal(outbox.backlog(), 20);
  outbox.append(line(26));
  assert.equal(outbox.capBacklog(20), 1);
  store.reopen();
  assert.equal(outbox.dropped(), 6);
  assert.equal(outbox.after(outbox.pushCursor()!, 1)[0].record, "record 7");
  await store.close();
});

Deno.test("records are counted per local day and the count outlives the records", async () => {
  const store = await openTempDatabase();
  const clock = new ManualClock(new Date(2026, 4, 1, 23, 59, 0).getTime());
  const outbox = new Outbox(() => store.db, clock);
  outbox.append(line(1));
  outbox.append(line(2));
  clock.advance(120_000);
  outbox.append(line(3));
  assert.equal(outbox.recordsOn("2026-05-01"), 2);
  assert.equal(outbox.recordsToday(), 1);
  assert.equal(localDay(clock.now()), "2026-05-02");
  outbox.prune(0);
  assert.equal(outbox.recordsOn("2026-05-01"), 2);
  await store.close();
});
