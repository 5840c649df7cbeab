// Call Detail Record services (§10): start/stop transmission, the CDR report with its records, and
// GeneralizedTime parsing (Panasonic sends local `YYYYMMDDhhmmss`; durations in tenths of a second).

import {
  chargingInfo,
  mediaCallCharacteristics,
  taggedCallCharacteristics,
  taggedOctets,
} from "./call_attributes.ts";
import {
  bitString,
  boolean,
  choice,
  explicit,
  generalizedTime,
  implicit,
  type Infer,
  integer,
  namedEnumerated,
  octetString,
  opt,
  rawContext,
  req,
  sequence,
  sequenceOf,
} from "./codec.ts";
import { connectionId } from "./connection_id.ts";
import {
  associatedCalledDeviceId,
  associatedCallingDeviceId,
  calledDeviceId,
  callingDeviceId,
  deviceId,
  networkCalledDeviceId,
  networkCallingDeviceId,
} from "./device_id.ts";
import { extensions, noDataResult } from "./extensions.ts";
import { namedValues } from "./named_values.ts";
import { Opcode } from "./opcodes.ts";
import { encodeInvoke } from "./rose.ts";
import { DeviceCategory } from "./system_services.ts";

/** CDRTransferMode. §10 [C-std] */
export const CDRTransferMode = namedValues("CDRTransferMode", {
  transferAtEndOfCall: 0,
  transferOnRequest: 1,
  transferOnThresholdReached: 2,
});

/** CDRTermReason. §10 [C-std] */
export const CDRTermReason = namedValues("CDRTermReason", {
  endOfDataDetected: 0,
  errorDetected: 1,
  thresholdReached: 2,
  other: 3,
});

/** BillingID. [C-std] */
export const BillingID = namedValues("BillingID", {
  normalCharging: 0,
  reverseCharging: 1,
  creditCardCharging: 2,
  callForwarding: 3,
  callDeflection: 4,
  callTransfer: 5,
  other: 6,
});

/** ReasonForTerm. [C-std] */
export const ReasonForTerm = namedValues("ReasonForTerm", {
  normalClearing: 0,
  unsuccessfulCallAttempt: 1,
  abnormalTermination: 2,
  callTransferred: 3,
  other: 4,
});

/** SupplServiceInfo bit numbers. [C-std] */
export const SupplServiceInfoBit = {
  normalCall: 0,
  consultationCall: 1,
  transferCall: 2,
  callCompletion: 3,
  callForwarding: 4,
  callDiversion: 5,
  conferencing: 6,
  intrusion: 7,
  userUserInfo: 8,
  other: 9,
} as const;

/** StartCDRTransmission (363) argument, `30 03 0A 01 00` = transferAtEndOfCall (§14.11). */
export const startCDRTransmissionArgument = sequence("StartCDRTransmission argument", {
  transferMode: req(namedEnumerated(CDRTransferMode)),
  extensions: opt(extensions),
});
export type StartCDRTransmissionArgument = Infer<typeof startCDRTransmissionArgument>;

/** StartCDRTransmission result. */
export const startCDRTransmissionResult = sequence("StartCDRTransmission result", {
  cdrCrossRefID: req(octetString),
  extensions: opt(extensions),
});
export type StartCDRTransmissionResult = Infer<typeof startCDRTransmissionResult>;

/** StopCDRTransmission (364) argument, sent by either side; result noData. */
export const stopCDRTransmissionArgument = sequence("StopCDRTransmission argument", {
  cdrCrossRefID: req(octetString),
  cdrTermReason: opt(namedEnumerated(CDRTermReason)),
  extensions: opt(extensions),
});
export type StopCDRTransmissionArgument = Infer<typeof stopCDRTransmissionArgument>;

/** StopCallDetailRecordsTransmission invoke `30 { 04 cdrCrossRefID }`. §10 [C-std] */
export function stopCdrInvoke(invokeId: number, cdrCrossRefID: Uint8Array): Uint8Array {
  return encodeInvoke(
    invokeId,
    Opcode.stopCDRTransmission,
    stopCDRTransmissionArgument.encode({ cdrCrossRefID }),
  );
}

/**
 * One call record. `connectionDuration` is in tenths of a second on Panasonic (§10 [C-pbx]);
 * times are GeneralizedTime text (see {@link parseGeneralizedTime}). A trailing `extensions` element is
 * accepted for Panasonic's KME condition code (§10 [?]).
 */
export const cdrInformationItem = sequence("CDRInformationItem", {
  recordNumber: opt(integer),
  recordCreationTime: req(generalizedTime),
  callingDevice: opt(callingDeviceId),
  calledDevice: opt(calledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  callCharacteristics: opt(taggedCallCharacteristics(0)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(1)),
  chargedDevice: opt(explicit(
    2,
    choice("ChargedDevice", { operator: implicit(0, deviceId), nonOperator: implicit(1, deviceId) }),
  )),
  recordedCall: opt(connectionId),
  nodeNumber: opt(rawContext("NodeNumber", 3)),
  tariffTable: opt(implicit(4, integer)),
  connectionStart: opt(implicit(5, generalizedTime)),
  connectionEnd: opt(implicit(6, generalizedTime)),
  connectionDuration: opt(implicit(7, integer)),
  accessCode: opt(taggedOctets(8)),
  carrier: opt(implicit(9, integer)),
  selectedRoute: opt(implicit(10, integer)),
  billingID: opt(implicit(11, namedEnumerated(BillingID))),
  chargingInfo: opt(chargingInfo(12)),
  supplServiceInfo: opt(implicit(13, bitString)),
  reasonForTerm: opt(implicit(14, namedEnumerated(ReasonForTerm))),
  authCode: opt(taggedOctets(15)),
  accountInfo: opt(taggedOctets(16)),
  deviceCategory: opt(implicit(17, namedEnumerated(DeviceCategory))),
  namedDeviceTypes: opt(rawContext("NamedDeviceTypes", 18)),
  operatorDevice: opt(explicit(19, deviceId)),
  extensions: opt(extensions),
});
export type CDRInformationItem = Infer<typeof cdrInformationItem>;

/** CallDetailRecordsReport (361, cDRReport) argument; must be answered with noData. §10 [C-pbx] */
export const cdrReportArgument = sequence("CDRReport argument", {
  cdrCrossRefID: req(octetString),
  numberOfRecordsSent: req(integer),
  cdrInfo: req(sequenceOf("CDRInfo", cdrInformationItem)),
  lastStoredCDRReportSent: opt(boolean),
  extensions: opt(extensions),
});
export type CDRReportArgument = Infer<typeof cdrReportArgument>;
export const cdrReportResult = noDataResult;

/** The parts of a GeneralizedTime; `offsetMinutes` is undefined for local time (Panasonic's form). */
export interface GeneralizedTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the last given unit as written, e.g. `"5"` for `.5`. */
  fraction?: string;
  /** 0 for `Z`, minutes east of UTC for `+hhmm`/`-hhmm`, undefined for local time. */
  offsetMinutes?: number;
}

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{4})?$/;

/**
 * Parses `YYYYMMDDhh[mm[ss]][.f][Z|±hhmm]`; `undefined` when the text is not a valid GeneralizedTime
 * (decoding keeps the text as sent, so a strange PBX clock never loses a record).
 */
export function parseGeneralizedTime(text: string): GeneralizedTimeParts | undefined {
  const match = GENERALIZED_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const parts: GeneralizedTimeParts = {
    year: +y,
    month: +mo,
    day: +d,
    hour: +h,
    minute: mi === undefined ? 0 : +mi,
    second: s === undefined ? 0 : +s,
  };
  if (parts.month < 1 || parts.month > 12 || parts.day < 1 || parts.day > 31) return undefined;
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 60) return undefined;
  if (fraction !== undefined) parts.fraction = fraction;
  if (zone === "Z") parts.offsetMinutes = 0;
  else if (zone !== undefined) {
    const sign = zone[0] === "-" ? -1 : 1;
    parts.offsetMinutes = sign * (+zone.slice(1, 3) * 60 + +zone.slice(3, 5));
  }
  return parts;
}

/** Formats local parts as Panasonic's `YYYYMMDDhhmmss`. */
export function formatGeneralizedTime(
  parts: Omit<GeneralizedTimeParts, "fraction" | "offsetMinutes">,
): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(parts.year).padStart(4, "0")}${two(parts.month)}${two(parts.day)}${two(parts.hour)}${
    two(parts.minute)
  }${two(parts.second)}`;
}

/** A Panasonic duration (tenths of a second) in seconds. §10 [C-pbx] */
export function durationSeconds(tenths: number): number {
  return tenths / 10;
}
