// Between the plan's devices and CSTA DeviceIDs (§5.1): requests may name a device by dialingNumber or by
// deviceNumber, and events name devices in the form the simulator is configured to report.

import type { ConnectionID } from "../csta/connection_id.ts";
import { connection, connectionDevice } from "../csta/connection_id.ts";
import {
  type DeviceID,
  deviceNumber,
  dialingNumber,
  identifierDigits,
  party as partyDevice,
  type PartyDeviceID,
  type RedirectionDeviceID,
} from "../csta/device_id.ts";
import type { ConnRef, DeviceKey, Party } from "./call_facts.ts";
import type { DevicePlan, PlanDevice } from "./device_plan.ts";

/** Which DeviceID form events use for the plan's devices (§5.1: Panasonic uses both [C-pbx]). */
export type DeviceForm = "dialingNumber" | "deviceNumber";

/** Translates devices and connections both ways for one plan and one reporting form. */
export class DeviceAddressing {
  constructor(readonly plan: DevicePlan, readonly form: DeviceForm = "dialingNumber") {}

  /** The plan device a DeviceID names (dialingNumber, deviceNumber or another digit form). */
  resolve(id: DeviceID): PlanDevice | undefined {
    const identifier = id.deviceIdentifier;
    if (identifier.kind === "deviceNumber") return this.plan.deviceByNumber(identifier.value);
    const digits = identifierDigits(identifier);
    return digits === undefined ? undefined : this.plan.device(digits);
  }

  /** The digits a DeviceID stands for as a destination: a plan number or an outside number. */
  digitsOf(id: DeviceID): string | undefined {
    const identifier = id.deviceIdentifier;
    if (identifier.kind === "deviceNumber") return this.plan.deviceByNumber(identifier.value)?.number;
    return identifierDigits(identifier);
  }

  /** The engine connection a ConnectionID names: its callID octets and its device. */
  connRef(id: ConnectionID): ConnRef | undefined {
    const callId = id.callID;
    const device = connectionDevice(id);
    if (!callId || callId.length === 0 || callId.length > 4 || !device) return undefined;
    const resolved = this.resolve(device);
    if (!resolved) return undefined;
    let value = 0;
    for (const octet of callId) value = value * 256 + octet;
    return { callId: value, device: resolved.number };
  }

  /** A plan device as a DeviceID in the reporting form. */
  deviceId(number: DeviceKey): DeviceID {
    if (this.form === "deviceNumber") {
      const device = this.plan.device(number);
      if (device) return deviceNumber(device.deviceNumber);
    }
    return dialingNumber(number);
  }

  /** A connection in Panasonic's "both" form. §5.2 [C-pbx] */
  connectionId(ref: ConnRef): ConnectionID {
    return connection(callIdOctets(ref.callId), this.deviceId(ref.device));
  }

  /** A party for a Calling/Called/Subject device field. */
  party(party: Party): PartyDeviceID {
    switch (party.kind) {
      case "device":
        return partyDevice(this.deviceId(party.number));
      case "external":
        return partyDevice(dialingNumber(party.number));
      case "notKnown":
        return { kind: "notKnown" };
      case "restricted":
        return { kind: "restricted" };
    }
  }

  /** A party for lastRedirectionDevice; no redirection is `notKnown` (§14.6). */
  redirection(party: Party | undefined): RedirectionDeviceID {
    if (!party || party.kind === "notKnown") return { kind: "notKnown" };
    if (party.kind === "restricted") return { kind: "restricted" };
    const device = party.kind === "device" ? this.deviceId(party.number) : dialingNumber(party.number);
    return { kind: "numberdialed", value: device };
  }

  /** A party as a bare DeviceID (newDestination, forwardTo), when it has a number. */
  plainDeviceId(party: Party): DeviceID | undefined {
    if (party.kind === "device") return this.deviceId(party.number);
    if (party.kind === "external") return dialingNumber(party.number);
    return undefined;
  }
}

/** CallIDs go out as 2 octets, big-endian (§5.2: the length is not documented [?]). */
export function callIdOctets(callId: number): Uint8Array {
  return Uint8Array.of((callId >> 8) & 0xff, callId & 0xff);
}
