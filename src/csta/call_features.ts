// Call-related features (§7): group and directed pickup, call back, camp-on, intrusion, dialling in an
// established call (DialDigits) and DTMF (GenerateDigits).

import {
  callCharacteristics,
  callLinkageData,
  correlatorData,
  taggedText,
  untaggedConnectionInformation,
  userData,
} from "./call_attributes.ts";
import {
  ia5String,
  implicit,
  type Infer,
  integer,
  namedEnumerated,
  opt,
  rawContext,
  req,
  sequence,
} from "./codec.ts";
import { connectionId } from "./connection_id.ts";
import { deviceId } from "./device_id.ts";
import { extensions } from "./extensions.ts";
import { ParticipationType } from "./call_control.ts";
import { namedValues } from "./named_values.ts";

/** GroupPickupCall (221) argument. */
export const groupPickupCallArgument = sequence("GroupPickupCall argument", {
  newDestination: req(deviceId),
  pickGroup: opt(deviceId),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  extensions: opt(extensions),
});
export type GroupPickupCallArgument = Infer<typeof groupPickupCallArgument>;

/** GroupPickupCall / DirectedPickupCall result. */
export const pickupCallResult = sequence("PickupCall result", {
  pickedCall: opt(connectionId),
  pickedCallInfo: opt(untaggedConnectionInformation),
  callLinkageData: opt(callLinkageData(1)),
  extensions: opt(extensions),
});
export type PickupCallResult = Infer<typeof pickupCallResult>;

/** DirectedPickupCall (220) argument. */
export const directedPickupCallArgument = sequence("DirectedPickupCall argument", {
  callToBePickedUp: req(connectionId),
  requestingDevice: req(deviceId),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  extensions: opt(extensions),
});
export type DirectedPickupCallArgument = Infer<typeof directedPickupCallArgument>;

/** CallBack (215, call-related) argument. */
export const callBackArgument = sequence("CallBack argument", {
  callbackConnection: req(connectionId),
  callCharacteristics: opt(callCharacteristics),
  subjectOfCall: opt(taggedText(0)),
  languagePreferences: opt(taggedText(1)),
  extensions: opt(extensions),
});
export type CallBackArgument = Infer<typeof callBackArgument>;

/** CallBack result. */
export const callBackResult = sequence("CallBack result", {
  targetDevice: opt(deviceId),
  extensions: opt(extensions),
});
export type CallBackResult = Infer<typeof callBackResult>;

/** CampOnCall (217, camponCall) argument; result noData. */
export const campOnCallArgument = sequence("CampOnCall argument", {
  camponConnection: req(connectionId),
  extensions: opt(extensions),
});
export type CampOnCallArgument = Infer<typeof campOnCallArgument>;

/** IntrudeCall (222) argument. */
export const intrudeCallArgument = sequence("IntrudeCall argument", {
  intrude: req(connectionId),
  participationType: opt(namedEnumerated(ParticipationType)),
  userData: opt(userData),
  extensions: opt(extensions),
});
export type IntrudeCallArgument = Infer<typeof intrudeCallArgument>;

/** IntrudeCall result. */
export const intrudeCallResult = sequence("IntrudeCall result", {
  conferencedCall: opt(connectionId),
  conferencedCallInfo: opt(untaggedConnectionInformation),
  callLinkageDataList: opt(rawContext("CallLinkageDataList", 1)),
  extensions: opt(extensions),
});
export type IntrudeCallResult = Infer<typeof intrudeCallResult>;

/** DialDigits (219) argument: digits dialled on an existing connection; result noData. */
export const dialDigitsArgument = sequence("DialDigits argument", {
  diallingConnection: req(connectionId),
  diallingSequence: req(deviceId),
  correlatorData: opt(correlatorData),
  extensions: opt(extensions),
});
export type DialDigitsArgument = Infer<typeof dialDigitsArgument>;

/** DigitMode of GenerateDigits. [C-std] */
export const DigitMode = namedValues("DigitMode", { rotaryPulse: 0, dTMF: 1 });

/** GenerateDigits (232) argument (DTMF); result noData. */
export const generateDigitsArgument = sequence("GenerateDigits argument", {
  connectionToSendDigits: req(connectionId),
  digitMode: opt(namedEnumerated(DigitMode)),
  charactersToSend: req(ia5String),
  toneDuration: opt(implicit(0, integer)),
  pulseRate: opt(implicit(1, integer)),
  pauseDuration: opt(implicit(2, integer)),
  extensions: opt(extensions),
});
export type GenerateDigitsArgument = Infer<typeof generateDigitsArgument>;
