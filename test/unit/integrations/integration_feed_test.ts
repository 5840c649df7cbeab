import assert from "node:assert/strict";
import type { CallRecord } from "../../../src/calls/call_record.ts";
import type { CallView, CallViewChange } from "../../../src/calls/call_view.ts";
import { ManualClock } from "../../../src/clock.ts";
import { IntegrationFeed } from "../../../src/integrations/integration_feed.ts";
import type { StoredRecord } from "../../../src/smdr/outbox.ts";
import { quietLog, record } from "../../support/webhook_rig.ts";

function feedRig(commitIntervalMs: number) {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 4));
  const onRecord = new Set<(r: CallRecord) => void>();
  const onSmdr = new Set<(r: StoredRecord) => void>();
  const commits: string[][] = [];
  let open: string[] | undefined;
  const feed = new IntegrationFeed({
    calls: {
      calls: () => [],
      onChange: () => () => {},
      onRecord: (l) => (onRecord.add(l), () => onRecord.delete(l)),
    },
    smdr: { onRecord: (l) => (onSmdr.add(l), () => onSmdr.delete(l)) },
    linkState: () => "ready",
    isLine: () => true,
    durably: (work) => {
      open = [];
      work();
      commits.push(open);
      open = undefined;
    },
    commitIntervalMs: () => commitIntervalMs,
    clock,
    log: quietLog(),
  });
  const seen: string[] = [];
  feed.subscribe((item) => {
    const id = item.kind === "callRecord" ? item.payload.id : item.kind;
    seen.push(id);
    open?.push(id);
  });
  feed.start();
  return { feed, clock, commits, seen, end: (r: CallRecord) => onRecord.forEach((l) => l(r)) };
}

Deno.test("records made within the commit interval reach every subscriber in one commit", () => {
  const rig = feedRig(100);
  const records = [record(), record(), record()];
  for (const r of records) rig.end(r);
  assert.deepEqual(rig.commits, [], "nothing before the interval is over");
  rig.clock.advance(100);
  assert.deepEqual(rig.commits, [records.map((r) => r.id)]);
  rig.end(records[0]);
  rig.feed.stop();
  assert.equal(rig.commits.length, 2, "stop commits what waits");
});

Deno.test("with no interval each record is its own commit", () => {
  const rig = feedRig(0);
  rig.end(record());
  rig.end(record());
  assert.equal(rig.commits.length, 2);
  rig.feed.stop();
});

Deno.test("the live view is not read while no subscriber wants line states or call events", () => {
  let reads = 0;
  const change = new Set<() => void>();
  const feed = new IntegrationFeed({
    calls: {
      calls: () => (reads++, []),
      onChange: (l) => (change.add(l), () => change.delete(l)),
      onRecord: () => () => {},
    },
    smdr: { onRecord: () => () => {} },
    linkState: () => "ready",
    isLine: () => true,
    clock: new ManualClock(0),
    log: quietLog(),
  });
  feed.start();
  let wanted = false;
  feed.subscribe(() => {}, (kind) => wanted && kind === "callEvent");
  change.forEach((l) => l());
  assert.equal(reads, 0);
  wanted = true;
  change.forEach((l) => l());
  assert.equal(reads, 1);
  feed.stop();
});

Deno.test("a change that names its calls is read without the whole view; a re-sync reads it all", () => {
  let reads = 0;
  const change = new Set<(c?: CallViewChange) => void>();
  const feed = new IntegrationFeed({
    calls: {
      calls: () => (reads++, []),
      onChange: (l) => (change.add(l), () => change.delete(l)),
      onRecord: () => () => {},
    },
    smdr: { onRecord: () => () => {} },
    linkState: () => "ready",
    isLine: (n) => n === "101" || n === "102",
    clock: new ManualClock(0),
    log: quietLog(),
  });
  feed.start();
  const events: string[] = [];
  feed.subscribe((item) => {
    if (item.kind === "callEvent") events.push(`${item.payload.line} ${item.payload.state}`);
  });
  const send = (c: CallViewChange) => change.forEach((l) => l(c));
  send({ all: false, calls: [], ended: [] });
  assert.equal(reads, 1, "the first change reads the whole view (nothing was kept before)");
  const call = (state: "alerting" | "connected"): CallView => ({
    callId: "0a01",
    firstSeen: "2026-12-07T04:00:00.000Z",
    direction: "internal",
    smdrCallId: null,
    trunk: null,
    extension: "102",
    callerNumber: null,
    contactName: null,
    ddi: null,
    accountCode: null,
    answered: state === "connected",
    connections: [
      { device: "101", kind: "extension", state: "connected", since: "2026-12-07T04:00:00.000Z" },
      { device: "102", kind: "extension", state, since: "2026-12-07T04:00:00.000Z" },
    ],
  });
  for (let i = 0; i < 1000; i++) {
    send({ all: false, calls: [call(i % 2 === 0 ? "alerting" : "connected")], ended: [] });
  }
  send({ all: false, calls: [], ended: ["0a01"] });
  assert.equal(reads, 1, "1000 changes named their call: the view was not read again");
  assert.equal(events.length, 2 + 999 * 2 + 4);
  assert.deepEqual(events.slice(-4), ["101 disconnected", "101 idle", "102 disconnected", "102 idle"]);
  send({ all: true });
  assert.equal(reads, 2);
  feed.stop();
});

Deno.test("a subscriber that leaves (cstabox stopping) first gets the records waiting for the group commit", () => {
  const rig = feedRig(100);
  const leaving: string[] = [];
  const unsubscribe = rig.feed.subscribe((item) => {
    if (item.kind === "callRecord") leaving.push(item.payload.id);
  });
  const sent = record();
  rig.end(sent);
  assert.deepEqual(leaving, [], "waiting for the commit interval");
  unsubscribe();
  assert.deepEqual(leaving, [sent.id]);
  assert.equal(rig.commits.length, 1, "in one commit, while the store is still open");
  rig.feed.stop();
});
