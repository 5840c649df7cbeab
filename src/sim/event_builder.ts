// Turns the engine's event facts into CSTA EventReports (§8.3, §8.4): one per monitor of each device the
// event concerns, with that device's own LocalConnectionState and the monitor's crossRef first.

import { accountInfoOf, callInformationAsEvent } from "../csta/call_information.ts";
import type { ConnectionListEntry } from "../csta/connection_id.ts";
import type { PartyDeviceID } from "../csta/device_id.ts";
import type { CstaEvent, EventReportArgument } from "../csta/event_report.ts";
import { encodeEventReport } from "../csta/event_report.ts";
import type {
  ConnectionChange,
  DeviceKey,
  EventFact,
  NetworkInfo,
  Observer,
  Party,
  SimEvent,
} from "./call_facts.ts";
import type { DeviceAddressing } from "./device_addressing.ts";
import type { MonitorTable } from "./monitors.ts";

/** One EventReport to send: its argument, ready for {@link encodeEventReport}. */
export interface EventReportOut {
  readonly crossRef: Uint8Array;
  /** The monitored device whose monitor this report is for (a Super-Twin portable's go to its main). */
  readonly device: DeviceKey;
  readonly argument: EventReportArgument;
}

/**
 * The CSTA event one observer gets for an engine event, or undefined for events the simulator does not
 * put on the wire (DigitsGenerated: no codec, and Panasonic's behaviour is unknown [?]).
 */
export function cstaEventFor(
  event: SimEvent,
  observer: Observer,
  callId: number | undefined,
  addressing: DeviceAddressing,
): CstaEvent | undefined {
  const conn = addressing.connectionId.bind(addressing);
  const party = addressing.party.bind(addressing);
  const redirection = addressing.redirection.bind(addressing);
  const local = observer.localState === undefined ? {} : { localConnectionInfo: observer.localState };
  switch (event.type) {
    case "serviceInitiated":
      return {
        kind: "serviceInitiated",
        initiatedConnection: conn(event.initiatedConnection),
        initiatingDevice: party(event.initiatingDevice),
        ...local,
        cause: event.cause,
      };
    case "originated":
      return {
        kind: "originated",
        originatedConnection: conn(event.originatedConnection),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        ...local,
        cause: event.cause,
      };
    case "networkReached":
      return {
        kind: "networkReached",
        outboundConnection: conn(event.outboundConnection),
        networkInterfaceUsed: party(event.networkInterfaceUsed),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        ...local,
        cause: event.cause,
        ...(event.network.associatedCallingDevice
          ? { associatedCallingDevice: party(event.network.associatedCallingDevice) }
          : {}),
      };
    case "delivered":
      return {
        kind: "delivered",
        connection: conn(event.connection),
        alertingDevice: party(event.alertingDevice),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        ...local,
        cause: event.cause,
        ...networkFields(event.network, addressing),
      };
    case "established":
      return {
        kind: "established",
        establishedConnection: conn(event.establishedConnection),
        answeringDevice: party(event.answeringDevice),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        ...local,
        cause: event.cause,
        ...networkFields(event.network, addressing),
      };
    case "connectionCleared":
      return {
        kind: "connectionCleared",
        droppedConnection: conn(event.droppedConnection),
        releasingDevice: party(event.releasingDevice),
        ...local,
        cause: event.cause,
      };
    case "callCleared":
      // Each party learns that its own connection went with the call (ConnectionID "both" form, §5.2).
      return {
        kind: "callCleared",
        clearedCall: conn({ callId: callId ?? event.clearedCall, device: observer.device }),
        cause: event.cause,
      };
    case "held":
      return {
        kind: "held",
        heldConnection: conn(event.heldConnection),
        holdingDevice: party(event.holdingDevice),
        ...local,
        cause: event.cause,
      };
    case "retrieved":
      return {
        kind: "retrieved",
        retrievedConnection: conn(event.retrievedConnection),
        retrievingDevice: party(event.retrievingDevice),
        ...local,
        cause: event.cause,
      };
    case "diverted":
      return {
        kind: "diverted",
        connection: conn(event.connection),
        divertingDevice: party(event.divertingDevice),
        newDestination: party(event.newDestination),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        ...local,
        cause: event.cause,
      };
    case "transferred":
      return {
        kind: "transferred",
        primaryOldCall: conn(event.primaryOldCall),
        ...(event.secondaryOldCall ? { secondaryOldCall: conn(event.secondaryOldCall) } : {}),
        transferringDevice: party(event.transferringDevice),
        transferredToDevice: party(event.transferredToDevice),
        transferredConnections: event.transferredConnections.map((c) => listEntry(c, addressing)),
        ...local,
        cause: event.cause,
      };
    case "conferenced":
      return {
        kind: "conferenced",
        primaryOldCall: conn(event.primaryOldCall),
        ...(event.secondaryOldCall ? { secondaryOldCall: conn(event.secondaryOldCall) } : {}),
        conferencingDevice: party(event.conferencingDevice),
        addedParty: party(event.addedParty),
        conferenceConnections: event.conferenceConnections.map((c) => listEntry(c, addressing)),
        ...local,
        cause: event.cause,
      };
    case "failed":
      return {
        kind: "failed",
        failedConnection: conn(event.failedConnection),
        failingDevice: party(event.failingDevice),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        ...local,
        cause: event.cause,
      };
    case "queued":
      return {
        kind: "queued",
        queuedConnection: conn(event.queuedConnection),
        queue: party(event.queue),
        callingDevice: party(event.callingDevice),
        calledDevice: party(event.calledDevice),
        lastRedirectionDevice: redirection(event.lastRedirectionDevice),
        numberQueued: event.numberQueued,
        ...local,
        cause: event.cause,
      };
    case "doNotDisturb":
      return { kind: "doNotDisturb", device: party(event.device), doNotDisturbOn: event.doNotDisturbOn };
    case "forwarding": {
      const forwardTo = event.forwardTo ? addressing.plainDeviceId(event.forwardTo) : undefined;
      return {
        kind: "forwarding",
        device: party(event.device),
        forwardingType: event.forwardingType,
        forwardStatus: event.forwardStatus,
        ...(forwardTo ? { forwardTo } : {}),
      };
    }
    case "callInformation":
      // Not in the EventReport codec's union: the event element is written here and carried as "unknown".
      return callInformationAsEvent({
        connection: conn(event.connection),
        device: party(event.device),
        ...(event.callingDevice
          ? { callingDevice: named(party(event.callingDevice), event.callingName) }
          : {}),
        ...(event.accountCode !== undefined ? { accountInfo: accountInfoOf(event.accountCode) } : {}),
      });
    case "digitsGenerated":
      return undefined;
  }
}

/** A party with its name as DeviceID privateName (§5.1); parties without a DeviceID stay as they are. */
function named(party: PartyDeviceID, name: string | undefined): PartyDeviceID {
  if (name === undefined || party.kind !== "deviceIdentifier") return party;
  return { kind: "deviceIdentifier", value: { ...party.value, privateName: name } };
}

/** The EventReports of one fact: for each observer, one per monitor whose filter lets the event through. */
export function eventReportsFor(
  fact: EventFact,
  monitors: MonitorTable,
  addressing: DeviceAddressing,
): EventReportOut[] {
  const out: EventReportOut[] = [];
  const observing = new Set(fact.observers.map((o) => o.device));
  for (const observer of fact.observers) {
    const reporting = monitors.reporting(observer.device, fact.event.type);
    // A Super-Twin portable's events also reach its main extension's monitors, unless the main takes
    // part itself (then it has its own report) [?].
    const main = addressing.plan.mainOf(observer.device);
    if (main !== undefined && !observing.has(main)) {
      reporting.push(...monitors.reporting(main, fact.event.type));
    }
    if (reporting.length === 0) continue;
    const event = cstaEventFor(fact.event, observer, fact.callId, addressing);
    if (!event) continue;
    for (const monitor of reporting) {
      out.push({
        crossRef: monitor.crossRef,
        device: monitor.device,
        argument: { crossRefIdentifier: monitor.crossRef, event },
      });
    }
  }
  return out;
}

/** Encodes one EventReport invoke (op 21, §8.3). */
export function encodeEventReportOut(invokeId: number, report: EventReportOut): Uint8Array {
  return encodeEventReport(invokeId, report.argument);
}

function listEntry(change: ConnectionChange, addressing: DeviceAddressing): ConnectionListEntry {
  return {
    newConnection: addressing.connectionId(change.newConnection),
    ...(change.oldConnection ? { oldConnection: addressing.connectionId(change.oldConnection) } : {}),
    endpoint: endpointOf(change.endpoint, addressing),
  };
}

function endpointOf(
  party: Party,
  addressing: DeviceAddressing,
): NonNullable<ConnectionListEntry["endpoint"]> {
  const device = addressing.plainDeviceId(party);
  if (device) return { kind: "deviceID", value: device };
  return party.kind === "restricted" ? { kind: "restricted" } : { kind: "notKnown" };
}

/** CLI, DDI and CO line of a trunk call, in the ECMA fields LinTcMon reads (§17, [?] for Panasonic). */
function networkFields(network: NetworkInfo, addressing: DeviceAddressing): NetworkFields {
  const fields: NetworkFields = {};
  for (const name of NETWORK_FIELDS) {
    const party = network[name];
    if (party) fields[name] = addressing.party(party);
  }
  return fields;
}

const NETWORK_FIELDS = [
  "networkCallingDevice",
  "networkCalledDevice",
  "associatedCallingDevice",
  "associatedCalledDevice",
] as const;

type NetworkFields = { -readonly [K in (typeof NETWORK_FIELDS)[number]]?: PartyDeviceID };
