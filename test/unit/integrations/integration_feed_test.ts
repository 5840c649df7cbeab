import assert from "node:assert/strict";
import type { CallRecord } from "../../../src/calls/call_record.ts";
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
