// Data that travels with calls in many arguments and events: correlator data, user data, account and
// authorisation codes, call characteristics, and the later-edition structures cstabox keeps raw.

import { TagClass } from "./ber_reader.ts";
import {
  bitString,
  type Codec,
  explicit,
  ia5String,
  implicit,
  octetString,
  raw,
  rawContext,
} from "./codec.ts";
import type { BitString } from "./bit_string.ts";

/** CorrelatorData OCTET STRING, untagged (ClearConnection, AnswerCall, ...). */
export const correlatorData: Codec<Uint8Array> = octetString;

/** `[n] IMPLICIT CorrelatorData` as used in events and MakeCall. */
export const taggedCorrelatorData = (n: number): Codec<Uint8Array> => implicit(n, octetString);

/** UserData `[APPLICATION 29] OCTET STRING`, explicit: `7D LL 04 LL …`. §4 [C-std] */
export const userData: Codec<Uint8Array> = explicit(29, octetString, TagClass.application);

/** `[n] IMPLICIT AccountInfo` / `AuthCode` (OCTET STRING). */
export const taggedOctets = (n: number): Codec<Uint8Array> => implicit(n, octetString);

/** CallCharacteristics BIT STRING {acdCall 0, priorityCall 1, ...}, untagged. */
export const callCharacteristics: Codec<BitString> = bitString;

/** `[n] IMPLICIT CallCharacteristics`. */
export const taggedCallCharacteristics = (n: number): Codec<BitString> => implicit(n, bitString);

/** `[n] IMPLICIT SubjectOfCall` / `LanguagePreferences` (IA5String). */
export const taggedText = (n: number): Codec<string> => implicit(n, ia5String);

/** ServicesPermitted and the other later-edition structures, `[n] IMPLICIT`, kept raw. */
export const servicesPermitted = (n: number): Codec<Uint8Array> => rawContext("ServicesPermitted", n);
export const mediaCallCharacteristics = (n: number): Codec<Uint8Array> =>
  rawContext("MediaCallCharacteristics", n);
export const connectionInformation = (n: number): Codec<Uint8Array> => rawContext("ConnectionInformation", n);
export const callLinkageData = (n: number): Codec<Uint8Array> => rawContext("CallLinkageData", n);
export const messageInfo = (n: number): Codec<Uint8Array> => rawContext("MessageInfo", n);
export const deviceHistory = (n: number): Codec<Uint8Array> => rawContext("DeviceHistory", n);
export const locationInfo = (n: number): Codec<Uint8Array> => rawContext("LocationInfoList", n);
export const chargingInfo = (n: number): Codec<Uint8Array> => rawContext("ChargingInfo", n);

/** Untagged MediaCallCharacteristics / ConnectionInformation (both SEQUENCE, `30`), kept raw. */
export const untaggedMediaCallCharacteristics: Codec<Uint8Array> = raw("MediaCallCharacteristics", 0x30);
export const untaggedConnectionInformation: Codec<Uint8Array> = raw("ConnectionInformation", 0x30);
