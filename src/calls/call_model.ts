// The call model: CSTA events in (§8.4), calls keyed by callID out, and for calls over a trunk the SMDR
// call events the issue defines (when a call makes one is decided here; what it says, in smdr_events.ts).
// Pure: no I/O, time comes with each event; see docs/calls.md.

import type { ConnectionID } from "../csta/connection_id.ts";
import type { LocalConnectionStateName } from "../csta/connection_state.ts";
import type { Named } from "../csta/named_values.ts";
import { connectionDevice } from "../csta/connection_id.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import type { PartyDeviceID, RedirectionDeviceID } from "../csta/device_id.ts";
import type { CstaEvent, EventFields } from "../csta/event_report.ts";
import { callId as smdrCallId } from "../smdr/record.ts";
import type { SmdrDirection, SmdrEvent, SmdrEventType } from "../smdr/smdr_event.ts";
import { accountCodeText, decodeCallInformation, isCallInformation } from "./call_information_event.ts";
import { type CallFacts, type FinishedCall, mergeCallFacts, newCallFacts } from "./call_record.ts";
import type { CallView, ConnectionStateName } from "./call_view.ts";
import { type SmdrCall, type SmdrEventOptions, SmdrEventWriter, type TrunkIdentity } from "./smdr_events.ts";
import {
  isInternalParty,
  isOutsideParty,
  type Party,
  type PartyDirectory,
  partyOfDevice,
  partyOfField,
} from "./party.ts";

/** Options of a {@link CallModel}: the directory of parties, and how its SMDR events are numbered. */
export interface CallModelOptions extends SmdrEventOptions {
  directory: PartyDirectory;
}

/** What one snapshot of a monitored device said (SnapshotDevice, §7): its calls and its own state in each. */
export interface DeviceSnapshot {
  /** The monitored device's number. */
  device: string;
  calls: { connection: ConnectionID; state?: ConnectionStateName }[];
}

/** What {@link CallModel.reconcile} must leave alone. */
export interface ReconcileOptions {
  /** Monitored devices whose snapshot failed: their calls cannot be judged and stay as they are. */
  unsure?: ReadonlySet<string>;
}

/**
 * A trunk call as the store keeps it while it lasts, so that after a restart of cstabox (even SIGKILL) it
 * goes on under its SMDR call ID, or ends with DISCONNECTED if the PBX no longer has it (see
 * {@link CallModel.restore}). Plain JSON: parties, states and facts as the model holds them.
 */
export interface StoredTrunkCall {
  /** The PBX's callID in hex (the model's key). */
  key: string;
  firstSeen: number;
  answered: boolean;
  originator?: string;
  trunk?: string;
  callingOutside?: Party;
  calledOutside?: Party;
  ddi?: string;
  accountCode?: string;
  extension?: string;
  smdr: { direction: SmdrDirection; callStart: number; serial: number; records: number };
  connections: { party: Party; state: ConnectionStateName; since: number }[];
  facts: CallFacts;
}

/** Counters for the status page. */
export interface CallModelCounters {
  /** Events applied (duplicates included). */
  events: number;
  /** Reports of an event already applied from another monitor, skipped. */
  duplicates: number;
  /** Events about no call the model could key (no callID) or of a kind that means nothing to it. */
  ignored: number;
  /** CallInformation events whose bytes did not decode. */
  undecodable: number;
}

interface Connection {
  party: Party;
  state: ConnectionStateName;
  since: number;
}

interface Call extends SmdrCall {
  readonly key: string;
  readonly callId: Uint8Array;
  readonly firstSeen: number;
  lastEventAt: number;
  connections: Map<string, Connection>;
  /** The internal device that started the call (ServiceInitiated, Originated). */
  originator?: string;
  answered: boolean;
  /** First seen in a snapshot: its start was missed, so only explicit evidence makes it a trunk call. */
  fromSnapshot: boolean;
  /** The direction the associated devices told before the call could be made an SMDR call. */
  pendingHint?: SmdrDirection;
  lastFingerprint?: string;
  /** What the finished-call record is made of. */
  facts: CallFacts;
}

/** A connection named by an event: the call it belongs to and the party at its end. */
interface ConnectionRef {
  key: string;
  callId: Uint8Array;
  party?: Party;
}

/** Touched calls remembered between two readers' passes before they are summed up as `all`. */
const MAX_TOUCHED = 10_000;

/** Where the trunk of a call was learned, which says which way the call goes. */
type DirectionHint = SmdrDirection | undefined;

/**
 * Calls keyed by the PBX's callID, built from the EventReports of every monitored device, and the SMDR
 * events of calls that use a trunk. Feed it with {@link apply}; each report of an event at several
 * monitors is applied once (state changes are idempotent, other events are recognised by content).
 */
export class CallModel {
  readonly counters: CallModelCounters = { events: 0, duplicates: 0, ignored: 0, undecodable: 0 };
  readonly #directory: PartyDirectory;
  /** The SMDR events of trunk calls, derived from the call state kept here. */
  readonly #smdr: SmdrEventWriter;
  readonly #calls = new Map<string, Call>();
  #version = 0;
  /** While snapshots are being taken: when that began, and the calls that ended since. */
  #snapshotting?: { since: number; ended: Set<string> };
  /** Calls that ended since the last {@link takeFinished}. */
  #finished: FinishedCall[] = [];
  /** Set by whatever changes the model while one event or snapshot is applied. */
  #changed = false;
  /**
   * The calls named since the last {@link takeTouched} (a superset of those that changed: every call an
   * event names), or `all` after a re-sync or a restore: the live view's readers redo only these.
   */
  #touched: Set<string> | "all" = new Set();

  constructor(options: CallModelOptions) {
    this.#directory = options.directory;
    this.#smdr = new SmdrEventWriter(options);
  }

  /** Increases whenever the model changed; the live view compares it to know when to refresh. */
  get version(): number {
    return this.#version;
  }

  /** Calls in progress. */
  get size(): number {
    return this.#calls.size;
  }

  /**
   * Applies one event, as reported at the monitored device `observer` (its number, when known), and
   * returns the SMDR events it produced, in order.
   */
  apply(event: CstaEvent, at: Date, observer?: string): SmdrEvent[] {
    this.counters.events++;
    const out: SmdrEvent[] = [];
    this.#changed = false;
    const observerParty = observer === undefined ? undefined : this.#partyOfNumber(observer);
    const handled = this.#dispatch(event, at.getTime(), at, observerParty, out);
    if (!handled) this.counters.ignored++;
    if (this.#changed || out.length > 0) this.#version++;
    return out;
  }

  /**
   * Marks the start of taking snapshots for {@link reconcile}: events applied from now on are newer than
   * what the snapshots say, so the calls they touch or end are left as the events made them.
   */
  snapshotsStarted(at: Date): void {
    this.#snapshotting = { since: at.getTime(), ended: new Set() };
  }

  /**
   * Brings the model in line with snapshots of the monitored devices (after a PBX reconnect): calls no
   * snapshot lists have ended (DISCONNECTED), connections take the states the snapshots report, with the
   * records those changes mean. Calls the model did not know appear in the live view.
   */
  reconcile(snapshots: readonly DeviceSnapshot[], at: Date, options: ReconcileOptions = {}): SmdrEvent[] {
    const out: SmdrEvent[] = [];
    const now = at.getTime();
    const fresh = this.#snapshotting?.since ?? Infinity;
    const endedSince = this.#snapshotting?.ended ?? new Set<string>();
    this.#snapshotting = undefined;
    const unsure = options.unsure ?? new Set<string>();
    const seen = new Map<string, { callId: Uint8Array; parties: Map<string, Connection> }>();
    const snapped = new Set(snapshots.map((s) => s.device));
    for (const snapshot of snapshots) {
      for (const entry of snapshot.calls) {
        const ref = this.#ref(entry.connection);
        if (!ref) continue;
        const party = ref.party ?? this.#partyOfNumber(snapshot.device);
        const found = seen.get(ref.key) ?? { callId: ref.callId, parties: new Map() };
        found.parties.set(party.number, { party, state: entry.state ?? "connected", since: now });
        seen.set(ref.key, found);
      }
    }
    for (const call of [...this.#calls.values()]) {
      // Events that came while the snapshots were taken are newer than what the snapshots say.
      if (call.lastEventAt >= fresh) continue;
      const found = seen.get(call.key);
      if (!found) {
        const unseeable = [...call.connections.keys()].some((number) => unsure.has(number));
        if (!unseeable) this.#end(call, at, out);
        continue;
      }
      const hadOutside = this.#hasOutside(call);
      for (const number of [...call.connections.keys()]) {
        if (snapped.has(number) && !found.parties.has(number)) call.connections.delete(number);
      }
      for (const { party, state } of found.parties.values()) this.#observeState(call, party, state, at, out);
      if (hadOutside && !this.#hasOutside(call)) this.#smdr.record(call, "DISCONNECTED", at, out);
      if (!this.#hasInternal(call)) this.#end(call, at, out);
    }
    this.#touched = "all";
    for (const [key, found] of seen) {
      if (this.#calls.has(key) || endedSince.has(key)) continue;
      const call = this.#newCall(key, found.callId, now);
      call.fromSnapshot = true;
      for (const connection of found.parties.values()) {
        call.connections.set(connection.party.number, connection);
      }
    }
    this.#version++;
    return out;
  }

  /**
   * The trunk calls `events` are about, as the store keeps them: those going on (to save), and the SMDR
   * serials of those that ended (DISCONNECTED: to forget).
   */
  trunkCallsOf(events: readonly SmdrEvent[]): { going: StoredTrunkCall[]; ended: number[] } {
    const ended = new Set<number>();
    const named = new Set<number>();
    for (const event of events) (event.event === "DISCONNECTED" ? ended : named).add(event.callSerial);
    const going: StoredTrunkCall[] = [];
    if (named.size > 0) {
      for (const call of this.#calls.values()) {
        const smdr = call.smdr;
        if (smdr && !smdr.ended && named.has(smdr.serial)) going.push(storedCall(call, smdr));
      }
    }
    return { going, ended: [...ended] };
  }

  /**
   * Takes back the trunk calls that were in progress when cstabox stopped (or was killed). They are kept
   * as they were until the next {@link reconcile}: calls the snapshots still show go on under their call
   * IDs, the others end with DISCONNECTED. Returns the highest SMDR serial among them (0 for none).
   */
  restore(calls: readonly StoredTrunkCall[], at: Date): number {
    let highest = 0;
    for (const stored of calls) {
      if (this.#calls.has(stored.key)) continue;
      const call = this.#newCall(stored.key, Uint8Array.fromHex(stored.key), stored.firstSeen);
      call.lastEventAt = at.getTime();
      call.answered = stored.answered;
      call.originator = stored.originator;
      call.trunk = stored.trunk;
      call.callingOutside = stored.callingOutside;
      call.calledOutside = stored.calledOutside;
      call.ddi = stored.ddi;
      call.accountCode = stored.accountCode;
      call.extension = stored.extension;
      call.facts = stored.facts;
      const { direction, callStart, serial, records } = stored.smdr;
      call.smdr = { direction, callStart: new Date(callStart), serial, records, ended: false };
      for (const connection of stored.connections) call.connections.set(connection.party.number, connection);
      highest = Math.max(highest, serial);
    }
    if (calls.length > 0) {
      this.#version++;
      this.#touched = "all";
    }
    return highest;
  }

  /** Ends calls that heard no event for `idleMs` (events lost for good); returns their DISCONNECTED. */
  expireIdle(at: Date, idleMs: number): SmdrEvent[] {
    const out: SmdrEvent[] = [];
    for (const call of [...this.#calls.values()]) {
      if (at.getTime() - call.lastEventAt >= idleMs) this.#end(call, at, out);
    }
    if (out.length > 0) this.#version++;
    return out;
  }

  /** The calls that ended since the last call, oldest first: each once, for its finished-call record. */
  takeFinished(): FinishedCall[] {
    const out = this.#finished;
    this.#finished = [];
    return out;
  }

  /** The calls in progress, oldest first. */
  calls(): CallView[] {
    return [...this.#calls.values()].map((call) => this.#view(call));
  }

  /** One call in progress by its key (the callID in hex), or undefined when it is not (or no longer) going on. */
  view(key: string): CallView | undefined {
    const call = this.#calls.get(key);
    return call && this.#view(call);
  }

  /**
   * The keys of the calls events named since the last call (those in progress and those that ended or were
   * merged away), or `all` when a re-sync or a restore may have changed any call.
   */
  takeTouched(): readonly string[] | "all" {
    const touched = this.#touched;
    this.#touched = new Set();
    return touched === "all" ? "all" : [...touched];
  }

  /** Notes a call as touched; a model nobody takes them from falls back to `all` rather than growing. */
  #touch(key: string): void {
    if (this.#touched === "all") return;
    this.#touched.add(key);
    if (this.#touched.size > MAX_TOUCHED) this.#touched = "all";
  }

  // ---- dispatch ---------------------------------------------------------------------------------

  #dispatch(event: CstaEvent, now: number, at: Date, observer: Party | undefined, out: SmdrEvent[]): boolean {
    switch (event.kind) {
      case "serviceInitiated":
        return this.#single(event.initiatedConnection, event, now, (call, party) => {
          this.#learnOriginator(call, party ?? this.#party(event.initiatingDevice));
          if (party) this.#setState(call, party, "initiated", now);
        });
      case "originated":
        return this.#single(event.originatedConnection, event, now, (call, party) => {
          const originator = party ?? this.#party(event.callingDevice);
          this.#learnOriginator(call, originator);
          this.#learnParties(call, { called: event.calledDevice, observer });
          if (originator && isInternalParty(originator)) this.#setState(call, originator, "connected", now);
        });
      case "networkReached":
        return this.#single(event.outboundConnection, event, now, (call, party) => {
          const trunk = this.#party(event.networkInterfaceUsed);
          this.#learnParties(call, {
            calling: event.callingDevice,
            called: event.calledDevice,
            associatedCalling: event.associatedCallingDevice,
            observer,
          });
          if (trunk?.kind === "trunk") this.#learnTrunk(call, trunk);
          const outbound = party ?? trunk;
          if (outbound) this.#setState(call, outbound, "initiated", now);
          this.#promote(call, at, "OUT");
        });
      case "delivered":
        return this.#single(
          event.connection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { ...event, observer });
            this.#alerting(call, party ?? this.#party(event.alertingDevice), at, out);
          },
          at,
          out,
        );
      case "established":
        return this.#single(
          event.establishedConnection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { ...event, observer });
            this.#connected(call, party ?? this.#party(event.answeringDevice), at, out);
          },
          at,
          out,
        );
      case "held":
        return this.#single(
          event.heldConnection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { observer });
            const holder = party ?? this.#party(event.holdingDevice);
            if (!holder || !this.#setState(call, holder, "hold", now)) return;
            this.#promote(call, at);
            this.#smdr.record(call, "HOLD", at, out, this.#extensionOf(call, holder));
          },
          at,
          out,
        );
      case "retrieved":
        return this.#single(
          event.retrievedConnection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { observer });
            const retriever = party ?? this.#party(event.retrievingDevice);
            if (!retriever || !this.#setState(call, retriever, "connected", now)) return;
            this.#promote(call, at);
            if (isInternalParty(retriever)) call.extension = retriever.number;
            this.#smdr.record(call, "CONNECTED", at, out, this.#extensionOf(call, retriever));
          },
          at,
          out,
        );
      case "queued":
        return this.#single(
          event.queuedConnection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { ...event, observer });
            const queue = party ?? this.#party(event.queue);
            if (!queue || !this.#setState(call, queue, "queued", now)) return;
            this.#promote(call, at);
            call.extension = queue.number;
            this.#smdr.record(call, "QUEUED", at, out, queue.number);
          },
          at,
          out,
        );
      case "failed":
        return this.#single(event.failedConnection, event, now, (call, party) => {
          this.#learnParties(call, { ...event, observer });
          const failing = party ?? this.#party(event.failingDevice);
          if (failing) this.#setState(call, failing, "fail", now);
          this.#promote(call, at);
        });
      case "diverted":
        return this.#single(
          event.connection,
          event,
          now,
          (call, party) => {
            this.#learnParties(call, { ...event, observer });
            this.#diverted(call, party ?? this.#party(event.divertingDevice), event, at, out);
          },
          at,
          out,
        );
      case "connectionCleared":
        return this.#connectionCleared(event, now, at, out);
      case "callCleared": {
        const ref = this.#ref(event.clearedCall);
        const call = ref && this.#calls.get(ref.key);
        if (!call) return ref !== undefined;
        this.#end(call, at, out);
        this.#changed = true;
        return true;
      }
      case "transferred":
        return this.#transferred(event, now, at, observer, out);
      case "conferenced":
        return this.#conferenced(event, now, at, observer, out);
      case "unknown":
        if (!isCallInformation(event)) return false;
        return this.#callInformation(event, now, at, observer, out);
      default:
        // Device features (forwarding, do not disturb) are no call events.
        return false;
    }
  }

  /**
   * The common frame of an event about one connection: find or create its call, skip a report already
   * applied from another monitor, run the handler, then write CALLMODIFIED when the account code, caller
   * number or contact name changed on a call that has records already.
   */
  #single(
    connection: ConnectionID,
    event: CstaEvent,
    now: number,
    handle: (call: Call, party: Party | undefined) => void,
    at?: Date,
    out?: SmdrEvent[],
  ): boolean {
    const ref = this.#ref(connection);
    if (!ref) return false;
    const call = this.#calls.get(ref.key) ?? this.#newCall(ref.key, ref.callId, now);
    if (this.#isDuplicate(call, event)) return true;
    call.lastEventAt = now;
    this.#changed = true;
    const modifiable = at && out ? this.#smdr.modifiable(call) : undefined;
    handle(call, ref.party);
    if (at && out && modifiable !== undefined) this.#smdr.checkModified(call, modifiable, at, out);
    return true;
  }

  // ---- event handlers ---------------------------------------------------------------------------

  #alerting(call: Call, party: Party | undefined, at: Date, out: SmdrEvent[]): void {
    if (!party) return;
    const changed = this.#setState(call, party, "alerting", at.getTime());
    if (isOutsideParty(party)) {
      // The far end of an outbound call rings.
      this.#promote(call, at, call.originator !== undefined ? "OUT" : undefined);
      if (changed && call.smdr?.direction === "OUT") this.#smdr.record(call, "RINGING", at, out);
      return;
    }
    if (party.kind !== "group") this.#leaveQueue(call);
    this.#promote(call, at);
    if (!changed) return;
    call.extension = party.number;
    this.#smdr.record(call, "RINGING", at, out, party.number);
  }

  #connected(call: Call, party: Party | undefined, at: Date, out: SmdrEvent[]): void {
    if (!party) return;
    const changed = this.#setState(call, party, "connected", at.getTime());
    if (isOutsideParty(party)) {
      // The far end of an outbound call answers; on an inbound call the trunk side says nothing new.
      this.#promote(call, at, call.originator !== undefined ? "OUT" : undefined);
      if (!changed || call.smdr?.direction !== "OUT") return;
      this.#smdr.record(call, this.#connectEvent(call, at, party), at, out);
      return;
    }
    this.#leaveQueue(call);
    this.#promote(call, at);
    if (!changed) return;
    call.extension = party.number;
    const type = this.#connectEvent(call, at, party);
    this.#smdr.record(call, type, at, out, party.number);
  }

  /** ANSWERED for the call's first connect, CONNECTED for every later one. */
  #connectEvent(call: Call, at: Date, party: Party): SmdrEventType {
    const first = !call.answered;
    call.answered = true;
    if (call.facts.answeredAt === undefined) {
      call.facts.answeredAt = at.getTime();
      call.facts.answeredBy = party;
    }
    return first ? "ANSWERED" : "CONNECTED";
  }

  #diverted(
    call: Call,
    from: Party | undefined,
    event: EventFields<"diverted">,
    at: Date,
    out: SmdrEvent[],
  ): void {
    if (from) call.connections.delete(from.number);
    const to = this.#party(event.newDestination);
    this.#promote(call, at);
    const source = from && isInternalParty(from) ? from.number : undefined;
    // Forwarded outside the PBX: no extension to name, the source says where it left.
    const extension = to && isInternalParty(to) ? to.number : "";
    if (extension !== "") call.extension = extension;
    call.facts.diversions.push({ at: at.getTime(), from, to });
    this.#smdr.record(call, "DIVERTED", at, out, extension, source);
  }

  #connectionCleared(
    event: EventFields<"connectionCleared">,
    now: number,
    at: Date,
    out: SmdrEvent[],
  ): boolean {
    const ref = this.#ref(event.droppedConnection);
    if (!ref) return false;
    // A connection of a call the model does not know (or no longer knows) changes nothing.
    const call = this.#calls.get(ref.key);
    if (!call) return true;
    if (this.#isDuplicate(call, { kind: "connectionCleared", ...event })) return true;
    call.lastEventAt = now;
    this.#changed = true;
    const party = ref.party ?? this.#party(event.releasingDevice);
    if (party) {
      this.#leaveHold(call, call.connections.get(party.number), now);
      call.connections.delete(party.number);
      if (call.extension === party.number) call.extension = this.#presentExtension(call) ?? call.extension;
      // The outside party left a trunk call: for SMDR the call is over, whoever stays on internally.
      if (isOutsideParty(party) && !this.#hasOutside(call)) this.#smdr.record(call, "DISCONNECTED", at, out);
    }
    if (!this.#hasInternal(call)) this.#end(call, at, out);
    return true;
  }

  #transferred(
    event: EventFields<"transferred">,
    now: number,
    at: Date,
    observer: Party | undefined,
    out: SmdrEvent[],
  ): boolean {
    const primary = this.#ref(event.primaryOldCall);
    const secondary = event.secondaryOldCall ? this.#ref(event.secondaryOldCall) : undefined;
    const resultRef = this.#resultingCall(event.transferredConnections, primary ?? secondary);
    if (!resultRef) return false;
    const transferring = this.#party(event.transferringDevice) ?? primary?.party;
    const merge = this.#merge(
      resultRef,
      [primary, secondary],
      { kind: "transferred", ...event },
      now,
      at,
      out,
    );
    if (!merge) return true;
    const { call, sources, before } = merge;
    const hadTransferring = transferring !== undefined &&
      sources.some((source) => source.connections.has(transferring.number));
    for (const source of sources) if (transferring) source.connections.delete(transferring.number);
    const placed = this.#placeConnections(call, sources, event.transferredConnections, observer, event, now);
    const moved = placed.filter((c) => !before.has(c.party.number));
    this.#learnParties(call, { observer });
    this.#promote(call, at);
    if (!call.smdr || call.smdr.ended) return true;
    const target = this.#party(event.transferredToDevice);
    const newExtension = target && isInternalParty(target)
      ? target.number
      : moved.find((c) => isInternalParty(c.party))?.party.number;
    if (hadTransferring || moved.length > 0) {
      call.facts.transfers.push({
        at: now,
        from: transferring,
        to: target ?? moved.find((c) => isInternalParty(c.party))?.party,
      });
      const source = transferring && isInternalParty(transferring) ? transferring.number : undefined;
      this.#smdr.record(call, "TRANSFERRED", at, out, newExtension ?? "", source);
      if (newExtension !== undefined) call.extension = newExtension;
    }
    // The moved parties ring or talk on the transferred call now (transfer to ringing, §8.4 Transferred).
    for (const connection of moved) {
      if (!isInternalParty(connection.party)) continue;
      if (connection.state === "alerting") {
        this.#smdr.record(call, "RINGING", at, out, connection.party.number);
      } else if (connection.state === "connected") {
        this.#smdr.record(
          call,
          this.#connectEvent(call, at, connection.party),
          at,
          out,
          connection.party.number,
        );
      }
    }
    if (!this.#hasInternal(call) && !this.#hasOutside(call)) this.#end(call, at, out);
    return true;
  }

  #conferenced(
    event: EventFields<"conferenced">,
    now: number,
    at: Date,
    observer: Party | undefined,
    out: SmdrEvent[],
  ): boolean {
    const primary = this.#ref(event.primaryOldCall);
    const secondary = event.secondaryOldCall ? this.#ref(event.secondaryOldCall) : undefined;
    const resultRef = this.#resultingCall(event.conferenceConnections, primary ?? secondary);
    if (!resultRef) return false;
    const merge = this.#merge(
      resultRef,
      [primary, secondary],
      { kind: "conferenced", ...event },
      now,
      at,
      out,
    );
    if (!merge) return true;
    const { call, sources, before } = merge;
    const conferencing = this.#party(event.conferencingDevice);
    // The conferencing device is the one that takes its held call back into the conference.
    this.#placeConnections(call, sources, event.conferenceConnections, observer, event, now, "connected");
    if (conferencing && isInternalParty(conferencing) && call.connections.has(conferencing.number)) {
      this.#setState(call, conferencing, "connected", now);
    }
    this.#learnParties(call, { observer });
    this.#promote(call, at);
    for (const connection of call.connections.values()) {
      if (!isInternalParty(connection.party) || connection.state !== "connected") continue;
      if (before.get(connection.party.number) === "connected") continue;
      this.#smdr.record(
        call,
        this.#connectEvent(call, at, connection.party),
        at,
        out,
        connection.party.number,
      );
    }
    return true;
  }

  #callInformation(
    event: Extract<CstaEvent, { kind: "unknown" }>,
    now: number,
    at: Date,
    observer: Party | undefined,
    out: SmdrEvent[],
  ): boolean {
    let info;
    try {
      info = decodeCallInformation(event);
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      this.counters.undecodable++;
      return true;
    }
    return this.#single(
      info.connection,
      event,
      now,
      (call) => {
        this.#learnParties(call, { calling: info.callingDevice, observer });
        if (info.accountInfo !== undefined) {
          const code = accountCodeText(info.accountInfo);
          call.accountCode = code === "" ? undefined : code;
        }
        this.#promote(call, at);
      },
      at,
      out,
    );
  }

  // ---- merging calls (transfer, conference) -----------------------------------------------------

  /** The callID the parties are on after a transfer or conference: that of the first listed connection. */
  #resultingCall(
    list: EventFields<"transferred">["transferredConnections"],
    fallback: ConnectionRef | undefined,
  ): ConnectionRef | undefined {
    for (const entry of list) {
      const ref = entry.newConnection ? this.#ref(entry.newConnection) : undefined;
      if (ref) return ref;
    }
    return fallback;
  }

  /**
   * Finds or creates the resulting call and collects the old calls merged into it. The resulting call keeps
   * the SMDR identity of the old trunk call (the primary one if both were); an old trunk call whose identity
   * does not go on ends with DISCONNECTED. Returns undefined for a report already applied.
   */
  #merge(
    resultRef: ConnectionRef,
    oldRefs: (ConnectionRef | undefined)[],
    event: CstaEvent,
    now: number,
    at: Date,
    out: SmdrEvent[],
  ): { call: Call; sources: Call[]; before: Map<string, ConnectionStateName> } | undefined {
    const existing = this.#calls.get(resultRef.key);
    if (existing && this.#isDuplicate(existing, event)) return undefined;
    const olds = oldRefs.filter((r): r is ConnectionRef => r !== undefined)
      .map((r) => this.#calls.get(r.key))
      .filter((c): c is Call => c !== undefined);
    const uniqueOlds = [...new Set(olds)];
    const call = existing ?? this.#newCall(resultRef.key, resultRef.callId, now);
    if (!existing) call.lastFingerprint = fingerprint(event);
    call.lastEventAt = now;
    this.#changed = true;
    const heir = [call, ...uniqueOlds].find((c) => c.smdr !== undefined && !c.smdr.ended);
    // One call for the record: the merged calls' start, answer, hold and hand-overs go on together.
    const merged = [call, ...uniqueOlds.filter((c) => c !== call)];
    if (merged.length > 1) call.facts = mergeCallFacts(merged.map((c) => c.facts));
    for (const old of uniqueOlds) {
      if (old === call) continue;
      if (old.smdr && !old.smdr.ended && old !== heir) this.#smdr.record(old, "DISCONNECTED", at, out);
    }
    // What was on the call whose identity goes on: parties not among them joined the trunk call.
    const before = new Map([...(heir ?? call).connections].map(([number, c]) => [number, c.state]));
    if (heir && heir !== call) this.#inherit(call, heir);
    for (const old of uniqueOlds) {
      if (old === call) continue;
      this.#calls.delete(old.key);
      this.#touch(old.key);
      this.#snapshotting?.ended.add(old.key);
    }
    return { call, sources: [call, ...uniqueOlds.filter((c) => c !== call)], before };
  }

  /** The resulting call takes over an old call's trunk identity and what the records show. */
  #inherit(call: Call, heir: Call): void {
    call.smdr = heir.smdr;
    call.trunk = heir.trunk;
    call.callingOutside = heir.callingOutside;
    call.calledOutside = heir.calledOutside;
    call.ddi = heir.ddi;
    call.accountCode = heir.accountCode ?? call.accountCode;
    call.answered = heir.answered;
    call.originator = heir.originator ?? call.originator;
    call.extension = heir.extension ?? call.extension;
    call.fromSnapshot = false;
  }

  /**
   * Puts the listed connections on the resulting call with the state each had before (or, for the
   * reporting device, the state the report gives). Returns the connections placed.
   */
  #placeConnections(
    call: Call,
    sources: Call[],
    list: EventFields<"transferred">["transferredConnections"],
    observer: Party | undefined,
    event: { localConnectionInfo?: Named<LocalConnectionStateName> },
    now: number,
    forceState?: ConnectionStateName,
  ): Connection[] {
    const placed: Connection[] = [];
    for (const entry of list) {
      const newRef = entry.newConnection ? this.#ref(entry.newConnection) : undefined;
      const oldRef = entry.oldConnection ? this.#ref(entry.oldConnection) : undefined;
      const endpoint = entry.endpoint?.kind === "deviceID"
        ? partyOfDevice(entry.endpoint.value, this.#directory)
        : undefined;
      const party = newRef?.party ?? oldRef?.party ?? endpoint;
      if (!party) continue;
      const from = oldRef ? sources.find((s) => s.key === oldRef.key) : undefined;
      const previous = from?.connections.get(party.number) ?? call.connections.get(party.number);
      const reported = observer?.number === party.number ? liveState(event.localConnectionInfo) : undefined;
      let state: ConnectionStateName = reported ?? previous?.state ?? "connected";
      if (forceState && state === "hold") state = forceState;
      if (previous?.state !== state) this.#leaveHold(call, previous, now);
      const connection: Connection = {
        party,
        state,
        since: previous && previous.state === state ? previous.since : now,
      };
      if (from && from !== call) from.connections.delete(party.number);
      call.connections.set(party.number, connection);
      placed.push(connection);
    }
    return placed;
  }

  // ---- learning what the call is -----------------------------------------------------------------

  #learnOriginator(call: Call, party: Party | undefined): void {
    if (party && isInternalParty(party) && call.originator === undefined && !call.callingOutside) {
      call.originator = party.number;
    }
  }

  /**
   * Takes what an event says about the call's parties: the outside caller and called number, the DDI,
   * and the trunk (from the associated devices or the reporting monitor).
   */
  #learnParties(call: Call, fields: {
    callingDevice?: PartyDeviceID;
    calling?: PartyDeviceID;
    calledDevice?: PartyDeviceID;
    called?: PartyDeviceID;
    networkCallingDevice?: PartyDeviceID;
    networkCalledDevice?: PartyDeviceID;
    associatedCallingDevice?: PartyDeviceID;
    associatedCalling?: PartyDeviceID;
    associatedCalledDevice?: PartyDeviceID;
    observer?: Party;
  }): void {
    const calling = this.#party(fields.calling ?? fields.callingDevice);
    const called = this.#party(fields.called ?? fields.calledDevice);
    const associatedCalling = this.#party(fields.associatedCalling ?? fields.associatedCallingDevice);
    const associatedCalled = this.#party(fields.associatedCalledDevice);
    if (calling?.kind === "external") call.callingOutside = mergeParty(call.callingOutside, calling);
    else if (calling && isInternalParty(calling) && !call.callingOutside && call.originator === undefined) {
      call.originator = calling.number;
    }
    if (!call.callingOutside) {
      const network = this.#party(fields.networkCallingDevice);
      if (network?.kind === "external") call.callingOutside = network;
      else if (associatedCalling?.kind === "external") call.callingOutside = associatedCalling;
    }
    if (called?.kind === "external") call.calledOutside = mergeParty(call.calledOutside, called);
    // The dialled-in number: networkCalledDevice as the simulator and LinTcMon's reading of Panasonic give
    // it, else an associatedCalledDevice that is no trunk (§17 [?]).
    if (call.ddi === undefined) {
      const network = this.#party(fields.networkCalledDevice);
      if (network && network.kind !== "trunk") call.ddi = network.number;
      else if (associatedCalled?.kind === "external") call.ddi = associatedCalled.number;
    }
    if (associatedCalling?.kind === "trunk") this.#learnTrunk(call, associatedCalling, "IN");
    if (associatedCalled?.kind === "trunk") this.#learnTrunk(call, associatedCalled, "OUT");
    if (fields.observer?.kind === "trunk") this.#learnTrunk(call, fields.observer);
  }

  /** The call uses this trunk: remembered, and present as a connection until it is cleared. */
  #learnTrunk(call: Call, trunk: Party, hint?: DirectionHint): void {
    if (call.trunk === undefined) call.trunk = trunk.number;
    if (!call.connections.has(trunk.number) && trunk.number === call.trunk) {
      call.connections.set(trunk.number, { party: trunk, state: "connected", since: call.lastEventAt });
    }
    if (hint) call.pendingHint = hint;
  }

  /**
   * Makes the call an SMDR call once it is known to use a trunk or to come from outside. Direction: what
   * the evidence says (NetworkReached, associated devices), else OUT when an internal device started it.
   */
  #promote(call: Call, at: Date, hint?: DirectionHint): void {
    if (call.smdr) return;
    let direction = hint ?? call.pendingHint;
    if (!direction && !call.fromSnapshot) {
      if (call.trunk !== undefined) direction = call.originator !== undefined ? "OUT" : "IN";
      else if (call.callingOutside && call.originator === undefined) direction = "IN";
    }
    if (!direction) return;
    call.smdr = this.#smdr.identity(direction, at);
    call.fromSnapshot = false;
    if (direction === "OUT") call.extension ??= call.originator ?? this.#presentExtension(call);
  }

  // ---- the end of a call ---------------------------------------------------------------------

  /** The call is over: DISCONNECTED for a trunk call that has not had it, and the call is forgotten. */
  #end(call: Call, at: Date, out: SmdrEvent[]): void {
    this.#smdr.record(call, "DISCONNECTED", at, out);
    for (const connection of call.connections.values()) this.#leaveHold(call, connection, at.getTime());
    this.#finished.push(this.#finishedCall(call, at));
    this.#calls.delete(call.key);
    this.#touch(call.key);
    this.#snapshotting?.ended.add(call.key);
  }

  // ---- states and parties -----------------------------------------------------------------------

  /** Sets a connection's state; returns whether it changed (a repeated report changes nothing). */
  #setState(call: Call, party: Party, state: ConnectionStateName, now: number): boolean {
    const existing = call.connections.get(party.number);
    if (existing?.state === state) return false;
    this.#leaveHold(call, existing, now);
    this.#noteState(call.facts, party, state);
    call.connections.set(party.number, { party: existing?.party ?? party, state, since: now });
    return true;
  }

  /**
   * A state a snapshot reports: applied like the event that would have led to it, so an answer or a hold
   * that happened while the link was down still gets its record.
   */
  #observeState(call: Call, party: Party, state: ConnectionStateName, at: Date, out: SmdrEvent[]): void {
    const previous = call.connections.get(party.number)?.state;
    if (previous === state) return;
    if (state === "alerting") return this.#alerting(call, party, at, out);
    if (state === "connected" && previous !== "initiated" && previous !== "fail" && previous !== "hold") {
      return this.#connected(call, party, at, out);
    }
    this.#setState(call, party, state, at.getTime());
    if (state === "hold" && previous === "connected") {
      this.#smdr.record(call, "HOLD", at, out, this.#extensionOf(call, party));
    } else if (state === "connected" && previous === "hold") {
      this.#smdr.record(call, "CONNECTED", at, out, this.#extensionOf(call, party));
    } else if (state === "queued") {
      this.#smdr.record(call, "QUEUED", at, out, party.number);
    }
  }

  /** A connection leaves the hold state (or the call): its time on hold counts for the record. */
  #leaveHold(call: Call, connection: Connection | undefined, now: number): void {
    if (connection?.state === "hold") call.facts.holdMs += Math.max(0, now - connection.since);
  }

  /** What a new connection state tells the record: where the call rang first, a failure. */
  #noteState(facts: CallFacts, party: Party, state: ConnectionStateName): void {
    if (state === "alerting") {
      facts.alerted = true;
      facts.firstAlerted ??= party;
    } else if (state === "fail") {
      facts.failed = true;
    }
  }

  #finishedCall(call: Call, at: Date): FinishedCall {
    const smdr = call.smdr;
    const originator = call.originator === undefined ? undefined : this.#partyOfNumber(call.originator);
    return {
      callId: call.key,
      facts: call.facts,
      endedAt: at.getTime(),
      direction: smdr?.direction ?? "internal",
      smdrCallId: smdr ? smdrCallId(smdr.callStart, smdr.serial) : null,
      trunk: call.trunk ?? null,
      originator,
      callingOutside: call.callingOutside,
      calledOutside: call.calledOutside,
      ddi: call.ddi ?? null,
      accountCode: call.accountCode ?? null,
    };
  }

  /** A call that rings at or is answered by an extension has left the group queue it waited in. */
  #leaveQueue(call: Call): void {
    for (const [number, connection] of call.connections) {
      if (connection.state === "queued" && connection.party.kind === "group") call.connections.delete(number);
    }
  }

  #hasInternal(call: Call): boolean {
    for (const connection of call.connections.values()) if (isInternalParty(connection.party)) return true;
    return false;
  }

  #hasOutside(call: Call): boolean {
    for (const connection of call.connections.values()) if (isOutsideParty(connection.party)) return true;
    return false;
  }

  /** An internal party still on the call, talking first, then holding, then ringing or waiting. */
  #presentExtension(call: Call): string | undefined {
    for (const state of ["connected", "hold", "alerting", "queued", "initiated", "fail"] as const) {
      for (const connection of call.connections.values()) {
        if (connection.state === state && isInternalParty(connection.party)) return connection.party.number;
      }
    }
    return undefined;
  }

  /** The extension a record names for an action of `party`: itself when internal, else the call's. */
  #extensionOf(call: Call, party: Party): string | undefined {
    return isInternalParty(party) ? party.number : call.extension;
  }

  #party(field: PartyDeviceID | RedirectionDeviceID | undefined): Party | undefined {
    return partyOfField(field, this.#directory);
  }

  #partyOfNumber(number: string): Party {
    return { number, kind: this.#directory.kindOf(number) };
  }

  /** The call key (callID in hex) and party of a ConnectionID; undefined without a callID. */
  #ref(connection: ConnectionID): ConnectionRef | undefined {
    const callId = connection.callID;
    if (!callId || callId.length === 0) return undefined;
    const device = connectionDevice(connection);
    const key = callId.toHex();
    this.#touch(key);
    return {
      key,
      callId,
      party: device ? partyOfDevice(device, this.#directory) : undefined,
    };
  }

  #newCall(key: string, callId: Uint8Array, now: number): Call {
    const call: Call = {
      key,
      callId: callId.slice(),
      firstSeen: now,
      lastEventAt: now,
      connections: new Map(),
      answered: false,
      fromSnapshot: false,
      facts: newCallFacts(now),
    };
    this.#calls.set(key, call);
    this.#touch(key);
    return call;
  }

  /**
   * Whether this report repeats the event last applied to the call (the same event reported at another
   * monitored device; only the reporting device's own state differs). Assumes, as the PBX sends them, that
   * the reports of one event arrive before the next event of the same call.
   */
  #isDuplicate(call: Call, event: CstaEvent): boolean {
    const print = fingerprint(event);
    if (call.lastFingerprint === print) {
      this.counters.duplicates++;
      return true;
    }
    call.lastFingerprint = print;
    return false;
  }

  #view(call: Call): CallView {
    const smdr = call.smdr;
    return {
      callId: call.key,
      firstSeen: new Date(call.firstSeen).toISOString(),
      direction: smdr?.direction ?? "internal",
      smdrCallId: smdr ? smdrCallId(smdr.callStart, smdr.serial) : null,
      trunk: call.trunk ?? null,
      extension: call.extension ?? this.#presentExtension(call) ?? null,
      callerNumber:
        (smdr ? this.#smdr.callerNumber(call) : call.callingOutside?.number ?? call.calledOutside?.number) ??
          null,
      contactName: (smdr ? this.#smdr.contactName(call) : undefined) ?? null,
      ddi: call.ddi ?? null,
      accountCode: call.accountCode ?? null,
      answered: call.answered,
      connections: [...call.connections.values()].map((c) => ({
        device: c.party.number,
        kind: c.party.kind,
        state: c.state,
        since: new Date(c.since).toISOString(),
      })),
    };
  }
}

function storedCall(call: Call, smdr: TrunkIdentity): StoredTrunkCall {
  return {
    key: call.key,
    firstSeen: call.firstSeen,
    answered: call.answered,
    originator: call.originator,
    trunk: call.trunk,
    callingOutside: call.callingOutside,
    calledOutside: call.calledOutside,
    ddi: call.ddi,
    accountCode: call.accountCode,
    extension: call.extension,
    smdr: {
      direction: smdr.direction,
      callStart: smdr.callStart.getTime(),
      serial: smdr.serial,
      records: smdr.records,
    },
    connections: [...call.connections.values()],
    facts: call.facts,
  };
}

/** The outside party's latest number; its name stays while the number does and no new name is given. */
function mergeParty(known: Party | undefined, reported: Party): Party {
  if (!known || known.number !== reported.number) return reported;
  return reported.name !== undefined || known.name === undefined
    ? reported
    : { ...reported, name: known.name };
}

/** An event's content without the reporting device's own state, as a comparable string. */
function fingerprint(event: CstaEvent): string {
  return JSON.stringify(event, (key, value) => {
    if (key === "localConnectionInfo") return undefined;
    if (value instanceof Uint8Array) return value.toHex();
    return value;
  });
}

/** A LocalConnectionState as a state a connection can be in; undefined for `null` and unknown numbers. */
export function liveState(
  value: Named<LocalConnectionStateName> | undefined,
): ConnectionStateName | undefined {
  return typeof value === "string" && value !== "null" ? value : undefined;
}
