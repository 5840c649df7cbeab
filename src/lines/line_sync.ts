// The line-sync service: keeps cstabox's view of the PBX's devices current: at every association it asks the PBX for its
// device list, teaches the Switchboard which device number is which extension, loads the lines when the
// store has none yet (as the estos driver does), and follows SwitchingFunctionDevicesChanged.

import { CstaClient } from "../client/csta_client.ts";
import type { SwitchboardAccess } from "../client/in_process_transport.ts";
import type { IncomingInvoke, InvokeReply } from "../client/incoming_invoke.ts";
import { Opcode } from "../csta/opcodes.ts";
import type { SystemStatusValue } from "../csta/system_services.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import { type DeviceListOutcome, queryDeviceList, SegmentInbox } from "./device_list_query.ts";
import type { Service, ServiceStatus } from "../service.ts";
import type { DeviceDirectory } from "../switchboard/device_directory.ts";
import type { LineSyncResult, OfferedDevice } from "./line_sync_plan.ts";
import type { LineStoreSync, LineSyncState } from "./line_store_sync.ts";
import { errorText } from "../log/error_text.ts";

export interface LineSyncServiceOptions {
  switchboard: SwitchboardAccess;
  directory: DeviceDirectory;
  lineSync: LineStoreSync;
  log: Logger;
  queryTimeoutMs?: number;
}

type Trigger = "association" | "devicesChanged" | "request";

/** What the line sync reports in its status `details`. */
export interface LineSyncDetails {
  lastSync: { at: string; trigger: Trigger; source: string; devices: number; outcome: string } | null;
  lastError: { at: string; message: string } | null;
  knownDeviceNumbers: number;
  lines: LineSyncState;
}

export class LineSync implements Service<LineSyncDetails> {
  readonly name = "line-sync";
  #options: LineSyncServiceOptions;
  #lifecycle = new Lifecycle();
  #client?: CstaClient;
  #inbox = new SegmentInbox();
  #running?: Promise<DeviceListOutcome>;
  #last?: NonNullable<LineSyncDetails["lastSync"]>;
  #lastError?: NonNullable<LineSyncDetails["lastError"]>;

  constructor(options: LineSyncServiceOptions) {
    this.#options = options;
  }

  start(): Promise<void> {
    const client = CstaClient.inProcess(this.#options.switchboard, {
      name: "line-sync",
      seatKind: "call-tracking",
      onInvoke: (invoke) => this.#onInvoke(invoke),
      onError: (error, context) => this.#options.log.warn("line sync: client error", { context, error }),
    });
    this.#client = client;
    // SystemStatus(normal) comes at attach when the link is up and after every re-association.
    // partiallyDisabled is an association that is up with some monitors lost: the device list can be read.
    const up = (status?: SystemStatusValue) => status === "normal" || status === "partiallyDisabled";
    client.onSystemStatus((status, previous) => {
      if (up(status) && !up(previous)) void this.sync("association");
    });
    this.#lifecycle.set("running");
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
    this.#lifecycle.set("stopped");
  }

  /** Queries the PBX now (one query at a time; a second caller shares the running one). */
  query(): Promise<DeviceListOutcome> {
    const client = this.#client;
    if (!client) return Promise.reject(new Error("line sync is not running"));
    this.#running ??= queryDeviceList(client, this.#inbox, this.#options.queryTimeoutMs).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The devices as the lines API's "load from PBX" wants them. */
  async offeredDevices(): Promise<OfferedDevice[]> {
    const outcome = await this.query();
    this.#learn(outcome.devices);
    return outcome.devices;
  }

  /** Queries the PBX and applies what the trigger calls for; never throws. */
  async sync(trigger: Trigger): Promise<void> {
    try {
      const outcome = await this.query();
      this.#learn(outcome.devices);
      const applied = this.#apply(trigger, outcome.devices);
      this.#last = {
        at: new Date().toISOString(),
        trigger,
        source: outcome.source,
        devices: outcome.devices.length,
        outcome: applied,
      };
      this.#lastError = undefined;
      this.#lifecycle.set("running");
      this.#options.log.info("PBX device list read", {
        trigger,
        via: outcome.source,
        devices: outcome.devices.length,
        applied,
      });
    } catch (error) {
      const message = errorText(error);
      this.#lastError = { at: new Date().toISOString(), message };
      this.#lifecycle.set("degraded", `could not read the PBX's device list: ${message}`);
      this.#options.log.warn("PBX device list not read", { trigger, error: message });
    }
  }

  status(): ServiceStatus<LineSyncDetails> {
    return this.#lifecycle.snapshot<LineSyncDetails>({
      details: {
        lastSync: this.#last ?? null,
        lastError: this.#lastError ?? null,
        knownDeviceNumbers: this.#options.directory.size,
        lines: this.#options.lineSync.state(),
      },
    });
  }

  #apply(trigger: Trigger, devices: OfferedDevice[]): string {
    const sync = this.#options.lineSync;
    if (trigger === "devicesChanged") return `devices changed: ${describe(sync.onDevicesChanged(devices))}`;
    if (trigger !== "association" || !sync.wantsAutoLoad()) return "device numbers learned";
    const outcome = sync.autoLoad(devices);
    return outcome.loaded
      ? `first automatic load: ${describe(outcome.result)}`
      : `no automatic load (${outcome.reason})`;
  }

  #learn(devices: OfferedDevice[]): void {
    for (const device of devices) {
      if (device.deviceNumber !== undefined && device.deviceNumber !== null) {
        this.#options.directory.add(device.number, device.deviceNumber);
      }
    }
  }

  #onInvoke(invoke: IncomingInvoke): InvokeReply | void {
    // Whether the PBX wants KME linked replies answered is unknown (§11 [?]); the simulator's strict
    // choice is that it does not and rejects an answer, so none is sent. 205 has no answer at all (§9).
    if (this.#inbox.offer(invoke)) return invoke.opcode === Opcode.escape ? { kind: "none" } : undefined;
    if (invoke.opcode === Opcode.swFunctionDevicesChanged) void this.sync("devicesChanged");
  }
}

function describe(result: LineSyncResult): string {
  const { added, changed, flagged, deleted } = result;
  return `${added.length} added, ${changed.length} changed, ${flagged.length} flagged missing, ${deleted.length} deleted`;
}
