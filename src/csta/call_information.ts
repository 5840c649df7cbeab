// CallInformation, the call-associated event (category [1], event [0], §8.3) by which a switch reports an
// account code or new caller details during a call. ECMA-285 module CSTA-call-information-event. [C-std]
// The EventReport codec keeps it as an unknown event; this reads and writes its element.

import { contextTag } from "./ber_reader.ts";
import {
  servicesPermitted,
  taggedCallCharacteristics,
  taggedCorrelatorData,
  taggedOctets,
  taggedText,
  untaggedConnectionInformation,
  userData,
} from "./call_attributes.ts";
import { decodeValue, implicit, type Infer, opt, rawContext, req, sequence } from "./codec.ts";
import { connectionId } from "./connection_id.ts";
import { callingDeviceId, deviceId, subjectDeviceId } from "./device_id.ts";
import { EventCategory, type UnknownEvent } from "./event_report.ts";
import { extensions } from "./extensions.ts";

/** Event tag of CallInformation inside the callAssociated category. §8.3 [C-std] */
export const CALL_INFORMATION_TAG = 0;

/**
 * CallInformationEvent `[0] IMPLICIT SEQUENCE` in ECMA-285's field order (4th ed.; the 2nd-edition fields
 * come first). Field names are the ASN.1 ones (`authCode`, where CSTA Phase I said authorisationCode).
 */
export const callInformationEvent = sequence("CallInformationEvent", {
  connection: req(connectionId),
  device: req(subjectDeviceId),
  callingDevice: opt(callingDeviceId),
  /** AccountInfo OCTET STRING: the account code entered for the call. */
  accountInfo: opt(taggedOctets(0)),
  authCode: opt(taggedOctets(1)),
  correlatorData: opt(taggedCorrelatorData(2)),
  servicesPermitted: opt(servicesPermitted(3)),
  userData: opt(userData),
  callQualifyingData: opt(rawContext("CallQualifyingData", 4)),
  connectionInfo: opt(untaggedConnectionInformation),
  callLinkageDataList: opt(rawContext("CallLinkageDataList", 5)),
  callCharacteristics: opt(taggedCallCharacteristics(6)),
  subjectOfCall: opt(taggedText(7)),
  languagePreferences: opt(taggedText(8)),
  deviceInfo: opt(implicit(9, deviceId)),
  extensions: opt(extensions),
}, contextTag(CALL_INFORMATION_TAG, true));

/** The fields of a CallInformation event. */
export type CallInformationEvent = Infer<typeof callInformationEvent>;

/** Whether an event the EventReport codec left unknown is a CallInformation event. */
export function isCallInformation(event: UnknownEvent): boolean {
  return event.category === EventCategory.callAssociated && event.tag === CALL_INFORMATION_TAG;
}

/**
 * Reads a CallInformation event from the unknown event's raw element.
 * @throws CstaDecodeError naming the field and offset when the bytes do not fit.
 */
export function decodeCallInformation(event: UnknownEvent): CallInformationEvent {
  return decodeValue(callInformationEvent, event.raw);
}

/** A CallInformation event as the EventReport codec carries it (`{ kind: "unknown", category 1, tag 0 }`). */
export function callInformationAsEvent(fields: CallInformationEvent): UnknownEvent {
  return {
    kind: "unknown",
    category: EventCategory.callAssociated,
    tag: CALL_INFORMATION_TAG,
    raw: callInformationEvent.encode(fields),
  };
}

/** An account code as AccountInfo octets (ECMA: an OCTET STRING; Panasonic's codes are digits [?]). */
export function accountInfoOf(code: string): Uint8Array {
  return new TextEncoder().encode(code);
}
