// CallInformation, the call-associated event (category [1], event [0], §8.3) by which a switch reports an
// account code or new caller details during a call. The CSTA codecs keep it as an unknown event; this
// reads (and, for simulators and tests, writes) it. ECMA-285 module CSTA-call-information-event. [C-std]

import { contextTag } from "../csta/ber_reader.ts";
import {
  servicesPermitted,
  taggedCallCharacteristics,
  taggedCorrelatorData,
  taggedOctets,
  taggedText,
  untaggedConnectionInformation,
  userData,
} from "../csta/call_attributes.ts";
import { decodeValue, implicit, type Infer, opt, rawContext, req, sequence } from "../csta/codec.ts";
import { connectionId } from "../csta/connection_id.ts";
import { callingDeviceId, deviceId, subjectDeviceId } from "../csta/device_id.ts";
import { EventCategory, type UnknownEvent } from "../csta/event_report.ts";
import { extensions } from "../csta/extensions.ts";

/** Event tag of CallInformation inside the callAssociated category. §8.3 [C-std] */
export const CALL_INFORMATION_TAG = 0;

/** CallInformationEvent `[0] IMPLICIT SEQUENCE` (ECMA-285 4th ed.; the 2nd-edition fields come first). */
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

/** Whether an event the CSTA codecs left unknown is a CallInformation event. */
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

/** An account code as text: AccountInfo is an OCTET STRING of (normally) digits. */
export function accountCodeText(accountInfo: Uint8Array): string {
  let text = "";
  for (const octet of accountInfo) text += octet >= 0x20 && octet < 0x7f ? String.fromCharCode(octet) : "";
  return text.trim();
}
