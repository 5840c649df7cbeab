// What the call engine reports: each event a Panasonic PBX would send (in engine terms, before encoding),
// which devices it concerns with their connection state, and the summary of each finished call.

import type { EventCauseName } from "../csta/event_cause.ts";
import type { LocalConnectionStateName } from "../csta/connection_state.ts";

/** A device of the plan, by dialling number. */
export type DeviceKey = string;

/** A connection: one device in one call (ConnectionID "both" form, §5.2 [C-pbx]). */
export interface ConnRef {
  readonly callId: number;
  readonly device: DeviceKey;
}

/** A party named in an event: a plan device, an outside number, or why it is not given (§5.1). */
export type Party =
  | { readonly kind: "device"; readonly number: DeviceKey }
  | { readonly kind: "external"; readonly number: string }
  | { readonly kind: "notKnown" }
  | { readonly kind: "restricted" };

/** One ConnectionList entry of Transferred/Conferenced (§8.4). */
export interface ConnectionChange {
  readonly newConnection: ConnRef;
  /** Absent for a party that had no connection before (single-step conference). */
  readonly oldConnection?: ConnRef;
  readonly endpoint: Party;
}

/** Where the call came in or went out: reported in associatedCalling/CalledDevice and network fields. */
export interface NetworkInfo {
  /** The CO line of an incoming call (associatedCallingDevice, as LinTcMon reads it, §17). */
  readonly associatedCallingDevice?: Party;
  /** The CO line of an outgoing call (associatedCalledDevice). */
  readonly associatedCalledDevice?: Party;
  /** CLI of an incoming call as the network gave it. */
  readonly networkCallingDevice?: Party;
  /** DDI number of an incoming call. */
  readonly networkCalledDevice?: Party;
}

/** ForwardingType names (§7). [C-std] */
export type ForwardingTypeName =
  | "forwardImmediate"
  | "forwardBusy"
  | "forwardNoAns"
  | "forwardBusyInt"
  | "forwardBusyExt"
  | "forwardNoAnsInt"
  | "forwardNoAnsExt"
  | "forwardImmInt"
  | "forwardImmExt"
  | "forwardDND"
  | "forwardDNDInt"
  | "forwardDNDExt";

type Cause = EventCauseName;

/** The events the simulator emits, named and shaped after ECMA-285 (§8.3, §8.4). */
export type SimEvent =
  | { type: "serviceInitiated"; initiatedConnection: ConnRef; initiatingDevice: Party; cause: Cause }
  | {
    type: "originated";
    originatedConnection: ConnRef;
    callingDevice: Party;
    calledDevice: Party;
    cause: Cause;
  }
  | {
    type: "networkReached";
    outboundConnection: ConnRef;
    networkInterfaceUsed: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    cause: Cause;
    network: NetworkInfo;
  }
  | {
    type: "delivered";
    connection: ConnRef;
    alertingDevice: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    cause: Cause;
    network: NetworkInfo;
  }
  | {
    type: "established";
    establishedConnection: ConnRef;
    answeringDevice: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    cause: Cause;
    network: NetworkInfo;
  }
  | { type: "connectionCleared"; droppedConnection: ConnRef; releasingDevice: Party; cause: Cause }
  /** The whole call is gone; each observer's ConnectionID names its own (now cleared) connection. */
  | { type: "callCleared"; clearedCall: number; cause: Cause }
  | { type: "held"; heldConnection: ConnRef; holdingDevice: Party; cause: Cause }
  | { type: "retrieved"; retrievedConnection: ConnRef; retrievingDevice: Party; cause: Cause }
  | {
    type: "diverted";
    connection: ConnRef;
    divertingDevice: Party;
    newDestination: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    cause: Cause;
  }
  | {
    type: "transferred";
    primaryOldCall: ConnRef;
    secondaryOldCall?: ConnRef;
    transferringDevice: Party;
    transferredToDevice: Party;
    transferredConnections: readonly ConnectionChange[];
    cause: Cause;
  }
  | {
    type: "conferenced";
    primaryOldCall: ConnRef;
    secondaryOldCall?: ConnRef;
    conferencingDevice: Party;
    addedParty: Party;
    conferenceConnections: readonly ConnectionChange[];
    cause: Cause;
  }
  | {
    type: "failed";
    failedConnection: ConnRef;
    failingDevice: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    cause: Cause;
  }
  | {
    type: "queued";
    queuedConnection: ConnRef;
    queue: Party;
    callingDevice: Party;
    calledDevice: Party;
    lastRedirectionDevice?: Party;
    /** Calls waiting at the queue, this one included. */
    numberQueued: number;
    cause: Cause;
  }
  | { type: "digitsGenerated"; connection: ConnRef; digits: string }
  /** CallInformation (callAssociated [0], §8.3): an account code or new caller details during a call. */
  | {
    type: "callInformation";
    connection: ConnRef;
    /** The device the information comes from (the one keying the code, or showing the name). */
    device: Party;
    /** The caller the new details are about. */
    callingDevice?: Party;
    /** The caller's name (DeviceID privateName of callingDevice). */
    callingName?: string;
    /** Digits keyed as an account code (AccountInfo). */
    accountCode?: string;
  }
  | { type: "doNotDisturb"; device: Party; doNotDisturbOn: boolean }
  | {
    type: "forwarding";
    device: Party;
    forwardingType: ForwardingTypeName;
    forwardStatus: boolean;
    forwardTo?: Party;
  };

export type SimEventType = SimEvent["type"];

/** A device an event is reported to, with the state of its own connection in the event's call. */
export interface Observer {
  readonly device: DeviceKey;
  /** LocalConnectionState after the event (`null` when it has no connection there); absent for device-feature events. */
  readonly localState?: LocalConnectionStateName;
}

/** One event and everyone it is reported to. */
export interface EventFact {
  readonly kind: "event";
  readonly event: SimEvent;
  /** The call whose connection states the observers' `localState` describes. */
  readonly callId?: number;
  readonly observers: readonly Observer[];
  /** Connections that stop existing with this event (for consistency checks and snapshots). */
  readonly cleared: readonly ConnRef[];
}

/** Condition codes of a CDR, carried in KME private data (§10, §5.4 [?]). */
export type ConditionCode = "callTransfer" | "callForwarding" | "noAnswer";

/** Summary of a finished call, the input of a CallDetailRecordsReport (§10). */
export interface CallRecord {
  readonly callId: number;
  readonly direction: "internal" | "incoming" | "outgoing";
  readonly callingDevice: Party;
  readonly calledDevice: Party;
  /** The CO line used, for associatedCalling/CalledDevice. */
  readonly trunk?: DeviceKey;
  readonly startedAt: number;
  /** When a called party first answered; absent for unanswered calls. */
  readonly answeredAt?: number;
  readonly endedAt: number;
  readonly conditionCode?: ConditionCode;
}

/** A finished call. */
export interface CallEndedFact {
  readonly kind: "callEnded";
  readonly record: CallRecord;
}

export type EngineFact = EventFact | CallEndedFact;

/** `"17:101"`: a connection as a map key. */
export function connKey(conn: ConnRef): string {
  return `${conn.callId}:${conn.device}`;
}

/** A party that is a device of the plan. */
export function devicePartyOf(number: DeviceKey): Party {
  return { kind: "device", number };
}

/** Every connection an event names, for consistency checks. */
export function connectionsNamed(event: SimEvent): ConnRef[] {
  switch (event.type) {
    case "serviceInitiated":
      return [event.initiatedConnection];
    case "originated":
      return [event.originatedConnection];
    case "networkReached":
      return [event.outboundConnection];
    case "delivered":
    case "diverted":
    case "digitsGenerated":
    case "callInformation":
      return [event.connection];
    case "established":
      return [event.establishedConnection];
    case "connectionCleared":
      return [event.droppedConnection];
    case "held":
      return [event.heldConnection];
    case "retrieved":
      return [event.retrievedConnection];
    case "failed":
      return [event.failedConnection];
    case "queued":
      return [event.queuedConnection];
    case "transferred":
      return [
        event.primaryOldCall,
        ...(event.secondaryOldCall ? [event.secondaryOldCall] : []),
        ...event.transferredConnections.flatMap((
          c,
        ) => [c.newConnection, ...(c.oldConnection ? [c.oldConnection] : [])]),
      ];
    case "conferenced":
      return [
        event.primaryOldCall,
        ...(event.secondaryOldCall ? [event.secondaryOldCall] : []),
        ...event.conferenceConnections.flatMap((
          c,
        ) => [c.newConnection, ...(c.oldConnection ? [c.oldConnection] : [])]),
      ];
    case "callCleared":
    case "doNotDisturb":
    case "forwarding":
      return [];
  }
}
