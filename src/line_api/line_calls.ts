// The calls of one open line: each CSTA event its monitor reports moves a call through the state table
// (src/calls/call_state_table.ts) and yields the `callState` events clients get; a SnapshotDevice
// reconciles them after a link outage or periodically.

import { type CallEvent, type LineCallState, nextCallState, snapshotCallState } from "../calls/call_event.ts";
import type { CallStateInput, ConnectionEventName } from "../calls/call_state_table.ts";
import { type CallPartyNumbering, reportedParty } from "../calls/party_numbers.ts";
import { type Party, type PartyDirectory, partyOfDevice, partyOfField } from "../calls/party.ts";
import { connection, connectionDevice, type ConnectionID } from "../csta/connection_id.ts";
import type { LocalConnectionStateName } from "../csta/connection_state.ts";
import { type DeviceID, dialingNumber, type PartyDeviceID } from "../csta/device_id.ts";
import type { CstaEvent } from "../csta/event_report.ts";

/** The line's devices: address 0 is the line, address 1 its Super-Twin partner when it has one. */
export interface LineDevices {
  number: string;
  partner?: string;
}

/** One call as the line follows it. */
export interface LineCall {
  readonly callId: string;
  /** The PBX's callID now (it changes in a transfer or conference). */
  callID: Uint8Array;
  address: 0 | 1;
  state: LineCallState;
  previous: LineCallState;
  cause: string | null;
  direction: "incoming" | "outgoing";
  caller?: Party;
  called?: Party;
  connected?: Party;
  /** A consultation (lineSetupTransfer / lineAddToConference) holds this call. */
  pending?: "transfer" | "conference";
  /** The call came with an Offered event (ECMA-269's offered mode): its Delivered means it was accepted. */
  offered?: boolean;
  /** Other devices with a connection in the call (answered, added, transferred to). */
  readonly others: Set<string>;
  /** The line's addresses with a connection in the call (both while a Super-Twin pair rings). */
  readonly present: Set<0 | 1>;
  /** The line's own connection in the call, as the PBX named it. */
  own?: ConnectionID;
}

/** What a line's calls need besides the events. */
export interface LineCallsOptions {
  devices: LineDevices;
  directory: PartyDirectory;
  numbering: CallPartyNumbering;
  /** Makes a new callId, unique across lines while cstabox runs. */
  newCallId: () => string;
}

/** States a snapshot cannot tell apart from the one it reads (a conference is `connected` there). */
const SNAPSHOT_ALIKE: Partial<Record<LineCallState, readonly LineCallState[]>> = {
  connected: ["conferenced", "disconnected"],
  onhold: ["onholdpendtransfer", "onholdpendconf"],
  offering: ["accepted"],
  dialtone: ["dialing"],
  ringback: ["dialing", "proceeding"],
};

type Subject = { device?: DeviceID; role: "self" | "other"; address: 0 | 1 };

/** One line's calls by the PBX's callID (hex). */
export class LineCalls {
  readonly #options: LineCallsOptions;
  readonly #calls = new Map<string, LineCall>();

  constructor(options: LineCallsOptions) {
    this.#options = options;
  }

  get devices(): LineDevices {
    return this.#options.devices;
  }

  /** The calls on the line now, oldest first. */
  list(): LineCall[] {
    return [...this.#calls.values()];
  }

  byCallId(callId: string): LineCall | undefined {
    for (const call of this.#calls.values()) if (call.callId === callId) return call;
    return undefined;
  }

  /** The line's connection in a call: as the PBX named it, else the `both` form with the line's number. */
  ownConnection(call: LineCall): ConnectionID {
    if (call.own) return call.own;
    const device = call.address === 1 && this.#options.devices.partner
      ? this.#options.devices.partner
      : this.#options.devices.number;
    return connection(call.callID, dialingNumber(device));
  }

  /**
   * A call the line just started by request (MakeCall, ConsultationCall, pickup): tracked at once under
   * the connection the PBX answered with, so the answer can carry its callId before any event arrives.
   */
  adopt(own: ConnectionID, direction: "incoming" | "outgoing", called?: string): LineCall {
    const key = own.callID ? own.callID.toHex() : "";
    const existing = this.#calls.get(key);
    if (existing) return existing;
    const call = this.#newCall(
      own.callID ?? new Uint8Array(),
      direction,
      this.#addressOf(connectionDevice(own)),
    );
    call.own = own;
    if (called !== undefined) call.called = { number: called, kind: this.#options.directory.kindOf(called) };
    call.caller = { number: this.#deviceNumber(call.address), kind: "extension" };
    this.#calls.set(key, call);
    return call;
  }

  /** Marks a call held for a consultation (or clears the mark). */
  setPending(call: LineCall, pending: "transfer" | "conference" | undefined): void {
    call.pending = pending;
  }

  /** Applies one event of the line's monitor; returns the call events it caused. */
  apply(event: CstaEvent, at: Date): CallEvent[] {
    switch (event.kind) {
      case "transferred":
      case "conferenced":
        return this.#merge(event, at);
      case "callCleared":
        return this.#step("callCleared", event.clearedCall, { role: "other", address: 0 }, event, at);
      case "connectionCleared":
        return this.#step(
          "connectionCleared",
          event.droppedConnection,
          this.#subject(event.releasingDevice),
          event,
          at,
        );
      case "delivered":
        return this.#step("delivered", event.connection, this.#subject(event.alertingDevice), event, at);
      case "diverted":
        return this.#step("diverted", event.connection, this.#subject(event.divertingDevice), event, at);
      case "established":
        return this.#step(
          "established",
          event.establishedConnection,
          this.#subject(event.answeringDevice),
          event,
          at,
        );
      case "failed":
        return this.#step("failed", event.failedConnection, this.#subject(event.failingDevice), event, at);
      case "held":
        return this.#step("held", event.heldConnection, this.#subject(event.holdingDevice), event, at);
      case "networkReached":
        return this.#step(
          "networkReached",
          event.outboundConnection,
          { role: "other", address: 0 },
          event,
          at,
        );
      case "offered":
        return this.#step("offered", event.offeredConnection, this.#subject(event.offeredDevice), event, at);
      case "originated":
        return this.#step(
          "originated",
          event.originatedConnection,
          this.#subject(event.callingDevice),
          event,
          at,
        );
      case "queued":
        return this.#step("queued", event.queuedConnection, this.#subject(event.queue), event, at);
      case "retrieved":
        return this.#step(
          "retrieved",
          event.retrievedConnection,
          this.#subject(event.retrievingDevice),
          event,
          at,
        );
      case "serviceInitiated":
        return this.#step(
          "serviceInitiated",
          event.initiatedConnection,
          this.#subject(event.initiatingDevice),
          event,
          at,
        );
      default:
        return [];
    }
  }

  /**
   * Reconciles with a SnapshotDevice of the line: calls the PBX no longer has end (`idle`), calls it has
   * that the line did not know are added, states that differ are taken from the PBX.
   */
  reconcile(
    entries: readonly {
      connection: ConnectionID;
      own?: LocalConnectionStateName;
      others: LocalConnectionStateName[];
    }[],
    at: Date,
  ): CallEvent[] {
    const out: CallEvent[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      if (!entry.connection.callID) continue;
      const key = entry.connection.callID.toHex();
      seen.add(key);
      let call = this.#calls.get(key);
      const state = snapshotCallState(entry.own, entry.others, call?.pending);
      if (state === "idle" || state === "unknown" && call) continue;
      if (!call) {
        const direction = entry.own === "alerting" || entry.own === "queued" ? "incoming" : "outgoing";
        call = this.#newCall(
          entry.connection.callID,
          direction,
          this.#addressOf(connectionDevice(entry.connection)),
        );
        call.own = entry.connection;
        this.#calls.set(key, call);
      }
      if (!SNAPSHOT_ALIKE[state]?.includes(call.state) && call.state !== state) {
        out.push(this.#change(call, state, null, at));
      }
    }
    for (const [key, call] of this.#calls) {
      if (seen.has(key)) continue;
      this.#calls.delete(key);
      out.push(this.#change(call, "idle", null, at));
    }
    return out;
  }

  /** Ends every call (the line closes): each gets its last `idle` event. */
  clear(at: Date): CallEvent[] {
    const out = this.list().map((call) => this.#change(call, "idle", null, at));
    this.#calls.clear();
    return out;
  }

  /** A call as a `callState` event without a change (snapshots for new subscribers). */
  view(call: LineCall, at: Date): CallEvent {
    return this.#event(call, at);
  }

  // ---- events ---------------------------------------------------------------------------------

  #step(
    kind: ConnectionEventName,
    conn: ConnectionID,
    subject: Subject,
    event: CstaEvent,
    at: Date,
  ): CallEvent[] {
    if (!conn.callID) return [];
    const key = conn.callID.toHex();
    let call = this.#calls.get(key);
    const fields = event as Partial<Record<string, unknown>>;
    const own = typeof fields.localConnectionInfo === "string"
      ? fields.localConnectionInfo as LocalConnectionStateName
      : undefined;
    const cause = typeof fields.cause === "string" ? fields.cause : null;
    // One address of a Super-Twin pair leaves a call the other still has: the call moves there [?].
    if (
      call && subject.role === "self" && (kind === "connectionCleared" || kind === "diverted") &&
      call.present.delete(subject.address) && call.present.size > 0
    ) {
      call.address = [...call.present][0];
      call.own = undefined;
      return [this.#event(call, at)];
    }
    if (kind === "connectionCleared" && call && subject.role === "other" && subject.device) {
      const gone = this.#number(subject.device);
      if (gone !== undefined) {
        call.others.delete(gone);
        // The outside end is one party, whether named by its trunk or by its number.
        if (this.#outside(gone)) {
          for (const o of [...call.others]) if (this.#outside(o)) call.others.delete(o);
        }
      }
    }
    const input: CallStateInput = {
      event: kind,
      role: subject.role,
      previous: call?.state ?? "idle",
      own,
      cause: fields.cause as CallStateInput["cause"],
      pending: call?.pending,
      othersRemain: call !== undefined && call.others.size > 0,
      offered: call?.offered,
    };
    const next = nextCallState(input);
    if (!call) {
      if (next === null || next === "idle" || next === "disconnected") return [];
      const outgoing = kind === "serviceInitiated" || kind === "originated" ||
        this.#isSelfField(fields.callingDevice as PartyDeviceID | undefined);
      call = this.#newCall(conn.callID, outgoing ? "outgoing" : "incoming", subject.address);
      this.#calls.set(key, call);
    }
    if (subject.role === "self") {
      const firstHere = call.present.size === 0;
      call.present.add(subject.address);
      // Ringing at both addresses stays where it began; acting (answering, dialling, holding) moves it.
      if (firstHere || kind !== "delivered") {
        call.address = subject.address;
        if (connectionDevice(conn)) call.own = conn;
      }
    }
    if (kind === "offered" && subject.role === "self") call.offered = true;
    const partiesBefore = partyKey(call);
    this.#learnParties(call, kind, subject, fields);
    if (next === "idle") {
      this.#calls.delete(key);
      return [this.#change(call, "idle", cause, at)];
    }
    if (next !== null && next !== call.state) return [this.#change(call, next, cause, at)];
    if (partyKey(call) !== partiesBefore) return [this.#event(call, at)];
    return [];
  }

  /** Transferred and Conferenced: the old call(s) become one call under the new callID. */
  #merge(event: Extract<CstaEvent, { kind: "transferred" | "conferenced" }>, at: Date): CallEvent[] {
    const list = event.kind === "transferred" ? event.transferredConnections : event.conferenceConnections;
    const newCallID = list.map((entry) => entry.newConnection?.callID).find((id) => id !== undefined);
    const oldKeys = [event.primaryOldCall, event.secondaryOldCall]
      .map((c) => c?.callID && c.callID.toHex())
      .filter((k): k is string => typeof k === "string");
    const tracked = oldKeys.map((k) => [k, this.#calls.get(k)] as const).filter(([, c]) => c !== undefined);
    const subjectDevice = event.kind === "transferred" ? event.transferringDevice : event.conferencingDevice;
    const subject = this.#subject(subjectDevice);
    const cause = typeof event.cause === "string" ? event.cause : null;
    const out: CallEvent[] = [];
    // The call that goes on: the first old call the line had (the held one of a consultation).
    const [keep, ...ends] = tracked;
    for (const [key, call] of ends) {
      this.#calls.delete(key);
      for (const other of call!.others) keep[1]!.others.add(other);
      out.push(this.#change(call!, "idle", cause, at));
    }
    let call = keep?.[1];
    if (call && keep) this.#calls.delete(keep[0]);
    const own = event.localConnectionInfo as LocalConnectionStateName | undefined;
    const next = nextCallState({
      event: event.kind,
      role: subject.role,
      previous: call?.state ?? "idle",
      own,
      cause: event.cause as CallStateInput["cause"],
      pending: call?.pending,
    });
    if (!call) {
      if (next === null || next === "idle" || !newCallID) return out;
      call = this.#newCall(newCallID, "incoming", 0);
    }
    if (newCallID) {
      call.callID = newCallID;
      call.own = undefined;
      for (const entry of list) {
        const endpoint = entry.endpoint?.kind === "deviceID" ? entry.endpoint.value : undefined;
        if (!endpoint) continue;
        if (this.#addressOf(endpoint) !== undefined && entry.newConnection) call.own = entry.newConnection;
        else {
          const number = this.#number(endpoint);
          if (number !== undefined) call.others.add(number);
        }
      }
    }
    call.pending = undefined;
    const added = event.kind === "transferred" ? event.transferredToDevice : event.addedParty;
    const addedSubject = this.#subject(added);
    if (addedSubject.role === "other") {
      const party = partyOfField(added, this.#options.directory);
      if (party) {
        call.connected = party;
        call.others.add(party.number);
      }
    }
    if (event.kind === "transferred" && subject.role === "other" && subject.device) {
      const gone = this.#number(subject.device);
      if (gone !== undefined) call.others.delete(gone);
    }
    if (next === "idle") {
      out.push(this.#change(call, "idle", cause, at));
      return out;
    }
    this.#calls.set(call.callID.toHex(), call);
    out.push(
      next !== null && next !== call.state ? this.#change(call, next, cause, at) : this.#event(call, at),
    );
    return out;
  }

  #learnParties(
    call: LineCall,
    kind: ConnectionEventName,
    subject: Subject,
    fields: Partial<Record<string, unknown>>,
  ): void {
    const dir = this.#options.directory;
    const field = (name: string) => partyOfField(fields[name] as PartyDeviceID | undefined, dir);
    let caller = field("callingDevice");
    // An inbound call names the trunk as calling device; the outside caller is the network calling device.
    if (caller?.kind === "trunk") caller = field("networkCallingDevice") ?? caller;
    if (kind === "serviceInitiated" && subject.role === "self") caller = this.#selfParty(call);
    if (caller) call.caller = caller;
    const called = field("calledDevice");
    if (called) call.called = called;
    const subjectParty = subject.device ? partyOfDevice(subject.device, dir) : undefined;
    if (kind === "established") {
      if (subject.role === "other" && subjectParty) {
        call.connected = subjectParty;
        call.others.add(subjectParty.number);
      } else if (subject.role === "self" && call.caller && !this.#isSelfNumber(call.caller.number)) {
        call.connected = call.caller;
        call.others.add(call.caller.number);
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  #newCall(callID: Uint8Array, direction: "incoming" | "outgoing", address: 0 | 1 | undefined): LineCall {
    return {
      callId: this.#options.newCallId(),
      callID,
      address: address ?? 0,
      state: "idle",
      previous: "idle",
      cause: null,
      direction,
      others: new Set(),
      present: new Set(address === undefined ? [] : [address]),
    };
  }

  #change(call: LineCall, state: LineCallState, cause: string | null, at: Date): CallEvent {
    call.previous = call.state;
    call.state = state;
    call.cause = cause;
    if (state !== "onholdpendtransfer" && state !== "onholdpendconf" && state !== "connected") {
      if (state === "idle" || state === "disconnected") call.pending = undefined;
    }
    return this.#event(call, at);
  }

  #event(call: LineCall, at: Date): CallEvent {
    const remoteList = call.direction === "incoming" ? "incoming" : "outgoing";
    const options = { withOutsideLineAccess: call.direction === "outgoing" };
    const format = (party: Party | undefined) => {
      if (!party) return null;
      const self = this.#isSelfNumber(party.number);
      return reportedParty(
        this.#options.numbering,
        self ? null : remoteList,
        { number: party.number, name: party.name },
        self ? {} : options,
      );
    };
    const outside = (party: Party | undefined) =>
      party !== undefined && (party.kind === "external" || party.kind === "trunk");
    return {
      line: this.#options.devices.number,
      address: call.address,
      callId: call.callId,
      state: call.state,
      previousState: call.previous,
      cause: call.cause,
      parties: {
        caller: format(call.caller),
        called: format(call.called),
        connected: format(call.connected),
      },
      origin: outside(call.caller) ? "inbound" : outside(call.called) ? "outbound" : "internal",
      direction: call.direction,
      at: at.toISOString(),
    };
  }

  #subject(field: PartyDeviceID | undefined): Subject {
    const party = field ? partyOfField(field, this.#options.directory) : undefined;
    const device = field && field.kind === "deviceIdentifier" ? field.value : undefined;
    const address = party ? this.#addressOfNumber(party.number) : undefined;
    return address === undefined ? { device, role: "other", address: 0 } : { device, role: "self", address };
  }

  #isSelfField(field: PartyDeviceID | undefined): boolean {
    return this.#subject(field).role === "self";
  }

  #addressOf(device: DeviceID | undefined): 0 | 1 | undefined {
    if (!device) return undefined;
    const party = partyOfDevice(device, this.#options.directory);
    return party ? this.#addressOfNumber(party.number) : undefined;
  }

  #addressOfNumber(number: string): 0 | 1 | undefined {
    if (number === this.#options.devices.number) return 0;
    if (this.#options.devices.partner !== undefined && number === this.#options.devices.partner) return 1;
    return undefined;
  }

  #isSelfNumber(number: string): boolean {
    return this.#addressOfNumber(number) !== undefined;
  }

  #outside(number: string): boolean {
    const kind = this.#options.directory.kindOf(number);
    return kind === "external" || kind === "trunk";
  }

  #number(device: DeviceID): string | undefined {
    return partyOfDevice(device, this.#options.directory)?.number;
  }

  #deviceNumber(address: 0 | 1): string {
    return address === 1 && this.#options.devices.partner
      ? this.#options.devices.partner
      : this.#options.devices.number;
  }

  #selfParty(call: LineCall): Party {
    return { number: this.#deviceNumber(call.address), kind: "extension" };
  }
}

function partyKey(call: LineCall): string {
  return `${call.caller?.number}|${call.caller?.name}|${call.called?.number}|${call.connected?.number}|${call.connected?.name}`;
}
