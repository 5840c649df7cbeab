// The association's device monitors (§8.1, §8.2): cross-reference IDs, filters, the monitor limit and what
// happens to a second MonitorStart for the same device (unknown on Panasonic, §16.6, so an option).

import { filterSuppresses, type MonitorFilter } from "../csta/monitor_filter.ts";
import type { DeviceKey, SimEventType } from "./call_facts.ts";
import type { EngineResult } from "./call_engine.ts";

/** What a MonitorStart for an already monitored device gets (§8.1 [?]). */
export type DuplicateMonitorPolicy =
  /** Refused with subscribedResourceAvailability/objectMonitorLimitExceeded (one monitor per device). */
  | "refuse"
  /** A second, independent monitor with its own crossRef; events go out once per monitor. */
  | "allow";

/** Options of a {@link MonitorTable}. */
export interface MonitorTableOptions {
  /** Monitors the association may hold; one more gets overallMonitorLimitExceeded. Default 1000. */
  maxMonitors?: number;
  /** Default "refuse", the strictest plausible behaviour. */
  duplicate?: DuplicateMonitorPolicy;
}

/** One device monitor. */
export interface Monitor {
  readonly crossRef: Uint8Array;
  readonly device: DeviceKey;
  /** The filter in force (a set bit suppresses its event, §8.1). */
  filter: MonitorFilter;
}

/** Monitors by crossRef and by device, with cross-reference IDs that never repeat within a simulator run. */
export class MonitorTable {
  readonly maxMonitors: number;
  readonly duplicate: DuplicateMonitorPolicy;
  readonly #byCrossRef = new Map<string, Monitor>();
  readonly #byDevice = new Map<DeviceKey, Monitor[]>();
  #nextCrossRef = 1;

  constructor(options: MonitorTableOptions = {}) {
    this.maxMonitors = options.maxMonitors ?? 1000;
    this.duplicate = options.duplicate ?? "refuse";
    if (!Number.isInteger(this.maxMonitors) || this.maxMonitors < 0) {
      throw new RangeError(`maxMonitors must be a non-negative integer, got ${this.maxMonitors}`);
    }
  }

  get size(): number {
    return this.#byCrossRef.size;
  }

  /** Starts a monitor on a device; the crossRef is 4 octets (§14.5; Panasonic's length is unknown [?]). */
  start(device: DeviceKey, filter: MonitorFilter = {}): EngineResult<Monitor> {
    if (this.#byCrossRef.size >= this.maxMonitors) {
      return {
        ok: false,
        failure: { kind: "systemResourceAvailability", value: "overallMonitorLimitExceeded" },
      };
    }
    if (this.duplicate === "refuse" && (this.#byDevice.get(device)?.length ?? 0) > 0) {
      return {
        ok: false,
        failure: { kind: "subscribedResourceAvailability", value: "objectMonitorLimitExceeded" },
      };
    }
    const monitor: Monitor = { crossRef: this.#allocateCrossRef(), device, filter };
    this.#byCrossRef.set(monitor.crossRef.toHex(), monitor);
    const list = this.#byDevice.get(device) ?? [];
    list.push(monitor);
    this.#byDevice.set(device, list);
    return { ok: true, value: monitor };
  }

  /** Stops the monitor with this crossRef; an unknown one is invalidMonitorCrossRefID (§12). */
  stop(crossRef: Uint8Array): EngineResult<Monitor> {
    const monitor = this.#byCrossRef.get(crossRef.toHex());
    if (!monitor) return { ok: false, failure: { kind: "operation", value: "invalidMonitorCrossRefID" } };
    this.#remove(monitor);
    return { ok: true, value: monitor };
  }

  /** ChangeMonitorFilter. */
  changeFilter(crossRef: Uint8Array, filter: MonitorFilter): EngineResult<Monitor> {
    const monitor = this.#byCrossRef.get(crossRef.toHex());
    if (!monitor) return { ok: false, failure: { kind: "operation", value: "invalidMonitorCrossRefID" } };
    monitor.filter = filter;
    return { ok: true, value: monitor };
  }

  /** The monitor with this crossRef. */
  get(crossRef: Uint8Array): Monitor | undefined {
    return this.#byCrossRef.get(crossRef.toHex());
  }

  /** Monitors of a device that report `event` (filters applied). */
  reporting(device: DeviceKey, event: SimEventType): Monitor[] {
    const list = this.#byDevice.get(device);
    if (!list) return [];
    return list.filter((m) => !filterSuppresses(m.filter, event));
  }

  /** Monitors of a device. */
  monitorsOf(device: DeviceKey): Monitor[] {
    return [...(this.#byDevice.get(device) ?? [])];
  }

  /** Every monitor, oldest first. */
  all(): Monitor[] {
    return [...this.#byCrossRef.values()];
  }

  /** Drops every monitor (the association ended); crossRefs keep counting so a new association sees new ones. */
  clear(): void {
    this.#byCrossRef.clear();
    this.#byDevice.clear();
  }

  /** Drops the monitors of a device that left the plan; returns them. */
  dropDevice(device: DeviceKey): Monitor[] {
    const list = this.#byDevice.get(device) ?? [];
    for (const monitor of [...list]) this.#remove(monitor);
    return list;
  }

  #remove(monitor: Monitor): void {
    this.#byCrossRef.delete(monitor.crossRef.toHex());
    const list = this.#byDevice.get(monitor.device)?.filter((m) => m !== monitor) ?? [];
    if (list.length === 0) this.#byDevice.delete(monitor.device);
    else this.#byDevice.set(monitor.device, list);
  }

  #allocateCrossRef(): Uint8Array {
    for (;;) {
      const n = this.#nextCrossRef;
      this.#nextCrossRef = n >= 0xffffffff ? 1 : n + 1;
      const crossRef = Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      if (!this.#byCrossRef.has(crossRef.toHex())) return crossRef;
    }
  }
}
