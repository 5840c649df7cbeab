import assert from "node:assert/strict";
import { join } from "node:path";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { LineSync } from "../../../src/lines/line_sync.ts";
import { LineStoreSync } from "../../../src/lines/line_store_sync.ts";
import { Logger } from "../../../src/log/logger.ts";
import { PbxLink } from "../../../src/pbx/pbx_link.ts";
import { SimulatorService } from "../../../src/sim/sim_service.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { pbxLinkEventsFor } from "../../../src/switchboard/pbx_link_events.ts";

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The simulator as the PBX, the real link and Switchboard, and the line store on a SQLite file. */
async function rig() {
  const log = new Logger("test", { sink: () => {} });
  const simulator = new SimulatorService({ plan: { extensions: "101-110", trunks: 2 }, keepaliveSeconds: 0 });
  await simulator.start();
  const db = openDatabase(join(await Deno.makeTempDir(), "t.db"));
  const lines = new LineRepository(() => db);
  const lineSync = new LineStoreSync(lines, new LocationRepository(() => db));
  const directory = new DeviceDirectory();
  const wiring: { board?: Switchboard } = {};
  const link = new PbxLink({
    log,
    settings: () => ({
      host: simulator.hostname,
      port: simulator.port,
      livenessTimeoutSeconds: 300,
      reconnectMinSeconds: 0.1,
      reconnectMaxSeconds: 1,
      requestTimeoutSeconds: 5,
      maxFrameBytes: 65535,
    }),
    events: pbxLinkEventsFor(() => wiring.board),
  });
  const board = new Switchboard({
    upstream: link,
    log,
    directory,
    limits: () => ({
      ctiApplications: 10,
      requestsInFlightPerApplication: 16,
      malformedFramesBeforeClose: 10,
    }),
  });
  wiring.board = board;
  const sync = new LineSync({ switchboard: board, directory, lineSync, log });
  await link.start();
  await sync.start();
  return {
    simulator,
    lines,
    lineSync,
    directory,
    sync,
    async close() {
      await sync.stop();
      await link.stop();
      await simulator.stop();
      db.close();
    },
  };
}

Deno.test("at the first association the PBX's extensions are loaded into an empty line store, with their device numbers", async () => {
  const r = await rig();
  try {
    const loaded = await waitFor(
      "the automatic load",
      () => (r.lines.count() > 0 ? r.lines.list() : undefined),
    );
    const numbers = loaded.map((l) => l.number);
    for (let n = 101; n <= 110; n++) assert.ok(numbers.includes(String(n)), `extension ${n}`);
    assert.ok(loaded.some((l) => l.kind === "trunk"), "trunks come as trunk lines");
    const ext101 = loaded.find((l) => l.number === "101")!;
    assert.equal(typeof ext101.deviceNumber, "number");
    assert.equal(r.directory.numberOf(ext101.deviceNumber!), "101", "the Switchboard learns device numbers");

    // A second load from the PBX finds nothing to add, change or remove.
    const plan = r.lineSync.preview(await r.sync.offeredDevices());
    assert.deepEqual([plan.add.length, plan.change.length, plan.remove.length], [0, 0, 0]);
  } finally {
    await r.close();
  }
});

Deno.test("SwitchingFunctionDevicesChanged adds new devices and only flags removed ones", async () => {
  const r = await rig();
  try {
    await waitFor("the automatic load", () => (r.lines.count() > 0 ? true : undefined));
    r.simulator.plan.addExtension("150", "New desk");
    await waitFor("the new extension", () => r.lines.get("150") ?? undefined);
    r.simulator.plan.remove("102");
    const gone = await waitFor("102 flagged", () => {
      const line = r.lines.get("102");
      return line?.missingFromPbx ? line : undefined;
    });
    assert.equal(gone.number, "102", "a removed device stays, flagged as missing from the PBX");
  } finally {
    await r.close();
  }
});
