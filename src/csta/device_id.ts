// DeviceID in every form of PROTOCOL.md §5.1 and the [APPLICATION n] CHOICE wrappers (calling, called,
// subject, redirection, ...) that carry it in arguments and events.

import { TagClass } from "./ber_reader.ts";
import {
  choice,
  type Codec,
  explicit,
  ia5String,
  implicit,
  integer,
  nullValue,
  octetString,
  opt,
  raw,
  req,
  sequence,
  type UnknownField,
} from "./codec.ts";

const ia5 = (n: number) => implicit(n, ia5String);

/** Type of number of a public number. */
export type PublicTonKind =
  | "unknown"
  | "international"
  | "national"
  | "networkspecific"
  | "subscriber"
  | "abbreviated";

/** Level of a private numbering plan number. */
export type PrivateTonKind =
  | "unknown"
  | "level3RegionalNumber"
  | "level2RegionalNumber"
  | "level1RegionalNumber"
  | "pTNSpecificNumber"
  | "localNumber"
  | "abbreviated";

/** PublicTON: a number with its type of number (`{ kind: "international", value: "4930123" }`). */
export type PublicTON = { kind: PublicTonKind; value: string };

/** PrivateTON: a private number with its level. */
export type PrivateTON = { kind: PrivateTonKind; value: string };

/** DeviceID.deviceIdentifier: which numbering form names the device. */
export type DeviceIdentifier =
  | { kind: "dialingNumber"; value: string }
  | { kind: "deviceNumber"; value: number }
  | { kind: "implicitPublic"; value: string }
  | { kind: "explicitPublic"; value: PublicTON }
  | { kind: "implicitPrivate"; value: string }
  | { kind: "explicitPrivate"; value: PrivateTON }
  | { kind: "other"; value: Uint8Array };

/** DeviceID: the identifier plus the optional later-edition parts. */
export interface DeviceID {
  deviceIdentifier: DeviceIdentifier;
  privateNumber?: string;
  privateName?: string;
  /** MediaCallCharacteristics SEQUENCE, raw. */
  mediaCallCharacteristics?: Uint8Array;
  unknownFields?: UnknownField[];
}

/** PublicTON codec. */
export const publicTon: Codec<PublicTON> = choice("PublicTON", {
  unknown: ia5(0),
  international: ia5(1),
  national: ia5(2),
  networkspecific: ia5(3),
  subscriber: ia5(4),
  abbreviated: ia5(5),
});

/** PrivateTON codec. */
export const privateTon: Codec<PrivateTON> = choice("PrivateTON", {
  unknown: ia5(0),
  level3RegionalNumber: ia5(1),
  level2RegionalNumber: ia5(2),
  level1RegionalNumber: ia5(3),
  pTNSpecificNumber: ia5(4),
  localNumber: ia5(5),
  abbreviated: ia5(6),
});

const identifierAlternatives = {
  /** Extension or external number as digits: `80 03 "201"`. Panasonic's usual form. §5.1 [C-pbx] */
  dialingNumber: ia5(0),
  /** Switch-internal device number: `81 LL <int>`. Panasonic uses it after GetSystemData. §5.1 [C-pbx] */
  deviceNumber: implicit(1, integer),
  implicitPublic: ia5(2),
  explicitPublic: explicit(3, publicTon),
  implicitPrivate: ia5(4),
  explicitPrivate: explicit(5, privateTon),
  /** OtherPlan OCTET STRING, seen from Panasonic. §5.1 [C-pbx] */
  other: implicit(6, octetString),
};

/** DeviceIdentifier codec. */
export const deviceIdentifier: Codec<DeviceIdentifier> = choice(
  "DeviceID.deviceIdentifier",
  identifierAlternatives,
);

/**
 * DeviceID `30 { identifier, privateNumber [0] OPT, privateName [1] OPT, mediaCallCharacteristics OPT }`.
 * The last three are later-edition additions; mediaCallCharacteristics is kept raw. §5.1 [C-std]
 */
export const deviceId: Codec<DeviceID> = sequence("DeviceID", {
  deviceIdentifier: req(deviceIdentifier),
  privateNumber: opt(explicit(0, ia5String)),
  privateName: opt(explicit(1, ia5String)),
  mediaCallCharacteristics: opt(raw("MediaCallCharacteristics", 0x30)),
});

/** DeviceID of an extension or external number given as digits (dialingNumber). */
export function dialingNumber(digits: string): DeviceID {
  return { deviceIdentifier: { kind: "dialingNumber", value: digits } };
}

/** DeviceID of a switch-internal device number (deviceNumber). */
export function deviceNumber(number: number): DeviceID {
  return { deviceIdentifier: { kind: "deviceNumber", value: number } };
}

/** The digits of a DeviceID in any string form, or `undefined` for deviceNumber and other. */
export function identifierDigits(identifier: DeviceIdentifier): string | undefined {
  switch (identifier.kind) {
    case "dialingNumber":
    case "implicitPublic":
    case "implicitPrivate":
      return identifier.value;
    case "explicitPublic":
    case "explicitPrivate":
      return identifier.value.value;
    default:
      return undefined;
  }
}

// In the 2nd edition (the one Panasonic announces, §2.3) the wrappers held ExtendedDeviceID, a CHOICE of
// DeviceID or a bare identifier [2]..[6] without the SEQUENCE; LinTcMon decodes Panasonic frames that way.
// We accept and re-emit those bare forms. §5.1 [C-pbx]
const bareIdentifiers = {
  implicitPublic: identifierAlternatives.implicitPublic,
  explicitPublic: identifierAlternatives.explicitPublic,
  implicitPrivate: identifierAlternatives.implicitPrivate,
  explicitPrivate: identifierAlternatives.explicitPrivate,
  other: identifierAlternatives.other,
};

const partyAlternatives = {
  deviceIdentifier: deviceId,
  ...bareIdentifiers,
  notKnown: implicit(7, nullValue),
  /** `[8]`: named `restricted` in the 4th edition and `notRequired` in the 2nd; same tag. §5.1 */
  restricted: implicit(8, nullValue),
};

/**
 * Calling/Called/Subject/Associated/Network/Extended device: a device, a bare 2nd-edition identifier,
 * or why there is none.
 */
export type PartyDeviceID =
  | { kind: "deviceIdentifier"; value: DeviceID }
  | Exclude<DeviceIdentifier, { kind: "dialingNumber" | "deviceNumber" }>
  | { kind: "notKnown" }
  | { kind: "restricted" };

const partyChoice: Codec<PartyDeviceID> = choice("PartyDeviceID", partyAlternatives);

function partyDevice(what: string, application: number): Codec<PartyDeviceID> {
  return { ...explicit(application, partyChoice, TagClass.application), what };
}

/** CallingDeviceID `[APPLICATION 1]` (`61`). */
export const callingDeviceId = partyDevice("CallingDeviceID", 1);
/** CalledDeviceID `[APPLICATION 2]` (`62`). */
export const calledDeviceId = partyDevice("CalledDeviceID", 2);
/** SubjectDeviceID `[APPLICATION 3]` (`63`). */
export const subjectDeviceId = partyDevice("SubjectDeviceID", 3);
/** AssociatedCallingDeviceID `[APPLICATION 5]` (`65`). */
export const associatedCallingDeviceId = partyDevice("AssociatedCallingDeviceID", 5);
/** AssociatedCalledDeviceID `[APPLICATION 6]` (`66`). */
export const associatedCalledDeviceId = partyDevice("AssociatedCalledDeviceID", 6);
/** NetworkCallingDeviceID `[APPLICATION 7]` (`67`). */
export const networkCallingDeviceId = partyDevice("NetworkCallingDeviceID", 7);
/** NetworkCalledDeviceID `[APPLICATION 8]` (`68`). */
export const networkCalledDeviceId = partyDevice("NetworkCalledDeviceID", 8);
/** ExtendedDeviceID `[APPLICATION 9]` (`69`). */
export const extendedDeviceId = partyDevice("ExtendedDeviceID", 9);

const redirectionAlternatives = {
  numberdialed: deviceId,
  ...bareIdentifiers,
  notKnown: implicit(7, nullValue),
  notRequired: implicit(8, nullValue),
  notSpecified: implicit(9, nullValue),
  restricted: implicit(10, nullValue),
};

/** RedirectionDeviceID `[APPLICATION 4]` (`64`): the last redirecting device, or why there is none. */
export type RedirectionDeviceID =
  | { kind: "numberdialed"; value: DeviceID }
  | Exclude<DeviceIdentifier, { kind: "dialingNumber" | "deviceNumber" }>
  | { kind: "notKnown" }
  | { kind: "notRequired" }
  | { kind: "notSpecified" }
  | { kind: "restricted" };

/** RedirectionDeviceID codec (`64 02 87 00` = notKnown). §5.1 [C-std] */
export const redirectionDeviceId: Codec<RedirectionDeviceID> = {
  ...explicit(4, choice("RedirectionDeviceID", redirectionAlternatives), TagClass.application),
  what: "RedirectionDeviceID",
};

/** A party wrapper holding a DeviceID. */
export function party(device: DeviceID): PartyDeviceID {
  return { kind: "deviceIdentifier", value: device };
}

/** The DeviceID inside a party or redirection wrapper (bare 2nd-edition forms included), if any. */
export function deviceOf(party: PartyDeviceID | RedirectionDeviceID): DeviceID | undefined {
  switch (party.kind) {
    case "deviceIdentifier":
    case "numberdialed":
      return party.value;
    case "implicitPublic":
    case "explicitPublic":
    case "implicitPrivate":
    case "explicitPrivate":
    case "other":
      return { deviceIdentifier: party };
    default:
      return undefined;
  }
}
