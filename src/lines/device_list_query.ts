// Asks the PBX which devices it has: GetSwitchingFunctionDevices with its segmented replies (§9), or,
// where the PBX does not offer that, the Panasonic KME GetSystemData device list (§11). The answer
// gives each device's dialling number and, from KME, its PBX device number.

import { CstaFailureError, CstaRejectError, CstaTimeoutError } from "../client/client_errors.ts";
import type { CstaClient } from "../client/csta_client.ts";
import type { IncomingInvoke } from "../client/incoming_invoke.ts";
import { decodeValue } from "../csta/codec.ts";
import { identifierDigits } from "../csta/device_id.ts";
import {
  decodeDeviceListRequestResult,
  decodeKmeEscape,
  deviceListRequestArgument,
  KNOWN_DEVICE_LIST_CATEGORIES,
} from "../csta/kme_private_data.ts";
import { Opcode } from "../csta/opcodes.ts";
import {
  getSwitchingFunctionDevicesResult,
  type SwitchingFunctionDeviceEntry,
  switchingFunctionDevicesArgument,
} from "../csta/system_services.ts";
import type { LineKind } from "./line.ts";
import type { OfferedDevice } from "./line_sync_plan.ts";

export interface DeviceListOutcome {
  source: "switchingFunctionDevices" | "kmeSystemData";
  devices: OfferedDevice[];
}

/** A running collection of segments; `cancel` ends it when the request itself failed. */
export interface Collection {
  done: Promise<void>;
  cancel(): void;
}

/** Segments for one pending query, fed by the client's invoke handler. */
export class SegmentInbox {
  #waiting?: (invoke: IncomingInvoke) => boolean;

  /** Offers an invoke from the PBX; true when the pending query took it. */
  offer(invoke: IncomingInvoke): boolean {
    return this.#waiting?.(invoke) ?? false;
  }

  /** Collects invokes until `take` says the last one came, bounded by `timeoutMs`. */
  collect(take: (invoke: IncomingInvoke) => "more" | "last" | "ignore", timeoutMs: number): Collection {
    const settled = Promise.withResolvers<void>();
    const finish = (error?: Error) => {
      clearTimeout(timer);
      if (this.#waiting === accept) this.#waiting = undefined;
      if (error) settled.reject(error);
      else settled.resolve();
    };
    const timer = setTimeout(
      () => finish(new Error(`the PBX sent no last segment within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const accept = (invoke: IncomingInvoke) => {
      const verdict = take(invoke);
      if (verdict === "last") finish();
      return verdict !== "ignore";
    };
    this.#waiting = accept;
    settled.promise.catch(() => {}); // a cancelled collection is nobody's error
    return { done: settled.promise, cancel: () => finish() };
  }
}

/** Queries the device list through `client`, whose invoke handler passes PBX invokes to `inbox`. */
export async function queryDeviceList(
  client: CstaClient,
  inbox: SegmentInbox,
  timeoutMs = 30_000,
): Promise<DeviceListOutcome> {
  let standard: OfferedDevice[];
  try {
    standard = await viaSwitchingFunctionDevices(client, inbox, timeoutMs);
  } catch (error) {
    // A PBX without GetSwitchingFunctionDevices answers with an error or a reject; try the KME list.
    if (!(error instanceof CstaFailureError || error instanceof CstaRejectError)) throw error;
    return { source: "kmeSystemData", devices: await viaKmeSystemData(client, inbox, timeoutMs) };
  }
  // The standard list names devices by number; the KME list adds the PBX device numbers that
  // applications such as LinTcMon monitor by (§5.1 [C-pbx]). Without it, device numbers stay unknown.
  let kme: OfferedDevice[] = [];
  try {
    kme = await viaKmeSystemData(client, inbox, timeoutMs);
  } catch {
    // not offered: the standard list alone
  }
  const deviceNumbers = new Map(kme.map((d) => [d.number, d.deviceNumber]));
  const devices = standard.map((d) => ({
    ...d,
    deviceNumber: d.deviceNumber ?? deviceNumbers.get(d.number) ?? null,
  }));
  return { source: "switchingFunctionDevices", devices };
}

async function viaSwitchingFunctionDevices(
  client: CstaClient,
  inbox: SegmentInbox,
  timeoutMs: number,
): Promise<OfferedDevice[]> {
  const devices: OfferedDevice[] = [];
  // The serviceCrossRefID once the result has told it (segments may come before the result).
  const known: { crossRef?: string } = {};
  const early: IncomingInvoke[] = [];
  const segments = inbox.collect((invoke) => {
    if (invoke.opcode !== Opcode.switchingFunctionDevices || !invoke.argument) return "ignore";
    const segment = decodeValue(switchingFunctionDevicesArgument, invoke.argument);
    if (known.crossRef === undefined) {
      early.push(invoke);
      return segment.lastSegment ? "last" : "more";
    }
    if (segment.serviceCrossRefID.toHex() !== known.crossRef) return "ignore";
    devices.push(...segment.deviceList.flatMap(offeredFromEntry));
    return segment.lastSegment ? "last" : "more";
  }, timeoutMs);
  let result;
  try {
    result = await client.invokeRaw(Opcode.getSwitchingFunctionDevices, Uint8Array.of(0x30, 0x00));
  } catch (error) {
    segments.cancel();
    throw error;
  }
  const value = result.value ? decodeValue(getSwitchingFunctionDevicesResult, result.value) : undefined;
  known.crossRef = value ? value.serviceCrossRefID.toHex() : "";
  // Segments may overtake the result on the wire; those are settled now that the crossRef is known.
  for (const invoke of early.splice(0)) {
    const segment = decodeValue(switchingFunctionDevicesArgument, invoke.argument!);
    if (segment.serviceCrossRefID.toHex() === known.crossRef) {
      devices.push(...segment.deviceList.flatMap(offeredFromEntry));
    }
  }
  await segments.done;
  return devices;
}

async function viaKmeSystemData(
  client: CstaClient,
  inbox: SegmentInbox,
  timeoutMs: number,
): Promise<OfferedDevice[]> {
  const byNumber = new Map<string, OfferedDevice>();
  for (const category of KNOWN_DEVICE_LIST_CATEGORIES) {
    const segments = inbox.collect((invoke) => {
      if (invoke.opcode !== Opcode.escape || !invoke.argument) return "ignore";
      const data = decodeKmeEscape(invoke.argument);
      if (data.kind !== "deviceListSegment") return "ignore";
      for (const entry of data.segment.devices) {
        const deviceNumber = entry.device.deviceIdentifier.kind === "deviceNumber"
          ? entry.device.deviceIdentifier.value
          : null;
        byNumber.set(entry.number, { number: entry.number, deviceNumber, kind: "extension" });
      }
      return data.segment.lastSegment ? "last" : "more";
    }, timeoutMs);
    try {
      const result = await client.invokeRaw(Opcode.escape, deviceListRequestArgument(category));
      if (result.value) decodeDeviceListRequestResult(result.value);
    } catch (error) {
      segments.cancel();
      if (error instanceof CstaTimeoutError) throw error;
      continue; // this category is not offered; the next may be
    }
    await segments.done;
  }
  return [...byNumber.values()];
}

function offeredFromEntry(entry: SwitchingFunctionDeviceEntry): OfferedDevice[] {
  const identifier = entry.deviceID.deviceIdentifier;
  const number = identifierDigits(identifier);
  if (number === undefined) return [];
  const deviceNumber = identifier.kind === "deviceNumber" ? identifier.value : null;
  return [{ number, deviceNumber, kind: kindOf(entry.deviceCategory) }];
}

/** DeviceCategory (§9) to a line kind; station is the default when the PBX leaves it out. */
function kindOf(category: string | number | undefined): LineKind {
  switch (category) {
    case undefined:
    case "station":
      return "extension";
    case "networkInterface":
      return "trunk";
    case "acd":
    case "groupACD":
    case "groupHunt":
    case "groupPick":
    case "groupOther":
      return "group";
    default:
      return "other";
  }
}
