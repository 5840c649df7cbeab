import assert from "node:assert/strict";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import type { OfferedDevice } from "../../../src/lines/line_sync_plan.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { LineStoreSync } from "../../../src/lines/line_store_sync.ts";
import { DevicePlan } from "../../../src/sim/device_plan.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

/** The simulator's devices as the PBX link will offer them. */
function offeredBy(plan: DevicePlan): OfferedDevice[] {
  return plan.devices().map((device) => ({
    number: device.number,
    deviceNumber: device.deviceNumber,
    kind: device.kind,
    name: device.name,
  }));
}

Deno.test("loading the simulator's devices adds its extensions; a second load reports no changes", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    const locations = new LocationRepository(() => temp.db);
    locations.saveExtensionRanges("100-199");
    const sync = new LineStoreSync(lines, locations);
    const plan = DevicePlan.build({ extensions: "101-120", trunks: 2 });

    const outcome = sync.autoLoad(offeredBy(plan));
    assert.equal(outcome.loaded, true);
    assert.deepEqual(
      lines.list().map((line) => line.number),
      plan.extensions().map((extension) => extension.number),
    );
    assert.ok(lines.list().every((line) => line.kind === "extension" && line.name !== ""));

    const second = sync.preview(offeredBy(plan));
    assert.deepEqual([second.add, second.change, second.remove], [[], [], []]);
    assert.equal(second.unchanged, 20);

    plan.remove("120");
    plan.addExtension("150", "New desk");
    const changed = sync.onDevicesChanged(offeredBy(plan));
    assert.deepEqual([changed.added, changed.flagged], [["150"], ["120"]]);
  } finally {
    await temp.close();
  }
});
