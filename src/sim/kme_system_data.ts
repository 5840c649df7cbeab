// Panasonic's KME GetSystemData escape (§11): the answer carries a KME cross reference, then the device
// list follows as segmented systemDataLinkedReply escapes invoked by the PBX.

import { deviceNumber } from "../csta/device_id.ts";
import type { KmeDeviceEntry, KmeDeviceListSegment } from "../csta/kme_private_data.ts";
import type { DeviceKind, DevicePlan, PlanDevice } from "./device_plan.ts";

/**
 * Which devices each requested category lists. LinTcMon asks for 5 and 2 and gets extension numbers back;
 * what the categories mean is unknown (§11, §16.9 [?]). Assumption: 5 = extensions, 2 = incoming groups.
 */
export const DEFAULT_KME_CATEGORIES: Readonly<Record<number, readonly DeviceKind[]>> = {
  5: ["extension"],
  2: ["group"],
};

/** Options of the device-list answer. */
export interface KmeSystemDataOptions {
  categories?: Readonly<Record<number, readonly DeviceKind[]>>;
  /** Devices per linked reply; small enough to keep each APDU near 240 bytes (§1 [?]). Default 8. */
  devicesPerSegment?: number;
}

/** The KME answer to one GetSystemData request: its cross reference and the segments to send. */
export interface KmeDeviceListAnswer {
  crossRefID: Uint8Array;
  segments: KmeDeviceListSegment[];
}

/** Builds the KME device-list answers; cross references count up for the simulator's lifetime. */
export class KmeSystemData {
  readonly #categories: Readonly<Record<number, readonly DeviceKind[]>>;
  readonly #perSegment: number;
  #nextCrossRef = 1;

  constructor(options: KmeSystemDataOptions = {}) {
    this.#categories = options.categories ?? DEFAULT_KME_CATEGORIES;
    this.#perSegment = options.devicesPerSegment ?? 8;
    if (!Number.isInteger(this.#perSegment) || this.#perSegment < 1) {
      throw new RangeError(`devicesPerSegment must be a positive integer, got ${this.#perSegment}`);
    }
  }

  /** The device list for a requested category, cut into segments (one empty segment when nothing matches). */
  answer(plan: DevicePlan, category: number): KmeDeviceListAnswer {
    const n = this.#nextCrossRef++;
    const crossRefID = Uint8Array.of((n >> 8) & 0xff, n & 0xff);
    const kinds = this.#categories[category] ?? [];
    const devices = plan.devices().filter((d) => kinds.includes(d.kind)).map(entryOf);
    const segments: KmeDeviceListSegment[] = [];
    for (let i = 0; i === 0 || i < devices.length; i += this.#perSegment) {
      const chunk = devices.slice(i, i + this.#perSegment);
      segments.push({
        crossRefID,
        segmentID: segments.length + 1,
        lastSegment: i + this.#perSegment >= devices.length,
        devices: chunk,
      });
    }
    return { crossRefID, segments };
  }
}

/** A device as LinTcMon reads it: deviceNumber handle plus the dialling digits. §11 [?] */
function entryOf(device: PlanDevice): KmeDeviceEntry {
  return { device: deviceNumber(device.deviceNumber), number: device.number, status: 0 };
}
