import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import type { OfferedDevice } from "../../../src/lines/line_sync_plan.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { LineStoreSync } from "../../../src/lines/line_store_sync.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const offered: OfferedDevice[] = [
  { number: "101", deviceNumber: 1, kind: "extension", name: "Reception" },
  { number: "102", deviceNumber: 2, kind: "extension", name: "Sales" },
  { number: "901", deviceNumber: 90, kind: "trunk" },
];

async function setup() {
  const temp = await openTempDatabase();
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 12));
  const lines = new LineRepository(() => temp.db, clock);
  const locations = new LocationRepository(() => temp.db, clock);
  return { temp, lines, locations, sync: new LineStoreSync(lines, locations, () => ({}), clock) };
}

Deno.test("an empty store is loaded automatically at the first association, within the extension ranges", async () => {
  const { temp, lines, locations, sync } = await setup();
  try {
    locations.saveExtensionRanges("100-199");
    assert.equal(sync.wantsAutoLoad(), true);
    const outcome = sync.autoLoad(offered);
    assert.equal(outcome.loaded, true);
    assert.deepEqual(lines.list().map((l) => [l.number, l.name]), [["101", "Reception"], ["102", "Sales"]]);
    assert.deepEqual(sync.state(), {
      autoLoadedAt: "2026-03-01T12:00:00.000Z",
      lastSyncAt: "2026-03-01T12:00:00.000Z",
    });
    assert.equal(sync.wantsAutoLoad(), false);
  } finally {
    await temp.close();
  }
});

Deno.test("no automatic load into a store that has lines, nor again after the store was emptied on purpose", async () => {
  const { temp, lines, sync } = await setup();
  try {
    lines.create({ number: "555" });
    assert.deepEqual(sync.autoLoad(offered), { loaded: false, reason: "store-not-empty" });
    lines.remove("555");
    assert.equal(sync.autoLoad(offered).loaded, true);
    lines.removeAll();
    assert.equal(sync.wantsAutoLoad(), false);
    assert.deepEqual(sync.autoLoad(offered), { loaded: false, reason: "loaded-before" });
    assert.equal(lines.count(), 0);
  } finally {
    await temp.close();
  }
});

Deno.test("a PBX that offers nothing does not use up the automatic load", async () => {
  const { temp, sync } = await setup();
  try {
    assert.deepEqual(sync.autoLoad([]), { loaded: false, reason: "nothing-offered" });
    assert.equal(sync.wantsAutoLoad(), true);
  } finally {
    await temp.close();
  }
});

Deno.test("SwitchingFunctionDevicesChanged applies additions and only flags removals", async () => {
  const { temp, lines, sync } = await setup();
  try {
    sync.autoLoad(offered);
    const result = sync.onDevicesChanged([
      offered[0],
      { number: "103", deviceNumber: 3, kind: "extension", name: "New" },
      offered[2],
    ]);
    assert.deepEqual(result, { added: ["103"], changed: [], flagged: ["102"], deleted: [] });
    assert.equal(lines.get("102")?.missingFromPbx, true);
    assert.equal(lines.count(), 4);
  } finally {
    await temp.close();
  }
});

Deno.test("the administrator's apply plans against the store as it is now and may delete", async () => {
  const { temp, lines, sync } = await setup();
  try {
    sync.autoLoad(offered);
    const preview = sync.preview(offered.slice(0, 1));
    assert.deepEqual(preview.remove.map((l) => l.number), ["102", "901"]);
    const { result } = sync.apply(offered.slice(0, 1), "delete");
    assert.deepEqual(result.deleted, ["102", "901"]);
    assert.deepEqual(lines.list().map((l) => l.number), ["101"]);
  } finally {
    await temp.close();
  }
});
