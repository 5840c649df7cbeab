// Test support: CSTA events as a Panasonic PBX (and the simulator) reports them, built with the CSTA
// codecs and passed through their encoder and decoder, so the call model sees what real bytes decode to.

import { connection, type ConnectionID } from "../../../src/csta/connection_id.ts";
import type { LocalConnectionStateName } from "../../../src/csta/connection_state.ts";
import { type DeviceID, dialingNumber, party, type PartyDeviceID } from "../../../src/csta/device_id.ts";
import type { EventCauseName } from "../../../src/csta/event_cause.ts";
import {
  type CstaEvent,
  decodeEventReport,
  type EventFields,
  eventReportArgument,
} from "../../../src/csta/event_report.ts";
import { callInformationAsEvent } from "../../../src/calls/call_information_event.ts";
import type { PartyDirectory, PartyKind } from "../../../src/calls/party.ts";

/** The lines of the seed's PBX: extensions 1843 and 2560, group 600, trunks 92108 and 92808. */
export const seedLines: Record<string, PartyKind> = {
  "1843": "extension",
  "2560": "extension",
  "2561": "extension",
  "600": "group",
  "92108": "trunk",
  "92808": "trunk",
};

/** A directory over a fixed table; everything else is an outside number. */
export function tableDirectory(table: Record<string, PartyKind> = seedLines): PartyDirectory {
  return {
    kindOf: (number) => table[number] ?? "external",
    numberOfDevice: () => undefined,
  };
}

/** A 2-octet callID (§5.2). */
export function callId(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

/** A connection in Panasonic's `both` form. §5.2 [C-pbx] */
export function conn(call: number, device: string): ConnectionID {
  return connection(callId(call), dialingNumber(device));
}

/** A party field naming a number, optionally with the name the PBX gives (privateName). */
export function dev(number: string, name?: string): PartyDeviceID {
  const device: DeviceID = dialingNumber(number);
  if (name !== undefined) device.privateName = name;
  return party(device);
}

export const notKnown: PartyDeviceID = { kind: "notKnown" };

/** Encodes the event into an EventReport argument and decodes it again, as it arrives from the wire. */
export function wire(event: CstaEvent): CstaEvent {
  const bytes = eventReportArgument.encode({ crossRefIdentifier: Uint8Array.of(0, 0, 0, 1), event });
  return decodeEventReport(bytes).event;
}

type State = LocalConnectionStateName;
type Cause = EventCauseName;

interface TrunkCall {
  /** The outside party (CLI of an inbound call, dialled number of an outbound one). */
  outside: PartyDeviceID;
  /** The DDI of an inbound call. */
  ddi?: string;
  trunk: string;
  direction: "in" | "out";
}

function network(t: TrunkCall | undefined): Partial<EventFields<"delivered">> {
  if (!t) return {};
  return t.direction === "in"
    ? {
      networkCallingDevice: t.outside,
      ...(t.ddi ? { networkCalledDevice: dev(t.ddi) } : {}),
      associatedCallingDevice: dev(t.trunk),
    }
    : { associatedCalledDevice: dev(t.trunk) };
}

export const events = {
  serviceInitiated(call: number, device: string, state: State = "initiated"): CstaEvent {
    return wire({
      kind: "serviceInitiated",
      initiatedConnection: conn(call, device),
      initiatingDevice: dev(device),
      localConnectionInfo: state,
      cause: "newCall",
    });
  },
  originated(call: number, device: string, called: PartyDeviceID): CstaEvent {
    return wire({
      kind: "originated",
      originatedConnection: conn(call, device),
      callingDevice: dev(device),
      calledDevice: called,
      localConnectionInfo: "connected",
      cause: "newCall",
    });
  },
  networkReached(call: number, trunk: string, calling: string, called: PartyDeviceID): CstaEvent {
    return wire({
      kind: "networkReached",
      outboundConnection: conn(call, trunk),
      networkInterfaceUsed: dev(trunk),
      callingDevice: dev(calling),
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: "connected",
      cause: "newCall",
    });
  },
  delivered(
    call: number,
    at: string,
    calling: PartyDeviceID,
    called: PartyDeviceID,
    options: { trunk?: TrunkCall; alerting?: PartyDeviceID; cause?: Cause; state?: State } = {},
  ): CstaEvent {
    return wire({
      kind: "delivered",
      connection: conn(call, at),
      alertingDevice: options.alerting ?? dev(at),
      callingDevice: calling,
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: options.state ?? "alerting",
      cause: options.cause ?? "newCall",
      ...network(options.trunk),
    });
  },
  /** ECMA-269's offered mode: the call is offered to `at`, which rings only once it accepts. */
  offered(call: number, at: string, calling: PartyDeviceID, called: PartyDeviceID): CstaEvent {
    return wire({
      kind: "offered",
      offeredConnection: conn(call, at),
      offeredDevice: dev(at),
      callingDevice: calling,
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: "alerting",
      cause: "newCall",
    });
  },
  established(
    call: number,
    at: string,
    calling: PartyDeviceID,
    called: PartyDeviceID,
    options: { trunk?: TrunkCall; answering?: PartyDeviceID; state?: State } = {},
  ): CstaEvent {
    return wire({
      kind: "established",
      establishedConnection: conn(call, at),
      answeringDevice: options.answering ?? dev(at),
      callingDevice: calling,
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: options.state ?? "connected",
      cause: "newCall",
      ...network(options.trunk),
    });
  },
  held(call: number, at: string, state: State = "hold"): CstaEvent {
    return wire({
      kind: "held",
      heldConnection: conn(call, at),
      holdingDevice: dev(at),
      localConnectionInfo: state,
      cause: "normal",
    });
  },
  retrieved(call: number, at: string, state: State = "connected"): CstaEvent {
    return wire({
      kind: "retrieved",
      retrievedConnection: conn(call, at),
      retrievingDevice: dev(at),
      localConnectionInfo: state,
      cause: "normal",
    });
  },
  connectionCleared(
    call: number,
    at: string,
    releasing: PartyDeviceID = dev(at),
    state: State = "null",
  ): CstaEvent {
    return wire({
      kind: "connectionCleared",
      droppedConnection: conn(call, at),
      releasingDevice: releasing,
      localConnectionInfo: state,
      cause: "normalClearing",
    });
  },
  callCleared(call: number, observer: string): CstaEvent {
    return wire({ kind: "callCleared", clearedCall: conn(call, observer), cause: "normalClearing" });
  },
  diverted(
    call: number,
    from: string,
    to: string,
    calling: PartyDeviceID,
    called: PartyDeviceID,
    cause: Cause = "callForwardNoAnswer",
  ): CstaEvent {
    return wire({
      kind: "diverted",
      connection: conn(call, from),
      divertingDevice: dev(from),
      newDestination: dev(to),
      callingDevice: calling,
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      cause,
    });
  },
  queued(call: number, group: string, calling: PartyDeviceID, trunk?: TrunkCall): CstaEvent {
    return wire({
      kind: "queued",
      queuedConnection: conn(call, group),
      queue: dev(group),
      callingDevice: calling,
      calledDevice: dev(group),
      lastRedirectionDevice: { kind: "notKnown" },
      numberQueued: 1,
      localConnectionInfo: "queued",
      cause: "noAvailableAgents",
      ...(trunk ? { associatedCallingDevice: dev(trunk.trunk) } : {}),
    });
  },
  failed(
    call: number,
    at: string,
    failing: PartyDeviceID,
    calling: PartyDeviceID,
    called: PartyDeviceID,
  ): CstaEvent {
    return wire({
      kind: "failed",
      failedConnection: conn(call, at),
      failingDevice: failing,
      callingDevice: calling,
      calledDevice: called,
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: "fail",
      cause: "busy",
    });
  },
  /** Consultation transfer (held call `primary`, consultation `secondary`) or, without it, single-step. */
  transferred(options: {
    primary: number;
    secondary?: number;
    transferring: string;
    to: string;
    /** Connections on the resulting call: [device, old call, state reported]. */
    parties: [string, number][];
    resulting: number;
    state?: State;
  }): CstaEvent {
    return wire({
      kind: "transferred",
      primaryOldCall: conn(options.primary, options.transferring),
      ...(options.secondary !== undefined
        ? { secondaryOldCall: conn(options.secondary, options.transferring) }
        : {}),
      transferringDevice: dev(options.transferring),
      transferredToDevice: dev(options.to),
      transferredConnections: options.parties.map(([device, old]) => ({
        newConnection: conn(options.resulting, device),
        oldConnection: conn(old, device),
        endpoint: { kind: "deviceID", value: dialingNumber(device) },
      })),
      ...(options.state ? { localConnectionInfo: options.state } : {}),
      cause: options.secondary !== undefined ? "transfer" : "singleStepTransfer",
    });
  },
  conferenced(options: {
    primary: number;
    secondary?: number;
    conferencing: string;
    added: string;
    parties: [string, number | undefined][];
  }): CstaEvent {
    return wire({
      kind: "conferenced",
      primaryOldCall: conn(options.primary, options.conferencing),
      ...(options.secondary !== undefined
        ? { secondaryOldCall: conn(options.secondary, options.conferencing) }
        : {}),
      conferencingDevice: dev(options.conferencing),
      addedParty: dev(options.added),
      conferenceConnections: options.parties.map(([device, old]) => ({
        newConnection: conn(options.primary, device),
        ...(old !== undefined ? { oldConnection: conn(old, device) } : {}),
        endpoint: { kind: "deviceID", value: dialingNumber(device) },
      })),
      cause: "conference",
    });
  },
  /** CallInformation (callAssociated [0]) with an account code and/or new caller details. */
  callInformation(
    call: number,
    at: string,
    options: { calling?: PartyDeviceID; account?: string },
  ): CstaEvent {
    return wire(callInformationAsEvent({
      connection: conn(call, at),
      device: dev(at),
      ...(options.calling ? { callingDevice: options.calling } : {}),
      ...(options.account !== undefined ? { accountInfo: new TextEncoder().encode(options.account) } : {}),
    }));
  },
};
