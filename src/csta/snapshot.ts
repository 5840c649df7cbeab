// Snapshot services (§7): SnapshotDevice lists the calls at a device, SnapshotCall the devices in a call;
// the answer is inline data or a serviceCrossRefID for segmented delivery.

import {
  callCharacteristics,
  callLinkageData,
  deviceHistory,
  locationInfo,
  mediaCallCharacteristics,
  messageInfo,
  servicesPermitted,
  taggedCorrelatorData,
  taggedText,
  untaggedMediaCallCharacteristics,
} from "./call_attributes.ts";
import {
  choice,
  implicit,
  type Infer,
  octetString,
  opt,
  rawContext,
  req,
  sequence,
  sequenceOf,
} from "./codec.ts";
import { connectionId } from "./connection_id.ts";
import { callState, localConnectionState } from "./connection_state.ts";
import {
  associatedCalledDeviceId,
  associatedCallingDeviceId,
  calledDeviceId,
  callingDeviceId,
  deviceId,
  subjectDeviceId,
} from "./device_id.ts";
import { extensions } from "./extensions.ts";

/** SnapshotDevice (74) argument. */
export const snapshotDeviceArgument = sequence("SnapshotDevice argument", {
  snapshotObject: req(deviceId),
  extensions: opt(extensions),
});
export type SnapshotDeviceArgument = Infer<typeof snapshotDeviceArgument>;

/** One call at the device. [C-std] */
export const snapshotDeviceResponseInfo = sequence("SnapshotDeviceResponseInfo", {
  connectionIdentifier: req(connectionId),
  endpointDevice: opt(implicit(3, subjectDeviceId)),
  localCallState: req(callState),
  servicesPermitted: opt(servicesPermitted(0)),
  mediaServiceInfoList: opt(rawContext("DeviceMediaInfoList", 1)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callLinkageData: opt(callLinkageData(4)),
});
export type SnapshotDeviceResponseInfo = Infer<typeof snapshotDeviceResponseInfo>;

/** SnapshotDevice (74) result: `snapshotData` (`76`) or a serviceCrossRefID. */
export const snapshotDeviceResult = sequence("SnapshotDevice result", {
  crossRefIDorSnapshotData: req(choice("SnapshotDevice result.crossRefIDorSnapshotData", {
    serviceCrossRefID: octetString,
    snapshotData: sequenceOf("SnapshotDeviceData", snapshotDeviceResponseInfo, 0x76),
  })),
  extensions: opt(extensions),
});
export type SnapshotDeviceResult = Infer<typeof snapshotDeviceResult>;

/** SnapshotCall (75) argument. */
export const snapshotCallArgument = sequence("SnapshotCall argument", {
  snapshotObject: req(connectionId),
  extensions: opt(extensions),
});
export type SnapshotCallArgument = Infer<typeof snapshotCallArgument>;

/** One device in the call. [C-std] */
export const snapshotCallResponseInfo = sequence("SnapshotCallResponseInfo", {
  deviceOnCall: req(subjectDeviceId),
  callIdentifier: opt(connectionId),
  localConnectionState: opt(localConnectionState),
  servicesPermitted: opt(servicesPermitted(0)),
  mediaServiceInfoList: opt(rawContext("CallMediaInfoList", 1)),
  locationInfo: opt(locationInfo(2)),
});
export type SnapshotCallResponseInfo = Infer<typeof snapshotCallResponseInfo>;

/** SnapshotCall (75) result: `snapshotData` (`77`) or a `[0]` serviceCrossRefID, then call data. */
export const snapshotCallResult = sequence("SnapshotCall result", {
  crossRefIDorSnapshotData: req(choice("SnapshotCall result.crossRefIDorSnapshotData", {
    serviceCrossRefID: implicit(0, octetString),
    snapshotData: sequenceOf("SnapshotCallData", snapshotCallResponseInfo, 0x77),
  })),
  mediaCallCharacteristics: opt(untaggedMediaCallCharacteristics),
  callCharacteristics: opt(callCharacteristics),
  callingDevice: opt(callingDeviceId),
  calledDevice: opt(calledDeviceId),
  associatedCallingDeviceID: opt(associatedCallingDeviceId),
  associatedCalledDeviceID: opt(associatedCalledDeviceId),
  correlatorData: opt(taggedCorrelatorData(1)),
  callLinkageData: opt(callLinkageData(2)),
  subjectOfCall: opt(taggedText(3)),
  messageInfo: opt(messageInfo(4)),
  languagePreferences: opt(taggedText(5)),
  deviceHistory: opt(deviceHistory(6)),
  extensions: opt(extensions),
});
export type SnapshotCallResult = Infer<typeof snapshotCallResult>;
