// Call control services (§7): MakeCall, Clear*, Answer, Hold, Retrieve, Alternate, Reconnect, Deflect,
// Consultation, Transfer, Conference and the single-step transfer/conference.

import {
  callCharacteristics,
  callLinkageData,
  connectionInformation,
  correlatorData,
  mediaCallCharacteristics,
  taggedCallCharacteristics,
  taggedCorrelatorData,
  taggedOctets,
  taggedText,
  untaggedConnectionInformation,
  userData,
} from "./call_attributes.ts";
import {
  boolean,
  type Codec,
  describeTag,
  explicit,
  implicit,
  type Infer,
  namedEnumerated,
  opt,
  rawContext,
  req,
  sequence,
  sequenceOf,
} from "./codec.ts";
import { connectionId, connectionList } from "./connection_id.ts";
import { deviceId } from "./device_id.ts";
import { eventCause } from "./event_cause.ts";
import { extensions } from "./extensions.ts";
import { namedValues } from "./named_values.ts";

/** AutoOriginate of MakeCall. [C-std] */
export const AutoOriginate = namedValues("AutoOriginate", { prompt: 0, doNotPrompt: 1 });

/** ConsultOptions. [C-std] */
export const ConsultOptions = namedValues("ConsultOptions", {
  unrestricted: 0,
  consultOnly: 1,
  transferOnly: 2,
  conferenceOnly: 3,
});

/** ParticipationType of SingleStepConference and IntrudeCall. [C-std] */
export const ParticipationType = namedValues("ParticipationType", { silent: 0, active: 1, none: 2 });

const callLinkageDataList = (n: number) => rawContext("CallLinkageDataList", n);

/** MakeCall (10) argument; LinTcMon sends only the two devices (§14.8). §7 [C-std] */
export const makeCallArgument = sequence("MakeCall argument", {
  callingDevice: req(deviceId),
  calledDirectoryNumber: req(deviceId),
  accountCode: opt(taggedOctets(0)),
  authCode: opt(taggedOctets(1)),
  autoOriginate: opt(implicit(3, namedEnumerated(AutoOriginate))),
  correlatorData: opt(taggedCorrelatorData(2)),
  userData: opt(userData),
  callCharacteristics: opt(callCharacteristics),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(4)),
  callingConnectionInfo: opt(connectionInformation(5)),
  subjectOfCall: opt(taggedText(6)),
  languagePreferences: opt(taggedText(7)),
  reason: opt(implicit(8, eventCause)),
  extensions: opt(extensions),
});
export type MakeCallArgument = Infer<typeof makeCallArgument>;

/** MakeCall result: the new connection at the calling device. */
export const makeCallResult = sequence("MakeCall result", {
  callingDevice: req(connectionId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(0)),
  initiatedCallInfo: opt(connectionInformation(1)),
  callLinkageData: opt(callLinkageData(2)),
  extensions: opt(extensions),
});
export type MakeCallResult = Infer<typeof makeCallResult>;

/** ClearConnection (5) argument (§14.9); result noData. */
export const clearConnectionArgument = sequence("ClearConnection argument", {
  connectionToBeCleared: req(connectionId),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  reason: opt(eventCause),
  extensions: opt(extensions),
});
export type ClearConnectionArgument = Infer<typeof clearConnectionArgument>;

/** ClearCall (4) argument; result noData. */
export const clearCallArgument = sequence("ClearCall argument", {
  callToBeCleared: req(connectionId),
  userData: opt(userData),
  reason: opt(eventCause),
  extensions: opt(extensions),
});
export type ClearCallArgument = Infer<typeof clearCallArgument>;

/** AnswerCall (2) argument; result noData. */
export const answerCallArgument = sequence("AnswerCall argument", {
  callToBeAnswered: req(connectionId),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  extensions: opt(extensions),
});
export type AnswerCallArgument = Infer<typeof answerCallArgument>;

/** HoldCall (9) argument; result noData. */
export const holdCallArgument = sequence("HoldCall argument", {
  callToBeHeld: req(connectionId),
  connectionReservation: opt(boolean),
  extensions: opt(extensions),
});
export type HoldCallArgument = Infer<typeof holdCallArgument>;

/** RetrieveCall (14) argument; result noData. */
export const retrieveCallArgument = sequence("RetrieveCall argument", {
  callToBeRetrieved: req(connectionId),
  extensions: opt(extensions),
});
export type RetrieveCallArgument = Infer<typeof retrieveCallArgument>;

/** AlternateCall (1) argument (swap); result noData. */
export const alternateCallArgument = sequence("AlternateCall argument", {
  heldCall: req(connectionId),
  activeCall: req(connectionId),
  connectionReservation: opt(boolean),
  consultOptions: opt(namedEnumerated(ConsultOptions)),
  extensions: opt(extensions),
});
export type AlternateCallArgument = Infer<typeof alternateCallArgument>;

/** ReconnectCall (13) argument; result noData. */
export const reconnectCallArgument = sequence("ReconnectCall argument", {
  activeCall: req(connectionId),
  heldCall: req(connectionId),
  extensions: opt(extensions),
});
export type ReconnectCallArgument = Infer<typeof reconnectCallArgument>;

/**
 * DeflectCall (218) argument; the fields after newDestination are 4th-edition additions that a 2nd-edition
 * PBX may not know. §7, §16 [?]; result noData.
 */
export const deflectCallArgument = sequence("DeflectCall argument", {
  callToBeDiverted: req(connectionId),
  newDestination: req(deviceId),
  addNewDestinationsList: opt(sequenceOf("DeviceIDList", deviceId)),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  callCharacteristics: opt(taggedCallCharacteristics(0)),
  subjectOfCall: opt(taggedText(1)),
  languagePreferences: opt(taggedText(2)),
  reason: opt(implicit(3, eventCause)),
  extensions: opt(extensions),
});
export type DeflectCallArgument = Infer<typeof deflectCallArgument>;

/** SingleStepTransferCall (50, singleStepTrans) argument (blind transfer). */
export const singleStepTransferCallArgument = sequence("SingleStepTransferCall argument", {
  activeCall: req(connectionId),
  transferredTo: req(deviceId),
  accountCode: opt(taggedOctets(0)),
  authCode: opt(taggedOctets(1)),
  correlatorData: opt(taggedCorrelatorData(2)),
  userData: opt(userData),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  subjectOfCall: opt(taggedText(4)),
  languagePreferences: opt(taggedText(5)),
  reason: opt(implicit(6, eventCause)),
  extensions: opt(extensions),
});
export type SingleStepTransferCallArgument = Infer<typeof singleStepTransferCallArgument>;

/** SingleStepTransferCall result. */
export const singleStepTransferCallResult = sequence("SingleStepTransferCall result", {
  transferredCall: req(connectionId),
  connections: opt(implicit(0, connectionList)),
  transferredCallInfo: opt(connectionInformation(1)),
  callLinkageDataList: opt(callLinkageDataList(2)),
  extensions: opt(extensions),
});
export type SingleStepTransferCallResult = Infer<typeof singleStepTransferCallResult>;

/** ConsultationCall argument as in the ECMA-285 4th edition: every field context-tagged. §7 [C-std] */
const consultationCall4th = sequence("ConsultationCall argument (4th edition)", {
  existingCall: req(implicit(0, connectionId)),
  consultedDevice: req(explicit(1, deviceId)),
  connectionReservation: opt(implicit(2, boolean)),
  accountCode: opt(taggedOctets(3)),
  authCode: opt(taggedOctets(4)),
  correlatorData: opt(taggedCorrelatorData(5)),
  userData: opt(implicit(6, userData)),
  callCharacteristics: opt(taggedCallCharacteristics(7)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(8)),
  callingConnectionInfo: opt(connectionInformation(9)),
  consultOptions: opt(implicit(10, namedEnumerated(ConsultOptions))),
  subjectOfCall: opt(taggedText(11)),
  languagePreferences: opt(taggedText(12)),
  extensions: opt(extensions),
});

/**
 * ConsultationCall argument in the untagged 2nd-edition layout (`6B …`, `30 …`) that Panasonic is expected
 * to speak. Only the two leading fields are confirmed; anything after them is kept raw. §7, §16 [?]
 */
const consultationCall2nd = sequence("ConsultationCall argument (2nd edition)", {
  existingCall: req(connectionId),
  consultedDevice: req(deviceId),
  extensions: opt(extensions),
});

/**
 * ConsultationCall (7) argument in either edition: `edition: 4` is the tagged 4th-edition form,
 * `edition: 2` (the default when encoding) the untagged form.
 */
export type ConsultationCallArgument =
  | ({ edition?: 2 } & ConsultationCallArgument2nd)
  | ({ edition: 4 } & ConsultationCallArgument4th);
/** The untagged 2nd-edition fields. */
export type ConsultationCallArgument2nd = Infer<typeof consultationCall2nd>;
/** The tagged 4th-edition fields. */
export type ConsultationCallArgument4th = Infer<typeof consultationCall4th>;

/** Codec of ConsultationCall arguments: decodes both editions (by the first tag), encodes the chosen one. */
export const consultationCallArgument: Codec<ConsultationCallArgument> = {
  what: "ConsultationCall argument",
  tags: [0x30],
  decode: (reader, element) => {
    const first = reader.children(element, "ConsultationCall argument")[0];
    if (first?.tag === 0xa0) return { edition: 4, ...consultationCall4th.decode(reader, element) };
    if (first === undefined || first.tag === 0x6b) {
      return { edition: 2, ...consultationCall2nd.decode(reader, element) };
    }
    return reader.fail(
      "ConsultationCall argument",
      first.start,
      `unexpected first tag ${describeTag(first.tag)}`,
    );
  },
  encode: (value) => {
    const { edition, ...fields } = value;
    return edition === 4
      ? consultationCall4th.encode(fields as ConsultationCallArgument4th)
      : consultationCall2nd.encode(fields as ConsultationCallArgument2nd);
  },
};

/** ConsultationCall result. */
export const consultationCallResult = sequence("ConsultationCall result", {
  initiatedCall: req(connectionId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(0)),
  initiatedCallInfo: opt(connectionInformation(1)),
  callLinkageData: opt(callLinkageData(2)),
  extensions: opt(extensions),
});
export type ConsultationCallResult = Infer<typeof consultationCallResult>;

/** TransferCall (16) argument. */
export const transferCallArgument = sequence("TransferCall argument", {
  heldCall: req(connectionId),
  activeCall: req(connectionId),
  extensions: opt(extensions),
});
export type TransferCallArgument = Infer<typeof transferCallArgument>;

/** TransferCall result. */
export const transferCallResult = sequence("TransferCall result", {
  transferredCall: req(connectionId),
  connections: opt(implicit(0, connectionList)),
  transferredCallInfo: opt(connectionInformation(1)),
  callLinkageDataList: opt(callLinkageDataList(2)),
  extensions: opt(extensions),
});
export type TransferCallResult = Infer<typeof transferCallResult>;

/** ConferenceCall (6) argument. */
export const conferenceCallArgument = sequence("ConferenceCall argument", {
  heldCall: req(connectionId),
  activeCall: req(connectionId),
  extensions: opt(extensions),
});
export type ConferenceCallArgument = Infer<typeof conferenceCallArgument>;

/** ConferenceCall result. */
export const conferenceCallResult = sequence("ConferenceCall result", {
  conferenceCall: req(connectionId),
  connections: opt(implicit(0, connectionList)),
  conferenceCallInfo: opt(connectionInformation(1)),
  callLinkageDataList: opt(callLinkageDataList(2)),
  extensions: opt(extensions),
});
export type ConferenceCallResult = Infer<typeof conferenceCallResult>;

/** SingleStepConferenceCall (20, singleStepConf) argument. */
export const singleStepConferenceCallArgument = sequence("SingleStepConferenceCall argument", {
  activeCall: req(connectionId),
  deviceToJoin: req(deviceId),
  participationType: opt(namedEnumerated(ParticipationType)),
  accountCode: opt(taggedOctets(0)),
  authCode: opt(taggedOctets(1)),
  correlatorData: opt(taggedCorrelatorData(2)),
  userData: opt(userData),
  subjectOfCall: opt(taggedText(3)),
  languagePreferences: opt(taggedText(4)),
  extensions: opt(extensions),
});
export type SingleStepConferenceCallArgument = Infer<typeof singleStepConferenceCallArgument>;

/** SingleStepConferenceCall result. */
export const singleStepConferenceCallResult = sequence("SingleStepConferenceCall result", {
  conferencedCall: req(connectionId),
  conferencedCallInfo: opt(untaggedConnectionInformation),
  callLinkageDataList: opt(callLinkageDataList(1)),
  extensions: opt(extensions),
});
export type SingleStepConferenceCallResult = Infer<typeof singleStepConferenceCallResult>;
