// Test support: the simulator as the PBX on a real socket, the real PbxLink and Switchboard, the SMDR
// service on a SQLite file with its local listener, and the CallTracker between them, as cstabox wires
// them. The simulator's plan has the seed's extensions 1843 and 2560 and trunks 92108 and 92808.

import { join } from "node:path";
import { CallTracker } from "../../../src/calls/call_tracker.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { ListenerInfo } from "../../../src/service.ts";
import { PbxLink } from "../../../src/pbx/pbx_link.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";
import { SmdrService, type SmdrSettings } from "../../../src/smdr/smdr_service.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { pbxLinkEventsFor } from "../../../src/switchboard/pbx_link_events.ts";

/** The caller and DDI of the seed's inbound calls (the seed prints them anonymised). */
export const CLI = "07968543537";
export const DDI = "441615550123";
/** The outside-line code of the seed's PBX (a UK Panasonic dials 9 for a CO line). */
export const OUTSIDE_LINE = "9";

export interface TrackerRig {
  simulator: SimulatorService;
  switchboard: Switchboard;
  link: PbxLink;
  smdr: SmdrService;
  tracker: CallTracker;
  lines: LineRepository;
  /** The SMDR local-mode port. */
  smdrPort: number;
  /** Every record stored, in order. */
  records: string[];
  close(): Promise<void>;
}

export interface TrackerRigOptions {
  simulator?: Partial<SimulatorOptions>;
  smdr?: Partial<SmdrSettings>;
  /** SMDR service tuning: bytes queued per collector before it is cut off, stalled-write limit. */
  smdrTuning?: { queueBytes?: number; drainTimeoutMs?: number };
  /** Build the seed's plan (default) or the simulator's default demo plan with its lines. */
  seedPlan?: boolean;
  /** Where the database lives (a directory made for it by default, removed at close). */
  tempDirIn?: string;
  log?: Logger;
  /** The link's request timeout (default 5 s) and the Switchboard's retry of a lost monitor (default 30 s). */
  requestTimeoutSeconds?: number;
  monitorRetrySeconds?: number;
}

/** Starts everything; lines are stored for every device of the simulator's plan. */
export async function trackerRig(options: TrackerRigOptions = {}): Promise<TrackerRig> {
  const log = options.log ?? new Logger("test", { sink: () => {} });
  const seedPlan = options.seedPlan ?? true;
  const simulator = new SimulatorService({
    keepaliveSeconds: 0,
    remoteParties: false,
    plan: seedPlan
      ? { extensions: "1843,2560", trunks: 1, firstTrunkNumber: "92808", outsideLineCode: OUTSIDE_LINE }
      : undefined,
    ...options.simulator,
  });
  if (seedPlan) {
    // The outbound example leaves on 92808, the inbound ones arrive on 92108: 92808 is the first free line.
    simulator.plan.addTrunk("92108", "CO 2");
    simulator.plan.setDdi(DDI, "1843");
  }
  await simulator.start();
  const dir = await Deno.makeTempDir({ prefix: "cstabox-calls-", dir: options.tempDirIn });
  const db = openDatabase(join(dir, "cstabox.db"));
  const lines = new LineRepository(() => db);
  for (const device of simulator.plan.devices()) {
    lines.put({
      number: device.number,
      name: device.name,
      kind: device.kind,
      deviceNumber: device.deviceNumber,
    });
  }
  // The link's events fire only after start(), when the Switchboard below exists.
  const link = new PbxLink({
    log,
    settings: () => ({
      host: simulator.hostname,
      port: simulator.port,
      livenessTimeoutSeconds: 300,
      reconnectMinSeconds: 0.1,
      reconnectMaxSeconds: 0.5,
      requestTimeoutSeconds: options.requestTimeoutSeconds ?? 5,
      maxFrameBytes: 65535,
    }),
    events: pbxLinkEventsFor(() => switchboard),
  });
  const switchboard: Switchboard = new Switchboard({
    upstream: link,
    log,
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 10,
      requestsInFlightPerApplication: 256,
      malformedFramesBeforeClose: 10,
    }),
    monitorRetry: () => {
      const ms = (options.monitorRetrySeconds ?? 30) * 1000;
      return { minMs: ms, maxMs: ms };
    },
  });
  let listening: ListenerInfo | undefined;
  const smdrSettings: SmdrSettings = {
    ...defaultSettings().smdr,
    bind: "127.0.0.1",
    localPort: 0,
    ...options.smdr,
  };
  const smdr = new SmdrService({
    settings: () => smdrSettings,
    db: () => db,
    log,
    onListen: (info) => (listening = info),
    ...options.smdrTuning,
  });
  const records: string[] = [];
  smdr.onRecord((stored) => records.push(stored.record));
  const tracker = new CallTracker({
    switchboard,
    smdr,
    lines: () => lines.list(),
    outsideLineAccess: () => simulator.plan.outsideLineCode,
    log,
    lineRefreshMs: 200,
    monitorRetryMs: 200,
    lostMonitors: () => switchboard.lostMonitors(),
  });
  await smdr.start();
  await link.start();
  await tracker.start();
  return {
    simulator,
    switchboard,
    link,
    smdr,
    tracker,
    lines,
    smdrPort: listening?.port ?? 0,
    records,
    async close() {
      await tracker.stop();
      await link.stop();
      await smdr.stop();
      await simulator.stop();
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
