// EventReport (op 21, §8.3/§8.4): `30 { 55 crossRef, [category] { [event] SEQUENCE } }` as a discriminated
// union of the call-control events plus forwarding and do-not-disturb; any other event stays raw.

import { contextTag, tagNumberOf } from "./ber_reader.ts";
import { concatBytes, tlv } from "./ber_writer.ts";
import {
  callLinkageData,
  chargingInfo,
  connectionInformation,
  correlatorData,
  deviceHistory,
  locationInfo,
  mediaCallCharacteristics,
  messageInfo,
  servicesPermitted,
  taggedCallCharacteristics,
  taggedCorrelatorData,
  taggedText,
  userData,
} from "./call_attributes.ts";
import {
  bitString,
  boolean,
  checkRawElement,
  type Codec,
  decodeValue,
  describeTag,
  implicit,
  type Infer,
  integer,
  namedEnumerated,
  opt,
  rawContext,
  req,
  sequence,
  sequenceOf,
  type Simplify,
  type UnknownField,
  wrapDecode,
  wrapEncode,
} from "./codec.ts";
import { connectionId, connectionList } from "./connection_id.ts";
import { localConnectionState } from "./connection_state.ts";
import { CstaEncodeError } from "./decode_error.ts";
import { ForwardDefault, ForwardingType } from "./device_features.ts";
import {
  associatedCalledDeviceId,
  associatedCallingDeviceId,
  calledDeviceId,
  callingDeviceId,
  deviceId,
  networkCalledDeviceId,
  networkCallingDeviceId,
  redirectionDeviceId,
  subjectDeviceId,
} from "./device_id.ts";
import { eventCause } from "./event_cause.ts";
import { conferencedEventExtensions, extensions } from "./extensions.ts";
import { monitorCrossRefId } from "./monitoring.ts";
import { Opcode } from "./opcodes.ts";
import { encodeInvoke, type RawValue } from "./rose.ts";

/** EventSpecificInfo categories: the outer explicit tag. §8.3 [C-std] */
export const EventCategory = {
  callControl: 0,
  callAssociated: 1,
  mediaAttachment: 2,
  physicalDeviceFeature: 3,
  logicalDeviceFeature: 4,
  deviceMaintenance: 5,
  voiceUnit: 6,
  vendorSpecific: 7,
} as const;

const event = (n: number) => contextTag(n, true);
const correlator = taggedCorrelatorData;

/** CallCleared `[1]`. §8.4 [C-std] */
export const callClearedEvent = sequence("CallClearedEvent", {
  clearedCall: req(connectionId),
  correlatorData: opt(correlator(1)),
  userData: opt(userData),
  cause: req(eventCause),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  callLinkageData: opt(callLinkageData(4)),
  languagePreferences: opt(taggedText(5)),
  locationInfo: opt(locationInfo(6)),
  extensions: opt(extensions),
}, event(1));

/** Conferenced `[2]`; its extensions are `[5] IMPLICIT` (`A5`), not `7E`. §8.4 [C-std] */
export const conferencedEvent = sequence("ConferencedEvent", {
  primaryOldCall: req(connectionId),
  secondaryOldCall: opt(connectionId),
  conferencingDevice: req(subjectDeviceId),
  addedParty: req(subjectDeviceId),
  conferenceConnections: req(connectionList),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(1)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(2)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(3)),
  callCharacteristics: opt(taggedCallCharacteristics(4)),
  callLinkageDataList: opt(rawContext("CallLinkageDataList", 6)),
  languagePreferences: opt(taggedText(7)),
  deviceHistory: opt(deviceHistory(8)),
  locationInfo: opt(locationInfo(9)),
  extensions: opt(conferencedEventExtensions),
}, event(2));

/** ConnectionCleared `[3]`. §8.4 [C-std] */
export const connectionClearedEvent = sequence("ConnectionClearedEvent", {
  droppedConnection: req(connectionId),
  releasingDevice: req(subjectDeviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  userData: opt(userData),
  chargingInfo: opt(chargingInfo(1)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(2)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(3)),
  callCharacteristics: opt(taggedCallCharacteristics(4)),
  droppedConnectionInfo: opt(connectionInformation(5)),
  callLinkageData: opt(callLinkageData(6)),
  languagePreferences: opt(taggedText(7)),
  deviceHistory: opt(deviceHistory(8)),
  locationInfo: opt(locationInfo(9)),
  extensions: opt(extensions),
}, event(3));

/**
 * Offered `[12]`: a call is offered to a device in ECMA-269's offered mode; it alerts (Delivered) only once
 * accepted (AcceptCall, 214) and leaves on RejectCall. Fields as the ECMA-285 ASN.1 (CSTA-offered-event):
 * unlike Delivered, `correlatorData` is untagged and the context tags after `cause` start at [0]. §8.4
 * [C-std]; no Panasonic trace shows the event **[?]**.
 */
export const offeredEvent = sequence("OfferedEvent", {
  offeredConnection: req(connectionId),
  offeredDevice: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  originatingNIDConnection: opt(connectionId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlatorData),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(0)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(1)),
  callCharacteristics: opt(taggedCallCharacteristics(2)),
  offeredConnectionInfo: opt(connectionInformation(3)),
  callLinkageData: opt(callLinkageData(4)),
  subjectOfCall: opt(taggedText(5)),
  messageInfo: opt(messageInfo(6)),
  languagePreferences: opt(taggedText(7)),
  deviceHistory: opt(deviceHistory(8)),
  locationInfo: opt(locationInfo(9)),
  extensions: opt(extensions),
}, event(12));

/** Delivered `[4]`: a call is alerting at a device (§14.6). §8.4 [C-std] */
export const deliveredEvent = sequence("DeliveredEvent", {
  connection: req(connectionId),
  alertingDevice: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  originatingNIDConnection: opt(connectionId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  connectionInfo: opt(connectionInformation(4)),
  callLinkageData: opt(callLinkageData(5)),
  subjectOfCall: opt(taggedText(6)),
  messageInfo: opt(messageInfo(7)),
  languagePreferences: opt(taggedText(8)),
  deviceHistory: opt(deviceHistory(9)),
  locationInfo: opt(locationInfo(10)),
  extensions: opt(extensions),
}, event(4));

/** Diverted `[6]`. §8.4 [C-std] */
export const divertedEvent = sequence("DivertedEvent", {
  connection: req(connectionId),
  divertingDevice: req(subjectDeviceId),
  newDestination: req(subjectDeviceId),
  callingDevice: opt(callingDeviceId),
  calledDevice: opt(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  connectionInfo: opt(connectionInformation(4)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  callLinkageData: opt(callLinkageData(5)),
  subjectOfCall: opt(taggedText(6)),
  messageInfo: opt(messageInfo(7)),
  languagePreferences: opt(taggedText(8)),
  deviceHistory: opt(deviceHistory(9)),
  locationInfo: opt(locationInfo(10)),
  extensions: opt(extensions),
}, event(6));

/** Established `[7]`: the call is answered. §8.4 [C-std] */
export const establishedEvent = sequence("EstablishedEvent", {
  establishedConnection: req(connectionId),
  answeringDevice: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  originatingNIDConnection: opt(connectionId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(1)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(2)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(3)),
  callCharacteristics: opt(taggedCallCharacteristics(4)),
  establishedConnectionInfo: opt(connectionInformation(5)),
  callLinkageData: opt(callLinkageData(6)),
  subjectOfCall: opt(taggedText(7)),
  messageInfo: opt(messageInfo(8)),
  languagePreferences: opt(taggedText(9)),
  deviceHistory: opt(deviceHistory(10)),
  locationInfo: opt(locationInfo(11)),
  extensions: opt(extensions),
}, event(7));

/** Failed `[8]`. §8.4 [C-std] */
export const failedEvent = sequence("FailedEvent", {
  failedConnection: req(connectionId),
  failingDevice: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  originatingNIDConnection: opt(connectionId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  failedConnectionInfo: opt(connectionInformation(4)),
  callLinkageData: opt(callLinkageData(5)),
  subjectOfCall: opt(taggedText(6)),
  messageInfo: opt(messageInfo(7)),
  languagePreferences: opt(taggedText(8)),
  deviceHistory: opt(deviceHistory(9)),
  locationInfo: opt(locationInfo(10)),
  extensions: opt(extensions),
}, event(8));

/** Held `[9]`. §8.4 [C-std] */
export const heldEvent = sequence("HeldEvent", {
  heldConnection: req(connectionId),
  holdingDevice: req(subjectDeviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  heldConnectionInfo: opt(connectionInformation(4)),
  callLinkageData: opt(callLinkageData(5)),
  languagePreferences: opt(taggedText(6)),
  locationInfo: opt(locationInfo(7)),
  extensions: opt(extensions),
}, event(9));

/** NetworkReached `[11]`. §8.4 [C-std] */
export const networkReachedEvent = sequence("NetworkReachedEvent", {
  outboundConnection: req(connectionId),
  networkInterfaceUsed: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  originatingNIDConneciton: opt(connectionId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  userData: opt(userData),
  networkCapability: opt(rawContext("NetworkCapability", 1)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(2)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(3)),
  callCharacteristics: opt(taggedCallCharacteristics(4)),
  outboundConnectionInfo: opt(connectionInformation(5)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  callLinkageData: opt(callLinkageData(6)),
  languagePreferences: opt(taggedText(7)),
  deviceHistory: opt(deviceHistory(8)),
  locationInfo: opt(locationInfo(9)),
  extensions: opt(extensions),
}, event(11));

/** Originated `[13]`: the device started a call. §8.4 [C-std] */
export const originatedEvent = sequence("OriginatedEvent", {
  originatedConnection: req(connectionId),
  callingDevice: req(subjectDeviceId),
  calledDevice: req(calledDeviceId),
  originatingDevice: opt(deviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(2)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(3)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(4)),
  callCharacteristics: opt(taggedCallCharacteristics(5)),
  originatedConnectionInfo: opt(connectionInformation(6)),
  callLinkageData: opt(callLinkageData(7)),
  subjectOfCall: opt(taggedText(8)),
  messageInfo: opt(messageInfo(9)),
  languagePreferences: opt(taggedText(10)),
  locationInfo: opt(locationInfo(11)),
  extensions: opt(extensions),
}, event(13));

/** Queued `[14]`. §8.4 [C-std] */
export const queuedEvent = sequence("QueuedEvent", {
  queuedConnection: req(connectionId),
  queue: req(subjectDeviceId),
  callingDevice: req(callingDeviceId),
  calledDevice: req(calledDeviceId),
  lastRedirectionDevice: req(redirectionDeviceId),
  numberQueued: opt(implicit(0, integer)),
  callsInFront: opt(implicit(1, integer)),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(2)),
  userData: opt(userData),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(3)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  associatedCalledDevice: opt(associatedCalledDeviceId),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(4)),
  callCharacteristics: opt(taggedCallCharacteristics(5)),
  queuedConnectionInfo: opt(connectionInformation(6)),
  callLinkageData: opt(callLinkageData(7)),
  subjectOfCall: opt(taggedText(8)),
  messageInfo: opt(messageInfo(9)),
  languagePreferences: opt(taggedText(10)),
  deviceHistory: opt(deviceHistory(11)),
  locationInfo: opt(locationInfo(12)),
  extensions: opt(extensions),
}, event(14));

/** Retrieved `[15]`. §8.4 [C-std] */
export const retrievedEvent = sequence("RetrievedEvent", {
  retrievedConnection: req(connectionId),
  retrievingDevice: req(subjectDeviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  retrievedConnectionInfo: opt(connectionInformation(4)),
  callLinkageData: opt(callLinkageData(5)),
  languagePreferences: opt(taggedText(6)),
  locationInfo: opt(locationInfo(7)),
  extensions: opt(extensions),
}, event(15));

/** ServiceInitiated `[16]`: the device went off-hook. §8.4 [C-std] */
export const serviceInitiatedEvent = sequence("ServiceInitiatedEvent", {
  initiatedConnection: req(connectionId),
  initiatingDevice: req(subjectDeviceId),
  calledDevice: opt(calledDeviceId),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(0)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(1)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(2)),
  callCharacteristics: opt(taggedCallCharacteristics(3)),
  initiatedConnectionInfo: opt(connectionInformation(4)),
  networkCallingDevice: opt(networkCallingDeviceId),
  networkCalledDevice: opt(networkCalledDeviceId),
  associatedCallingDevice: opt(associatedCallingDeviceId),
  callLinkageData: opt(callLinkageData(5)),
  subjectOfCall: opt(taggedText(7)),
  messageInfo: opt(messageInfo(8)),
  languagePreferences: opt(taggedText(9)),
  locationInfo: opt(locationInfo(10)),
  extensions: opt(extensions),
}, event(16));

/** Transferred `[17]`; secondaryOldCall `[0]` and transferredConnections `[1]` are IMPLICIT. §8.4 [C-std] */
export const transferredEvent = sequence("TransferredEvent", {
  primaryOldCall: req(connectionId),
  secondaryOldCall: opt(implicit(0, connectionId)),
  transferringDevice: req(subjectDeviceId),
  transferredToDevice: req(subjectDeviceId),
  transferredConnections: req(implicit(1, connectionList)),
  localConnectionInfo: opt(localConnectionState),
  correlatorData: opt(correlator(2)),
  userData: opt(userData),
  chargingInfo: opt(chargingInfo(3)),
  cause: req(eventCause),
  servicesPermitted: opt(servicesPermitted(4)),
  mediaCallCharacteristics: opt(mediaCallCharacteristics(5)),
  callCharacteristics: opt(taggedCallCharacteristics(6)),
  callLinkageDataList: opt(rawContext("CallLinkageDataList", 7)),
  languagePreferences: opt(taggedText(8)),
  deviceHistory: opt(deviceHistory(9)),
  locationInfo: opt(locationInfo(10)),
  extensions: opt(extensions),
}, event(17));

/** DoNotDisturb `[11]` (logical device feature). §8.4 [C-std] */
export const doNotDisturbEvent = sequence("DoNotDisturbEvent", {
  device: req(subjectDeviceId),
  doNotDisturbOn: req(boolean),
  callOrigination: opt(bitString),
  callingDeviceList: opt(sequenceOf("callingDeviceList", deviceId)),
  extensions: opt(extensions),
}, event(11));

/** Forwarding `[12]` (logical device feature). §8.4 [C-std] */
export const forwardingEvent = sequence("ForwardingEvent", {
  device: req(subjectDeviceId),
  forwardingType: opt(namedEnumerated(ForwardingType)),
  forwardStatus: req(boolean),
  forwardTo: opt(deviceId),
  forwardDefault: opt(namedEnumerated(ForwardDefault)),
  ringCount: opt(integer),
  ringDuration: opt(implicit(4, integer)),
  extensions: opt(extensions),
}, event(12));

/** The typed events: name → [category, event tag number, codec]. */
const TYPED_EVENTS = {
  callCleared: [EventCategory.callControl, 1, callClearedEvent],
  conferenced: [EventCategory.callControl, 2, conferencedEvent],
  connectionCleared: [EventCategory.callControl, 3, connectionClearedEvent],
  delivered: [EventCategory.callControl, 4, deliveredEvent],
  diverted: [EventCategory.callControl, 6, divertedEvent],
  established: [EventCategory.callControl, 7, establishedEvent],
  failed: [EventCategory.callControl, 8, failedEvent],
  held: [EventCategory.callControl, 9, heldEvent],
  networkReached: [EventCategory.callControl, 11, networkReachedEvent],
  offered: [EventCategory.callControl, 12, offeredEvent],
  originated: [EventCategory.callControl, 13, originatedEvent],
  queued: [EventCategory.callControl, 14, queuedEvent],
  retrieved: [EventCategory.callControl, 15, retrievedEvent],
  serviceInitiated: [EventCategory.callControl, 16, serviceInitiatedEvent],
  transferred: [EventCategory.callControl, 17, transferredEvent],
  doNotDisturb: [EventCategory.logicalDeviceFeature, 11, doNotDisturbEvent],
  forwarding: [EventCategory.logicalDeviceFeature, 12, forwardingEvent],
} as const;

/** Names of the events decoded to typed values (ECMA names, matching the MonitorFilter names). */
export type TypedEventName = keyof typeof TYPED_EVENTS;

/** The fields of one typed event, e.g. `EventFields<"delivered">`. */
export type EventFields<N extends TypedEventName> = Infer<(typeof TYPED_EVENTS)[N][2]>;

/** An event cstabox has no codec for (other categories and tags), kept as its raw element. */
export interface UnknownEvent {
  kind: "unknown";
  /** EventSpecificInfo category (outer tag number, 0..7 by ECMA). */
  category: number;
  /** Event tag number inside the category. */
  tag: number;
  /** The event element, header included (without the category wrapper). */
  raw: Uint8Array;
}

/** Any event: `{ kind: "delivered", connection, alertingDevice, … }` or an {@link UnknownEvent}. */
export type CstaEvent =
  | { [N in TypedEventName]: Simplify<{ kind: N } & EventFields<N>> }[TypedEventName]
  | UnknownEvent;

/** The EventReport argument. */
export interface EventReportArgument {
  /** MonitorCrossRefID contents: which monitor the event belongs to. */
  crossRefIdentifier: Uint8Array;
  event: CstaEvent;
  /** Elements after eventSpecificInfo (none by ECMA), kept raw. */
  unknownFields?: UnknownField[];
}

// deno-lint-ignore no-explicit-any
type AnyEventCodec = Codec<any>;
const TYPED_BY_TAG = new Map<string, [TypedEventName, AnyEventCodec]>(
  (Object.entries(TYPED_EVENTS) as [TypedEventName, readonly [number, number, AnyEventCodec]][]).map((
    [name, [category, tag, codec]],
  ) => [`${category}/${tag}`, [name, codec]]),
);

const WHAT = "EventReport argument";

/** Codec of the EventReport argument `30 { 55 crossRef, [category] { [event] … } }`. §8.3 [C-std] */
export const eventReportArgument: Codec<EventReportArgument> = {
  what: WHAT,
  tags: [0x30],
  decode: (reader, element) => {
    const children = reader.children(element, WHAT);
    const [crossRef, info, ...rest] = children;
    if (crossRef === undefined || crossRef.tag !== 0x55) {
      return reader.fail(
        `${WHAT}.crossRefIdentifier`,
        crossRef?.start ?? element.contentEnd,
        "missing (`55` first)",
      );
    }
    if (info === undefined) return reader.fail(`${WHAT}.eventSpecificInfo`, element.contentEnd, "missing");
    if ((info.tag & 0xe0) !== 0xa0) {
      return reader.fail(`${WHAT}.eventSpecificInfo`, info.start, `unexpected tag ${describeTag(info.tag)}`);
    }
    const inner = reader.children(info, `${WHAT}.eventSpecificInfo`);
    if (inner.length !== 1) {
      return reader.fail(`${WHAT}.eventSpecificInfo`, info.start, `category holds ${inner.length} elements`);
    }
    const category = tagNumberOf(info.tag);
    const eventElement = inner[0];
    const tag = tagNumberOf(eventElement.tag);
    const typed = eventElement.constructed && (eventElement.tag & 0xc0) === 0x80
      ? TYPED_BY_TAG.get(`${category}/${tag}`)
      : undefined;
    const event: CstaEvent = typed
      ? { kind: typed[0], ...wrapDecode(`${WHAT}.${typed[0]}`, () => typed[1].decode(reader, eventElement)) }
      : { kind: "unknown", category, tag, raw: reader.raw(eventElement) };
    const out: EventReportArgument = {
      crossRefIdentifier: monitorCrossRefId.decode(reader, crossRef),
      event,
    };
    if (rest.length > 0) {
      out.unknownFields = rest.map((child) => ({ after: "event", raw: reader.raw(child) }));
    }
    return out;
  },
  encode: (value) => {
    const parts = [monitorCrossRefId.encode(value.crossRefIdentifier), encodeEventSpecificInfo(value.event)];
    for (const field of value.unknownFields ?? []) {
      checkRawElement(`${WHAT}.unknownFields`, field.raw, null);
      parts.push(field.raw);
    }
    return tlv(0x30, concatBytes(parts));
  },
};

/** `[category] { event }` for one event value. */
function encodeEventSpecificInfo(event: CstaEvent): Uint8Array {
  if (event.kind === "unknown") {
    if (!Number.isInteger(event.category) || event.category < 0 || event.category > 0xffff) {
      throw new CstaEncodeError(`${WHAT}.event`, `bad category ${event.category}`);
    }
    checkRawElement(`${WHAT}.event.raw`, event.raw, null);
    return tlv(contextTag(event.category, true), event.raw);
  }
  const entry = TYPED_EVENTS[event.kind] as readonly [number, number, AnyEventCodec] | undefined;
  if (entry === undefined) throw new CstaEncodeError(`${WHAT}.event`, `unknown event kind "${event.kind}"`);
  const { kind: _kind, ...fields } = event;
  return tlv(contextTag(entry[0], true), wrapEncode(`${WHAT}.${event.kind}`, entry[2], fields));
}

/** Encodes a whole EventReport invoke `A1 { id, 02 01 15, argument }`; the switch never expects an answer. */
export function encodeEventReport(invokeId: number, argument: EventReportArgument): Uint8Array {
  return encodeInvoke(invokeId, Opcode.cSTAEventReport, eventReportArgument.encode(argument));
}

/** Decodes an EventReport argument (the Invoke's raw argument); error offsets are APDU offsets. */
export function decodeEventReport(argument: RawValue | Uint8Array): EventReportArgument {
  return argument instanceof Uint8Array
    ? decodeValue(eventReportArgument, argument)
    : decodeValue(eventReportArgument, argument.bytes, argument.offset);
}
