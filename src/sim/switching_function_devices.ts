// GetSwitchingFunctionDevices (§9): the result names a serviceCrossRefID, then the device list follows in
// SwitchingFunctionDevices (205) invokes, segmented like the PBX's other long answers.

import type {
  DeviceCategoryValue,
  SwitchingFunctionDeviceEntry,
  SwitchingFunctionDevicesArgument,
} from "../csta/system_services.ts";
import type { DeviceKind, PlanDevice } from "./device_plan.ts";
import type { DeviceAddressing } from "./device_addressing.ts";

/** ECMA DeviceCategory of each plan device kind. §9 [C-std] */
export const CATEGORY_OF_KIND: Readonly<Record<DeviceKind, DeviceCategoryValue>> = {
  extension: "station",
  trunk: "networkInterface",
  group: "groupHunt",
};

/** What a GetSwitchingFunctionDevices request asked for. */
export interface DeviceListRequest {
  /** Only this device (already resolved). */
  device?: PlanDevice;
  /** Only devices of this category. */
  category?: DeviceCategoryValue;
}

/** Builds the 205 arguments; serviceCrossRefIDs count up for the simulator's lifetime. */
export class SwitchingFunctionDeviceLists {
  readonly #perSegment: number;
  #nextCrossRef = 1;

  constructor(devicesPerSegment = 8) {
    if (!Number.isInteger(devicesPerSegment) || devicesPerSegment < 1) {
      throw new RangeError(`devicesPerSegment must be a positive integer, got ${devicesPerSegment}`);
    }
    this.#perSegment = devicesPerSegment;
  }

  /** The serviceCrossRefID for the result, and the segments to invoke after it. */
  answer(
    addressing: DeviceAddressing,
    request: DeviceListRequest,
  ): { serviceCrossRefID: Uint8Array; segments: SwitchingFunctionDevicesArgument[] } {
    const n = this.#nextCrossRef++;
    const serviceCrossRefID = Uint8Array.of((n >> 8) & 0xff, n & 0xff);
    const devices = (request.device ? [request.device] : addressing.plan.devices())
      .filter((d) => request.category === undefined || CATEGORY_OF_KIND[d.kind] === request.category);
    const entries: SwitchingFunctionDeviceEntry[] = devices.map((d) => ({
      deviceID: addressing.deviceId(d.number),
      deviceCategory: CATEGORY_OF_KIND[d.kind],
    }));
    const segments: SwitchingFunctionDevicesArgument[] = [];
    for (let i = 0; i === 0 || i < entries.length; i += this.#perSegment) {
      segments.push({
        serviceCrossRefID,
        segmentID: segments.length + 1,
        lastSegment: i + this.#perSegment >= entries.length,
        deviceList: entries.slice(i, i + this.#perSegment),
      });
    }
    return { serviceCrossRefID, segments };
  }
}
