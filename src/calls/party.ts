// Who a device in an event is: one of the PBX's lines (extension, group, trunk), another internal number,
// or an outside party; read from any DeviceID form the PBX uses (§5.1) through the line directory.

import type { DeviceID, PartyDeviceID, RedirectionDeviceID } from "../csta/device_id.ts";
import { deviceOf, identifierDigits } from "../csta/device_id.ts";

/**
 * What a party is. `internal`: an internal number that is no known line (outside the line store but
 * inside the extension ranges, or a PBX device number the store does not know). `external`: an outside
 * number, the caller or the called party of a trunk call.
 */
export type PartyKind = "extension" | "group" | "trunk" | "internal" | "external";

/** A device named in an event, as the call model keeps it. */
export interface Party {
  /** Digits as dialled (a line's number for a PBX device number the store knows). */
  readonly number: string;
  readonly kind: PartyKind;
  /** The name the PBX gave with the number (DeviceID.privateName, later editions), if any. */
  readonly name?: string;
}

/** What the call model asks about devices; the call tracker answers from the line store. */
export interface PartyDirectory {
  /** What a number is. */
  kindOf(number: string): PartyKind;
  /** The number of a PBX device number (§5.1 deviceNumber [C-pbx]), when a line has it. */
  numberOfDevice(deviceNumber: number): string | undefined;
}

/** Whether a party is a device of the PBX (not an outside number). */
export function isInternalParty(party: Party | undefined): boolean {
  return party !== undefined && party.kind !== "external" && party.kind !== "trunk";
}

/** Whether a party is the outside end of a call: a trunk or an outside number. */
export function isOutsideParty(party: Party | undefined): boolean {
  return party !== undefined && (party.kind === "external" || party.kind === "trunk");
}

/** The party a DeviceID names, or undefined when it carries no usable number (`other`, empty). */
export function partyOfDevice(device: DeviceID, directory: PartyDirectory): Party | undefined {
  const identifier = device.deviceIdentifier;
  let number: string | undefined;
  if (identifier.kind === "deviceNumber") {
    const known = directory.numberOfDevice(identifier.value);
    // An unknown device number is still a PBX device; its integer stands in for the number.
    if (known === undefined) return withName({ number: String(identifier.value), kind: "internal" }, device);
    number = known;
  } else {
    number = identifierDigits(identifier)?.trim();
  }
  if (number === undefined || number === "") return undefined;
  return withName({ number, kind: directory.kindOf(number) }, device);
}

/** The party of a Calling/Called/Subject/… or redirection field; undefined for notKnown/restricted. */
export function partyOfField(
  field: PartyDeviceID | RedirectionDeviceID | undefined,
  directory: PartyDirectory,
): Party | undefined {
  if (field === undefined) return undefined;
  const device = deviceOf(field);
  return device ? partyOfDevice(device, directory) : undefined;
}

function withName(party: Party, device: DeviceID): Party {
  const name = device.privateName?.trim();
  return name ? { ...party, name } : party;
}
