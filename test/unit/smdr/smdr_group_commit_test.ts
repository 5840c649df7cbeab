// SMDR with the appliance's group commit (smdr.commitIntervalMs): a record is sent only once it is
// committed, and a process killed between two commits has stored every record it sent.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { SmdrService } from "../../../src/smdr/smdr_service.ts";
import { GroupCommit } from "../../../src/store/group_commit.ts";
import { seedScenarios } from "./seed_scenarios.ts";
import { openTempDatabase, type TempDatabase } from "../../support/temp_database.ts";
import { quietLog } from "../../support/webhook_rig.ts";

const event = seedScenarios[0].events[0];

function rig(store: TempDatabase) {
  const clock = new ManualClock(new Date(2026, 2, 9, 12, 0, 0).getTime());
  const commits = new GroupCommit({ db: () => store.db, intervalMs: () => 20, clock, log: quietLog() });
  const service = new SmdrService({
    settings: () => ({ ...defaultSettings().smdr, localEnabled: false, pushEnabled: false }),
    db: () => store.db,
    log: quietLog(),
    clock,
    commits,
  });
  const reader = store.another()();
  /** The positions another connection finds stored: only what is committed. */
  const storedPositions = () =>
    (reader.prepare("SELECT position FROM smdr_record ORDER BY position").all() as { position: number }[])
      .map((r) => Number(r.position));
  const sent: { position: number; storedWhenSent: number[] }[] = [];
  service.onRecord((record) => sent.push({ position: record.position, storedWhenSent: storedPositions() }));
  return { clock, commits, service, storedPositions, sent };
}

Deno.test("with a group commit an SMDR record is sent only once it is committed, in the order made", async () => {
  const store = await openTempDatabase();
  try {
    const { clock, service, storedPositions, sent } = rig(store);
    await service.start();
    const results = [1, 2, 3].map((serial) => service.submit({ ...event, callSerial: serial }));
    assert.ok(results.every((r) => r.ok && "queued" in r), "accepted for the next commit");
    assert.equal(sent.length, 0, "nothing is sent before its commit");
    assert.deepEqual(storedPositions(), []);
    clock.advance(20);
    assert.deepEqual(sent.map((s) => s.position), [1, 2, 3]);
    for (const s of sent) assert.deepEqual(s.storedWhenSent, [1, 2, 3], "committed before it was sent");
    assert.equal(service.outbox.lastPosition(), 3);
    await service.stop();
  } finally {
    await store.close();
  }
});

Deno.test("a kill between two group commits loses no record that was sent; stop commits and sends what waits", async () => {
  const store = await openTempDatabase();
  try {
    const first = rig(store);
    await first.service.start();
    for (const serial of [1, 2, 3]) first.service.submit({ ...event, callSerial: serial });
    first.clock.advance(20);
    for (const serial of [4, 5]) first.service.submit({ ...event, callSerial: serial });
    // Killed now: the queued records exist only in the dead process's memory, the store keeps its commits.
    store.reopen();
    const afterKill = rig(store);
    assert.deepEqual(afterKill.storedPositions(), [1, 2, 3]);
    assert.deepEqual(first.sent.map((s) => s.position), [1, 2, 3], "every record sent is stored");

    await afterKill.service.start();
    afterKill.service.submit({ ...event, callSerial: 6 });
    await afterKill.service.stop();
    assert.deepEqual(afterKill.sent.map((s) => s.position), [4], "stop commits and sends what waits");
    assert.deepEqual(afterKill.storedPositions(), [1, 2, 3, 4]);
  } finally {
    await store.close();
  }
});
