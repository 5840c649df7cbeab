// The simulated PBX's call model: calls, connections and their states, and the services that change them,
// reporting each change as the events a Panasonic PBX sends (§8.4). Pure: no I/O, time from a Clock.

import type { Clock, TimerHandle } from "../clock.ts";
import type { LocalConnectionStateName } from "../csta/connection_state.ts";
import type { EventCauseName } from "../csta/event_cause.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";
import {
  type CallRecord,
  type ConditionCode,
  type ConnectionChange,
  connKey,
  type ConnRef,
  type DeviceKey,
  devicePartyOf,
  type EngineFact,
  type ForwardingTypeName,
  type NetworkInfo,
  type Observer,
  type Party,
  type SimEvent,
} from "./call_facts.ts";
import {
  type CallerOrigin,
  DeviceFeatures,
  type ForwardingSetting,
  type ForwardTrigger,
} from "./device_features.ts";
import type { DevicePlan, PlanDevice } from "./device_plan.ts";

/** A service's outcome: its value, or the UniversalFailure the PBX answers with (§12). */
export type EngineResult<T> = { ok: true; value: T } | { ok: false; failure: UniversalFailure };

/** The state a connection can be in while it exists (`null` means it does not). §8.4 */
export type LiveState = Exclude<LocalConnectionStateName, "null">;

/** A connection as the engine holds it. */
interface Connection {
  readonly callId: number;
  readonly device: DeviceKey;
  state: LiveState;
  /** When the state last changed (oldest ringing call is picked up first). */
  since: number;
  /** Cause of the Delivered that made it ring, repeated in its Established. */
  deliveryCause?: EventCauseName;
  /** For a CO line connection: the party outside (CLI or the dialled number). */
  remote?: Party;
}

/** Where a call is being routed: whose connection waits, and how the call was redirected so far. */
interface PendingRoute {
  waiting: DeviceKey;
  lastRedirection?: Party;
  hops: number;
}

interface Call {
  readonly id: number;
  readonly connections: Map<DeviceKey, Connection>;
  direction: CallRecord["direction"];
  calling: Party;
  called: Party;
  lastRedirection?: Party;
  network: NetworkInfo;
  /** Digits dialled so far on a call started off-hook (DialDigits). */
  dialled: string;
  pending?: PendingRoute;
  /** Why the last routing attempt failed (CallBack, CampOn and IntrudeCall act on it). */
  failure?: { party: Party; device?: DeviceKey; cause: EventCauseName };
  /** A CallBack recall: ringing the requester, who then calls the target. */
  recall?: { requester: DeviceKey; target: DeviceKey };
  /** What the CDR reports: the call as it started. */
  readonly record: { calling: Party; called: Party; readonly startedAt: number };
  trunk?: DeviceKey;
  answeredAt?: number;
  condition?: ConditionCode;
}

/** A call as reported by {@link CallEngine.snapshot}. */
export interface CallSnapshot {
  callId: number;
  connections: { device: DeviceKey; state: LiveState }[];
}

/** A connection of one device, as {@link CallEngine.connectionsOf} lists it. */
export interface DeviceConnection extends ConnRef {
  state: LiveState;
}

/** Options of a {@link CallEngine}. */
export interface CallEngineOptions {
  plan: DevicePlan;
  clock: Clock;
  /** Ring time before forwardNoAns applies when the setting names none. Default 15 s. */
  noAnswerMs?: number;
  /** How long a CallBack recall rings the requester. Default 30 s. */
  callBackRecallMs?: number;
  /** Forwarding hops before a call rings where it is (loop guard). Default 4. */
  maxForwardHops?: number;
  /** Parties a conference may hold. Default 8 (assumption: Panasonic's limit varies by model). */
  maxConferenceParties?: number;
}

const DIALLED_DIGITS = /^[0-9*#]{1,32}$/;
const DTMF_DIGITS = /^[0-9*#A-Da-d]{1,32}$/;
/** Account codes are up to 10 digits on Panasonic PBXs (KX-TDA/NS manuals; the CSTA limit is unknown [?]). */
const ACCOUNT_CODE = /^[0-9]{1,10}$/;
/** A caller name: printable ASCII (privateName is an IA5String), at most 20 characters as a display shows. */
const CALLER_NAME = /^[\x20-\x7e]{1,20}$/;

const ok = <T>(value: T): EngineResult<T> => ({ ok: true, value });
const operationError = (
  value: Extract<UniversalFailure, { kind: "operation" }>["value"],
): EngineResult<never> => ({
  ok: false,
  failure: { kind: "operation", value },
});
const stateError = (
  value: Extract<UniversalFailure, { kind: "stateIncompatibility" }>["value"],
): EngineResult<never> => ({ ok: false, failure: { kind: "stateIncompatibility", value } });
const resourceError = (
  value: Extract<UniversalFailure, { kind: "systemResourceAvailability" }>["value"],
): EngineResult<never> => ({ ok: false, failure: { kind: "systemResourceAvailability", value } });

/** States in which a device is busy with a call of its own (it cannot answer, dial or retrieve). */
const ACTIVE_STATES: ReadonlySet<LiveState> = new Set(["initiated", "connected", "fail"]);

/**
 * Calls and connections of the simulated PBX. Services mirror the CSTA ones (§6, §7); physical and
 * network actions (off-hook, incoming trunk call, far end answering) drive the same model. Every change
 * goes to the subscribers as {@link EngineFact}s, synchronously and in order.
 */
export class CallEngine {
  readonly plan: DevicePlan;
  readonly features = new DeviceFeatures();
  readonly #clock: Clock;
  readonly #noAnswerMs: number;
  readonly #callBackRecallMs: number;
  readonly #maxForwardHops: number;
  readonly #maxConferenceParties: number;
  readonly #calls = new Map<number, Call>();
  /** Connections per device, by call. */
  readonly #byDevice = new Map<DeviceKey, Map<number, Connection>>();
  /** Calls waiting at each group, oldest first. */
  readonly #queues = new Map<DeviceKey, number[]>();
  /** Round-robin position of each group's hunting. */
  readonly #huntPosition = new Map<DeviceKey, number>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #callBacks: { requester: DeviceKey; target: DeviceKey }[] = [];
  readonly #listeners = new Set<(fact: EngineFact) => void>();
  #nextCallId = 1;
  #depth = 0;

  constructor(options: CallEngineOptions) {
    this.plan = options.plan;
    this.#clock = options.clock;
    this.#noAnswerMs = options.noAnswerMs ?? 15_000;
    this.#callBackRecallMs = options.callBackRecallMs ?? 30_000;
    this.#maxForwardHops = options.maxForwardHops ?? 4;
    this.#maxConferenceParties = options.maxConferenceParties ?? 8;
  }

  /** Receives every fact from now on; returns the unsubscribe function. */
  subscribe(listener: (fact: EngineFact) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- queries ----

  /** Every live call with its connections. */
  snapshot(): CallSnapshot[] {
    return [...this.#calls.values()].map((call) => ({
      callId: call.id,
      connections: [...call.connections.values()].map((c) => ({ device: c.device, state: c.state })),
    }));
  }

  /** The connections of a device, oldest call first. */
  connectionsOf(device: DeviceKey): DeviceConnection[] {
    const conns = this.#byDevice.get(device);
    if (!conns) return [];
    return [...conns.values()].map((c) => ({ callId: c.callId, device: c.device, state: c.state }));
  }

  /** The connections of a call, in the order the parties joined; empty when the call does not exist. */
  callConnections(callId: number): DeviceConnection[] {
    const call = this.#calls.get(callId);
    if (!call) return [];
    return [...call.connections.values()].map((c) => ({ callId, device: c.device, state: c.state }));
  }

  /** The state of a connection, or undefined when it does not exist. */
  stateOf(ref: ConnRef): LiveState | undefined {
    return this.#calls.get(ref.callId)?.connections.get(ref.device)?.state;
  }

  /** Whether a device has no connection at all. */
  isIdle(device: DeviceKey): boolean {
    return (this.#byDevice.get(device)?.size ?? 0) === 0;
  }

  /** Number of live calls. */
  get callCount(): number {
    return this.#calls.size;
  }

  /** Pending CallBack requests. */
  callBackRequests(): { requester: DeviceKey; target: DeviceKey }[] {
    return this.#callBacks.map((r) => ({ ...r }));
  }

  // ---- call control services (§6, §7) ----

  /** MakeCall (10): the calling extension goes off-hook and dials. Returns its new connection. */
  makeCall(calling: DeviceKey, digits: string): EngineResult<ConnRef> {
    return this.#op(() => {
      if (!this.plan.extension(calling)) return operationError("invalidCallingDeviceID");
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidCalledDeviceID");
      if (this.#hasActiveOrRinging(calling)) return stateError("invalidCallingDeviceState");
      const call = this.#newCall(
        this.#directionOf(digits),
        devicePartyOf(calling),
        this.#partyForDigits(digits),
      );
      const ref = this.#originate(call, calling, digits, "makeCall");
      return ok(ref);
    });
  }

  /** AnswerCall (2) at an alerting extension connection. */
  answerCall(ref: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn || conn.state !== "alerting" || !this.plan.extension(ref.device)) {
        return stateError("noCallToAnswer");
      }
      if (this.#hasActive(ref.device)) return stateError("connectedCallExists");
      const call = this.#calls.get(ref.callId)!;
      this.#answer(call, conn);
      // Super-Twin [?]: the call moves to whichever of the pair answered; the other stops ringing.
      const twin = this.plan.twinOf(ref.device) ?? this.plan.mainOf(ref.device);
      if (twin && call.connections.get(twin)?.state === "alerting") this.#release(call, twin, "callPickup");
      return ok(undefined);
    });
  }

  /** ClearConnection (5): one party leaves; a call left with one party is cleared. */
  clearConnection(ref: ConnRef, cause: EventCauseName = "normalClearing"): EngineResult<void> {
    return this.#op(() => {
      const call = this.#calls.get(ref.callId);
      if (!call) return operationError("invalidConnectionID");
      if (!call.connections.has(ref.device)) return stateError("noConnectionToClear");
      this.#release(call, ref.device, cause);
      return ok(undefined);
    });
  }

  /** ClearCall (4): every connection of the call is cleared at once. */
  clearCall(ref: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const call = this.#calls.get(ref.callId);
      if (!call || !call.connections.has(ref.device)) return stateError("noCallToClear");
      const devices = [...call.connections.keys()];
      const cleared = devices.map((device) => this.#removeConn(call, device));
      this.#emit(
        { type: "callCleared", clearedCall: call.id, cause: "normalClearing" },
        call,
        devices,
        cleared,
      );
      this.#endCall(call);
      return ok(undefined);
    });
  }

  /** HoldCall (9). */
  holdCall(ref: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(ref.device)) return stateError("noActiveCall");
      this.#hold(this.#calls.get(ref.callId)!, conn, "normal");
      return ok(undefined);
    });
  }

  /** RetrieveCall (14). */
  retrieveCall(ref: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "hold") return stateError("noHeldCall");
      if (this.#hasActive(ref.device)) return stateError("connectedCallExists");
      this.#retrieve(this.#calls.get(ref.callId)!, conn, "normal");
      return ok(undefined);
    });
  }

  /** ConsultationCall (7): holds the existing call and calls `digits`. Returns the new connection. */
  consultationCall(existing: ConnRef, digits: string): EngineResult<ConnRef> {
    return this.#op(() => {
      const conn = this.#conn(existing);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(existing.device)) {
        return stateError("noActiveCall");
      }
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidCalledDeviceID");
      this.#hold(this.#calls.get(existing.callId)!, conn, "consultation");
      const device = existing.device;
      const call = this.#newCall(
        this.#directionOf(digits),
        devicePartyOf(device),
        this.#partyForDigits(digits),
      );
      return ok(this.#originate(call, device, digits, "consultation"));
    });
  }

  /** AlternateCall (1): the active call goes on hold and the held one comes back. */
  alternateCall(held: ConnRef, active: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const pair = this.#heldAndActive(held, active);
      if (!pair.ok) return pair;
      const [heldConn, activeConn] = pair.value;
      this.#hold(this.#calls.get(active.callId)!, activeConn, "alternate");
      this.#retrieve(this.#calls.get(held.callId)!, heldConn, "alternate");
      return ok(undefined);
    });
  }

  /** ReconnectCall (13): clears the active call and retrieves the held one. */
  reconnectCall(active: ConnRef, held: ConnRef): EngineResult<void> {
    return this.#op(() => {
      // A consultation that failed or is still being dialled may be abandoned too.
      const pair = this.#heldAndActive(held, active, ["connected", "fail", "initiated"]);
      if (!pair.ok) return pair;
      const [heldConn] = pair.value;
      this.#release(this.#calls.get(active.callId)!, active.device, "normalClearing");
      this.#retrieve(this.#calls.get(held.callId)!, heldConn, "normal");
      return ok(undefined);
    });
  }

  /** TransferCall (16): joins the held and the active call's other parties and drops the transferring device. */
  transferCall(held: ConnRef, active: ConnRef): EngineResult<ConnRef> {
    return this.#op(() => {
      const pair = this.#heldAndActive(held, active);
      if (!pair.ok) return pair;
      const primary = this.#calls.get(held.callId)!;
      const secondary = this.#calls.get(active.callId)!;
      const device = held.device;
      const moving = [...secondary.connections.keys()].filter((d) => d !== device);
      if (moving.length === 0) return stateError("noActiveCall");
      if (moving.some((d) => primary.connections.has(d))) {
        return operationError("requestIncompatibleWithObject");
      }
      const observers = [...primary.connections.keys(), ...secondary.connections.keys()];
      const cleared = [this.#removeConn(primary, device), this.#removeConn(secondary, device)];
      const staying = [...primary.connections.keys()];
      const changes: ConnectionChange[] = staying.map((d) => this.#unchanged(primary, d));
      for (const d of moving) {
        const change = this.#moveConn(secondary, primary, d);
        cleared.push(change.oldConnection!);
        changes.push(change);
      }
      const transferredTo = this.#subjectOf(primary, moving[0]);
      primary.calling = this.#subjectOf(primary, staying[0] ?? moving[0]);
      primary.called = transferredTo;
      primary.lastRedirection = devicePartyOf(device);
      primary.condition = "callTransfer";
      primary.answeredAt ??= secondary.answeredAt;
      primary.trunk ??= secondary.trunk;
      if (secondary.pending) primary.pending = { ...secondary.pending, waiting: staying[0] ?? moving[0] };
      this.#emit(
        {
          type: "transferred",
          primaryOldCall: cleared[0],
          secondaryOldCall: cleared[1],
          transferringDevice: devicePartyOf(device),
          transferredToDevice: transferredTo,
          transferredConnections: changes,
          cause: "transfer",
        },
        primary,
        observers,
        cleared,
      );
      this.#forgetCall(secondary);
      this.#afterPartyLeft(primary, "normalClearing");
      return ok({ callId: primary.id, device: moving[0] });
    });
  }

  /** ConferenceCall (6): the active call's parties join the held call, which the device retrieves. */
  conferenceCall(held: ConnRef, active: ConnRef): EngineResult<ConnRef> {
    return this.#op(() => {
      const pair = this.#heldAndActive(held, active);
      if (!pair.ok) return pair;
      const primary = this.#calls.get(held.callId)!;
      const secondary = this.#calls.get(active.callId)!;
      const device = held.device;
      const moving = [...secondary.connections.keys()].filter((d) => d !== device);
      if (moving.length === 0) return stateError("noActiveCall");
      if (moving.some((d) => primary.connections.has(d))) {
        return operationError("requestIncompatibleWithObject");
      }
      if (primary.connections.size + moving.length > this.#maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const observers = [...primary.connections.keys(), ...secondary.connections.keys()];
      const cleared = [this.#removeConn(secondary, device)];
      const heldConn = primary.connections.get(device)!;
      this.#setState(heldConn, "connected");
      const changes: ConnectionChange[] = [...primary.connections.keys()].map((d) =>
        this.#unchanged(primary, d)
      );
      for (const d of moving) {
        const change = this.#moveConn(secondary, primary, d);
        cleared.push(change.oldConnection!);
        changes.push(change);
      }
      primary.answeredAt ??= secondary.answeredAt;
      primary.trunk ??= secondary.trunk;
      this.#emit(
        {
          type: "conferenced",
          primaryOldCall: { callId: primary.id, device },
          secondaryOldCall: cleared[0],
          conferencingDevice: devicePartyOf(device),
          addedParty: this.#subjectOf(primary, moving[0]),
          conferenceConnections: changes,
          cause: "conference",
        },
        primary,
        observers,
        cleared,
      );
      this.#forgetCall(secondary);
      return ok({ callId: primary.id, device });
    });
  }

  /** SingleStepTransferCall (50): the device leaves and its call is offered to `digits`. */
  singleStepTransfer(ref: ConnRef, digits: string): EngineResult<ConnRef> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(ref.device)) return stateError("noActiveCall");
      const call = this.#calls.get(ref.callId)!;
      if (!this.#isRoutable(digits) || call.connections.has(digits)) {
        return operationError("invalidDestination");
      }
      const others = [...call.connections.keys()].filter((d) => d !== ref.device);
      // Only a party that is talking can be handed on; a call still ringing elsewhere is deflected instead.
      const waiting = others.find((d) => call.connections.get(d)!.state === "connected");
      if (waiting === undefined) return stateError("noActiveCall");
      const observers = [...call.connections.keys()];
      const cleared = [this.#removeConn(call, ref.device)];
      const transferredTo = this.#partyForDigits(digits);
      call.calling = this.#subjectOf(call, waiting);
      call.called = transferredTo;
      call.lastRedirection = devicePartyOf(ref.device);
      call.condition = "callTransfer";
      this.#emit(
        {
          type: "transferred",
          primaryOldCall: cleared[0],
          transferringDevice: devicePartyOf(ref.device),
          transferredToDevice: transferredTo,
          transferredConnections: others.map((d) => this.#unchanged(call, d)),
          cause: "singleStepTransfer",
        },
        call,
        observers,
        cleared,
      );
      this.#route(call, digits, {
        waiting,
        cause: "singleStepTransfer",
        lastRedirection: devicePartyOf(ref.device),
        hops: 0,
      });
      const target = this.plan.dial(digits);
      const targetDevice = target.kind === "device" ? target.device.number : undefined;
      const landed = targetDevice && call.connections.has(targetDevice) ? targetDevice : waiting;
      return ok({ callId: call.id, device: landed });
    });
  }

  /** SingleStepConferenceCall (20): an idle extension joins the call at once. */
  singleStepConference(
    ref: ConnRef,
    deviceToJoin: DeviceKey,
    participation: "active" | "silent" = "active",
  ): EngineResult<ConnRef> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected") return stateError("noActiveCall");
      if (!this.plan.extension(deviceToJoin)) return operationError("invalidDestination");
      if (!this.isIdle(deviceToJoin)) return stateError("invalidDestinationDeviceState");
      const call = this.#calls.get(ref.callId)!;
      if (call.connections.size + 1 > this.#maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const changes = [...call.connections.keys()].map((d) => this.#unchanged(call, d));
      this.#addConn(call, deviceToJoin, "connected");
      const joined: ConnRef = { callId: call.id, device: deviceToJoin };
      changes.push({ newConnection: joined, endpoint: devicePartyOf(deviceToJoin) });
      this.#emit(
        {
          type: "conferenced",
          primaryOldCall: { callId: call.id, device: ref.device },
          conferencingDevice: devicePartyOf(ref.device),
          addedParty: devicePartyOf(deviceToJoin),
          conferenceConnections: changes,
          cause: participation === "silent" ? "silentParticipation" : "singleStepConference",
        },
        call,
        call.connections.keys(),
        [],
      );
      return ok(joined);
    });
  }

  /** DeflectCall (218): a ringing call is sent on to `digits`. */
  deflectCall(ref: ConnRef, digits: string): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      const call = this.#calls.get(ref.callId)!;
      // A call-back recall has nobody waiting on it, so there is nothing to deflect.
      if (conn.state !== "alerting" || !this.plan.extension(ref.device) || call.connections.size < 2) {
        return stateError("invalidConnectionState");
      }
      if (!this.#isRoutable(digits) || call.connections.has(digits)) {
        return operationError("invalidDestination");
      }
      this.#divertRinging(call, ref.device, digits, "redirected", 0);
      return ok(undefined);
    });
  }

  /** GroupPickupCall (221): `picker` takes the oldest call ringing in its pickup group. */
  groupPickup(picker: DeviceKey): EngineResult<ConnRef> {
    return this.#op(() => {
      if (!this.plan.extension(picker)) return operationError("invalidDeviceID");
      if (this.#hasActiveOrRinging(picker)) return stateError("invalidDeviceState");
      const ringing = this.plan.pickupPartners(picker)
        .flatMap((e) => [...(this.#byDevice.get(e.number)?.values() ?? [])])
        .filter((c) => {
          const call = this.#calls.get(c.callId)!;
          return c.state === "alerting" && !call.recall && !call.connections.has(picker);
        })
        .sort((a, b) => a.since - b.since)[0];
      if (!ringing) return stateError("noCallToAnswer");
      return ok(this.#pickup(this.#calls.get(ringing.callId)!, ringing.device, picker));
    });
  }

  /** DirectedPickupCall (220): `picker` takes the call ringing at `ref`. */
  directedPickup(ref: ConnRef, picker: DeviceKey): EngineResult<ConnRef> {
    return this.#op(() => {
      if (!this.plan.extension(picker)) return operationError("invalidDeviceID");
      const conn = this.#conn(ref);
      if (!conn || conn.state !== "alerting" || !this.plan.extension(ref.device) || ref.device === picker) {
        return stateError("noCallToAnswer");
      }
      const call = this.#calls.get(ref.callId)!;
      if (this.#hasActiveOrRinging(picker) || call.connections.has(picker) || call.recall) {
        return stateError("invalidDeviceState");
      }
      return ok(this.#pickup(call, ref.device, picker));
    });
  }

  /** GenerateDigits (232): DTMF on a connected call. */
  generateDigits(ref: ConnRef, digits: string): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected") return stateError("invalidConnectionState");
      if (!DTMF_DIGITS.test(digits)) return operationError("invalidParameterValue");
      const call = this.#calls.get(ref.callId)!;
      this.#emit({ type: "digitsGenerated", connection: ref, digits }, call, call.connections.keys(), []);
      return ok(undefined);
    });
  }

  /**
   * A user keys an account code during a call (Panasonic's account code entry): every party on the call
   * is told by a CallInformation event carrying the code as accountInfo. §8.3 [C-std]; that a Panasonic
   * PBX reports account code entry this way is not documented [?].
   */
  enterAccountCode(ref: ConnRef, code: string): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (!this.plan.extension(ref.device)) return operationError("invalidDeviceID");
      if (conn.state !== "connected") return stateError("invalidConnectionState");
      if (!ACCOUNT_CODE.test(code)) return operationError("invalidParameterValue");
      const call = this.#calls.get(ref.callId)!;
      this.#emit(
        { type: "callInformation", connection: ref, device: devicePartyOf(ref.device), accountCode: code },
        call,
        call.connections.keys(),
        [],
      );
      return ok(undefined);
    });
  }

  /**
   * The PBX learns the caller's name during a call (a CLIP name arriving late, a name from its own
   * directory) and reports it at `ref` by a CallInformation event whose callingDevice carries the name as
   * privateName. §8.3 [C-std]; when a Panasonic PBX sends this is not documented [?].
   */
  updateCallerName(ref: ConnRef, name: string): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (!CALLER_NAME.test(name)) return operationError("invalidParameterValue");
      const call = this.#calls.get(ref.callId)!;
      // A name needs a number to go with: a withheld or unknown caller cannot be named.
      if (call.calling.kind !== "external" && call.calling.kind !== "device") {
        return operationError("invalidCallingDeviceID");
      }
      this.#emit(
        {
          type: "callInformation",
          connection: ref,
          device: devicePartyOf(ref.device),
          callingDevice: call.calling,
          callingName: name,
        },
        call,
        call.connections.keys(),
        [],
      );
      return ok(undefined);
    });
  }

  /** DialDigits (219): digits dialled on an off-hook (initiated) connection; routes once they form a number. */
  dialDigits(ref: ConnRef, digits: string): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "initiated") return stateError("invalidConnectionState");
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidParameterValue");
      const call = this.#calls.get(ref.callId)!;
      call.dialled += digits;
      if (this.plan.dial(call.dialled).kind === "incomplete") return ok(undefined);
      call.direction = this.#directionOf(call.dialled);
      call.called = this.#partyForDigits(call.dialled);
      call.record.called = call.called;
      this.#setState(conn, "connected");
      this.#emit(
        {
          type: "originated",
          originatedConnection: ref,
          callingDevice: call.calling,
          calledDevice: call.called,
          cause: "newCall",
        },
        call,
        [ref.device],
        [],
      );
      this.#route(call, call.dialled, { waiting: ref.device, cause: "newCall", hops: 0 });
      return ok(undefined);
    });
  }

  /** CallBack (215) on a call that failed busy: the attempt ends, and the PBX rings back when the target is free. */
  callBack(ref: ConnRef): EngineResult<DeviceKey> {
    return this.#op(() => {
      const target = this.#busyTarget(ref);
      if (!target.ok) return target;
      const index = this.#callBacks.findIndex((r) => r.requester === ref.device);
      if (index >= 0) this.#callBacks.splice(index, 1);
      this.#callBacks.push({ requester: ref.device, target: target.value });
      this.#release(this.#calls.get(ref.callId)!, ref.device, "callBack");
      return ok(target.value);
    });
  }

  /** CampOnCall (217) on a call that failed busy: it rings (call waiting) at the busy extension. */
  campOn(ref: ConnRef): EngineResult<void> {
    return this.#op(() => {
      const target = this.#busyTarget(ref);
      if (!target.ok) return target;
      const call = this.#calls.get(ref.callId)!;
      call.failure = undefined;
      this.#alert(call, target.value, { waiting: ref.device, cause: "campOn", hops: 0 });
      return ok(undefined);
    });
  }

  /** IntrudeCall (222) on a call that failed busy: the caller joins the busy extension's active call. */
  intrudeCall(ref: ConnRef): EngineResult<ConnRef> {
    return this.#op(() => {
      const target = this.#busyTarget(ref);
      if (!target.ok) return target;
      const active = [...(this.#byDevice.get(target.value)?.values() ?? [])].find((c) =>
        c.state === "connected"
      );
      if (!active) return stateError("invalidCalledDeviceState");
      const joined = this.#calls.get(active.callId)!;
      if (joined.connections.has(ref.device)) return stateError("invalidCalledDeviceState");
      if (joined.connections.size + 1 > this.#maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const failed = this.#calls.get(ref.callId)!;
      const changes = [...joined.connections.keys()].map((d) => this.#unchanged(joined, d));
      const change = this.#moveConn(failed, joined, ref.device);
      this.#setState(joined.connections.get(ref.device)!, "connected");
      changes.push(change);
      const observers = [...joined.connections.keys()];
      this.#emit(
        {
          type: "conferenced",
          primaryOldCall: { callId: joined.id, device: target.value },
          secondaryOldCall: change.oldConnection,
          conferencingDevice: devicePartyOf(ref.device),
          addedParty: devicePartyOf(ref.device),
          conferenceConnections: changes,
          cause: "intrude",
        },
        joined,
        observers,
        [change.oldConnection!],
      );
      // The failed call may still hold others (a camp-on ringing, a joined party): they settle as usual.
      if (failed.connections.size === 0) this.#forgetCall(failed);
      else this.#afterPartyLeft(failed, "normalClearing");
      return ok(change.newConnection);
    });
  }

  /** SetForwarding (317). */
  setForwarding(
    device: DeviceKey,
    type: ForwardingTypeName,
    activate: boolean,
    destination?: string,
    ringDurationMs?: number,
  ): EngineResult<void> {
    return this.#op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      if (activate && (!destination || !this.#isRoutable(destination) || destination === device)) {
        return operationError("invalidForwardingDestination");
      }
      const setting: ForwardingSetting = { type, destination: destination ?? "", ringDurationMs };
      this.features.setForwarding(device, setting, activate);
      this.#emit(
        {
          type: "forwarding",
          device: devicePartyOf(device),
          forwardingType: type,
          forwardStatus: activate,
          ...(activate && destination ? { forwardTo: this.#partyForDigits(destination) } : {}),
        },
        undefined,
        [device],
        [],
      );
      return ok(undefined);
    });
  }

  /** GetForwarding (309). */
  getForwarding(device: DeviceKey): EngineResult<ForwardingSetting[]> {
    if (!this.plan.extension(device)) return operationError("invalidDeviceID");
    return ok(this.features.forwardingOf(device));
  }

  /** SetDoNotDisturb (316). */
  setDoNotDisturb(device: DeviceKey, on: boolean): EngineResult<void> {
    return this.#op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      this.features.setDoNotDisturb(device, on);
      this.#emit({ type: "doNotDisturb", device: devicePartyOf(device), doNotDisturbOn: on }, undefined, [
        device,
      ], []);
      return ok(undefined);
    });
  }

  /** GetDoNotDisturb (308). */
  getDoNotDisturb(device: DeviceKey): EngineResult<boolean> {
    if (!this.plan.extension(device)) return operationError("invalidDeviceID");
    return ok(this.features.doNotDisturb(device));
  }

  // ---- physical and network actions (scenarios, traffic, demo) ----

  /** The user lifts the handset: ServiceInitiated, then digits come with {@link dialDigits}. */
  offHook(device: DeviceKey): EngineResult<ConnRef> {
    return this.#op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      if (this.#hasActiveOrRinging(device)) return stateError("invalidDeviceState");
      const call = this.#newCall("internal", devicePartyOf(device), { kind: "notKnown" });
      this.#addConn(call, device, "initiated");
      const ref = { callId: call.id, device };
      this.#emit(
        {
          type: "serviceInitiated",
          initiatedConnection: ref,
          initiatingDevice: devicePartyOf(device),
          cause: "newCall",
        },
        call,
        [device],
        [],
      );
      return ok(ref);
    });
  }

  /**
   * A call arrives on a CO line from `cli` (undefined: not sent; "restricted": withheld) for `ddi`.
   * Uses `trunk` or the first free line; returns the line's connection.
   */
  incomingCall(
    options: { cli?: string | "restricted"; ddi: string; trunk?: DeviceKey },
  ): EngineResult<ConnRef> {
    return this.#op(() => {
      const destination = this.plan.ddiDestination(options.ddi);
      if (!destination) return operationError("invalidDestination");
      const trunk = options.trunk ?? this.#freeTrunk();
      if (!trunk) return resourceError("resourceBusy");
      if (this.plan.device(trunk)?.kind !== "trunk") return operationError("invalidDeviceID");
      if (!this.isIdle(trunk)) return resourceError("resourceBusy");
      const cli: Party = options.cli === undefined
        ? { kind: "notKnown" }
        : options.cli === "restricted"
        ? { kind: "restricted" }
        : { kind: "external", number: options.cli };
      const call = this.#newCall("incoming", cli, devicePartyOf(destination));
      call.trunk = trunk;
      call.network = {
        associatedCallingDevice: devicePartyOf(trunk),
        networkCallingDevice: cli,
        networkCalledDevice: { kind: "external", number: options.ddi },
      };
      const conn = this.#addConn(call, trunk, "connected");
      conn.remote = cli;
      this.#route(call, destination, { waiting: trunk, cause: "newCall", hops: 0 });
      return ok({ callId: call.id, device: trunk });
    });
  }

  /** The far end of an outgoing call rings (ISDN alerting). */
  networkAlert(trunk: DeviceKey): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#trunkConn(trunk);
      if (!conn || conn.state !== "initiated") return stateError("invalidConnectionState");
      const call = this.#calls.get(conn.callId)!;
      this.#setState(conn, "alerting");
      this.#emit(
        {
          type: "delivered",
          connection: { callId: call.id, device: trunk },
          alertingDevice: conn.remote!,
          callingDevice: call.calling,
          calledDevice: call.called,
          lastRedirectionDevice: call.lastRedirection,
          cause: "newCall",
          network: call.network,
        },
        call,
        call.connections.keys(),
        [],
      );
      return ok(undefined);
    });
  }

  /** The far end of an outgoing call answers. */
  networkAnswer(trunk: DeviceKey): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#trunkConn(trunk);
      if (!conn || (conn.state !== "initiated" && conn.state !== "alerting")) {
        return stateError("noCallToAnswer");
      }
      this.#answer(this.#calls.get(conn.callId)!, conn);
      return ok(undefined);
    });
  }

  /** The far end of an outgoing call is busy: the call fails. */
  networkBusy(trunk: DeviceKey): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#trunkConn(trunk);
      if (!conn || (conn.state !== "initiated" && conn.state !== "alerting")) {
        return stateError("invalidConnectionState");
      }
      const call = this.#calls.get(conn.callId)!;
      const remote = conn.remote!;
      const cleared = this.#removeConn(call, trunk);
      const waiting = this.#waitingParty(call);
      this.#fail(call, waiting, remote, "busy", [trunk], [cleared]);
      return ok(undefined);
    });
  }

  /** The far end hangs up (or the caller of an incoming call gives up). */
  networkRelease(trunk: DeviceKey): EngineResult<void> {
    return this.#op(() => {
      const conn = this.#trunkConn(trunk);
      if (!conn) return stateError("noConnectionToClear");
      this.#release(this.#calls.get(conn.callId)!, trunk, "normalClearing");
      return ok(undefined);
    });
  }

  /** Removes a device from the plan (SwitchingFunctionDevicesChanged follows); refused while it has calls. */
  removeDevice(number: DeviceKey): EngineResult<PlanDevice> {
    const device = this.plan.device(number);
    if (!device) return operationError("invalidDeviceID");
    if (!this.isIdle(number) || (this.#queues.get(number)?.length ?? 0) > 0) {
      return stateError("invalidDeviceState");
    }
    this.features.forget(number);
    for (let i = this.#callBacks.length - 1; i >= 0; i--) {
      const r = this.#callBacks[i];
      if (r.requester === number || r.target === number) this.#callBacks.splice(i, 1);
    }
    return ok(this.plan.remove(number));
  }

  // ---- internals: operations and settling ----

  /** Runs a public operation, then lets queues and call-backs move (only at the outermost level). */
  #op<T>(body: () => EngineResult<T>): EngineResult<T> {
    this.#depth++;
    try {
      return body();
    } finally {
      this.#depth--;
      if (this.#depth === 0) this.#settle();
    }
  }

  #settle(): void {
    // Bounded: each round either delivers a queued call or starts a recall, both finite.
    for (let round = 0; round < 10_000; round++) {
      if (!this.#distributeOneQueuedCall() && !this.#startOneCallBack()) return;
    }
  }

  #distributeOneQueuedCall(): boolean {
    for (const [group, queue] of this.#queues) {
      if (queue.length === 0) continue;
      const member = this.#huntMember(group);
      if (!member) continue;
      const call = this.#calls.get(queue[0])!;
      const cleared = this.#removeConn(call, group);
      this.#alert(
        call,
        member,
        {
          waiting: this.#waitingParty(call, group),
          cause: "distributed",
          lastRedirection: call.pending?.lastRedirection,
          hops: call.pending?.hops ?? 0,
        },
        [group],
        [cleared],
      );
      return true;
    }
    return false;
  }

  #startOneCallBack(): boolean {
    const index = this.#callBacks.findIndex((r) =>
      this.isIdle(r.target) && this.isIdle(r.requester) && !this.features.doNotDisturb(r.target)
    );
    if (index < 0) return false;
    const [request] = this.#callBacks.splice(index, 1);
    const call = this.#newCall("internal", devicePartyOf(request.target), devicePartyOf(request.requester));
    call.recall = { ...request };
    const conn = this.#addConn(call, request.requester, "alerting");
    conn.deliveryCause = "callBack";
    const ref = { callId: call.id, device: request.requester };
    this.#emit(
      {
        type: "delivered",
        connection: ref,
        alertingDevice: devicePartyOf(request.requester),
        callingDevice: call.calling,
        calledDevice: call.called,
        cause: "callBack",
        network: {},
      },
      call,
      [request.requester],
      [],
    );
    this.#setConnTimer(ref, this.#callBackRecallMs, () => this.#endUnansweredRecall(ref));
    return true;
  }

  #endUnansweredRecall(ref: ConnRef): void {
    this.#op(() => {
      const call = this.#calls.get(ref.callId);
      if (!call || call.connections.get(ref.device)?.state !== "alerting") return ok(undefined);
      const devices = [...call.connections.keys()];
      const cleared = devices.map((d) => this.#removeConn(call, d));
      this.#emit(
        { type: "callCleared", clearedCall: call.id, cause: "callNotAnswered" },
        call,
        devices,
        cleared,
      );
      this.#endCall(call);
      return ok(undefined);
    });
  }

  // ---- internals: building blocks of the services ----

  #originate(call: Call, device: DeviceKey, digits: string, cause: EventCauseName): ConnRef {
    const conn = this.#addConn(call, device, "initiated");
    const ref = { callId: call.id, device };
    this.#emit(
      { type: "serviceInitiated", initiatedConnection: ref, initiatingDevice: devicePartyOf(device), cause },
      call,
      [device],
      [],
    );
    this.#setState(conn, "connected");
    this.#emit(
      {
        type: "originated",
        originatedConnection: ref,
        callingDevice: call.calling,
        calledDevice: call.called,
        cause,
      },
      call,
      [device],
      [],
    );
    call.dialled = digits;
    this.#route(call, digits, { waiting: device, cause: "newCall", hops: 0 });
    return ref;
  }

  /** Offers a call to dialled digits: a device of the plan, a CO line, or nowhere. */
  #route(
    call: Call,
    digits: string,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[] = [],
  ): void {
    call.pending = { waiting: route.waiting, lastRedirection: route.lastRedirection, hops: route.hops };
    const target = this.plan.dial(digits);
    switch (target.kind) {
      case "device":
        if (target.device.kind === "group") {
          return this.#offerToGroup(call, target.device.number, route, extra);
        }
        return this.#offerToExtension(call, target.device.number, route, extra);
      case "external":
        return this.#offerToNetwork(call, target.number, route, extra);
      default:
        return this.#fail(
          call,
          route.waiting,
          { kind: "external", number: digits },
          "destNotObtainable",
          extra,
        );
    }
  }

  #offerToExtension(
    call: Call,
    device: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const origin = this.#originOf(call);
    const canForward = route.hops < this.#maxForwardHops;
    const forwardFor = (trigger: ForwardTrigger) =>
      canForward ? this.features.forwardingFor(device, trigger, origin) : undefined;
    if (call.connections.has(device)) {
      return this.#fail(call, route.waiting, devicePartyOf(device), "busy", extra);
    }
    const immediate = forwardFor("immediate");
    if (immediate) {
      return this.#divertUnanswered(
        call,
        device,
        immediate.destination,
        "callForwardImmediate",
        route,
        extra,
      );
    }
    if (this.features.doNotDisturb(device)) {
      const dnd = forwardFor("dnd");
      if (dnd) return this.#divertUnanswered(call, device, dnd.destination, "callForward", route, extra);
      return this.#fail(call, route.waiting, devicePartyOf(device), "doNotDisturb", extra);
    }
    if (!this.isIdle(device)) {
      const busy = forwardFor("busy");
      if (busy) {
        return this.#divertUnanswered(call, device, busy.destination, "callForwardBusy", route, extra);
      }
      return this.#fail(call, route.waiting, devicePartyOf(device), "busy", extra);
    }
    this.#alert(call, device, route, extra);
    // Super-Twin [?]: the paired portable rings with the main extension when it is free.
    const partner = this.plan.twinOf(device);
    if (
      partner && this.isIdle(partner) && !call.connections.has(partner) &&
      !this.features.doNotDisturb(partner)
    ) {
      this.#alert(call, partner, route);
    }
    const noAnswer = forwardFor("noAnswer");
    if (noAnswer) {
      const ref = { callId: call.id, device };
      this.#setConnTimer(ref, noAnswer.ringDurationMs ?? this.#noAnswerMs, () =>
        this.#op(() => {
          if (this.stateOf(ref) === "alerting") {
            this.#divertRinging(
              this.#calls.get(ref.callId)!,
              device,
              noAnswer.destination,
              "callForwardNoAnswer",
              route.hops + 1,
            );
          }
          return ok(undefined);
        }));
    }
  }

  #offerToGroup(
    call: Call,
    group: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const member = this.#huntMember(group);
    if (member) return this.#alert(call, member, route, [...extra, group]);
    const queue = this.#queues.get(group) ?? [];
    const limit = (this.plan.device(group) as { queueLimit: number }).queueLimit;
    if (queue.length >= limit) return this.#fail(call, route.waiting, devicePartyOf(group), "busy", extra);
    this.#queues.set(group, queue);
    this.#ensureConnected(call, route.waiting);
    this.#addConn(call, group, "queued");
    queue.push(call.id);
    this.#emit(
      {
        type: "queued",
        queuedConnection: { callId: call.id, device: group },
        queue: devicePartyOf(group),
        callingDevice: call.calling,
        calledDevice: call.called,
        lastRedirectionDevice: route.lastRedirection,
        numberQueued: queue.length,
        cause: "noAvailableAgents",
      },
      call,
      [...call.connections.keys(), ...extra],
      [],
    );
  }

  #offerToNetwork(
    call: Call,
    number: string,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const remote: Party = { kind: "external", number };
    const trunk = this.#freeTrunk();
    if (!trunk) return this.#fail(call, route.waiting, remote, "trunksBusy", extra);
    this.#ensureConnected(call, route.waiting);
    if (route.lastRedirection) call.lastRedirection = route.lastRedirection;
    call.trunk ??= trunk;
    call.network = { ...call.network, associatedCalledDevice: devicePartyOf(trunk) };
    const conn = this.#addConn(call, trunk, "initiated");
    conn.remote = remote;
    this.#emit(
      {
        type: "networkReached",
        outboundConnection: { callId: call.id, device: trunk },
        networkInterfaceUsed: devicePartyOf(trunk),
        callingDevice: call.calling,
        calledDevice: remote,
        lastRedirectionDevice: route.lastRedirection,
        cause: route.cause,
        network: call.network,
      },
      call,
      [...call.connections.keys(), ...extra],
      [],
    );
  }

  /** Rings an extension (Delivered, §14.6). */
  #alert(
    call: Call,
    device: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[] = [],
    cleared: ConnRef[] = [],
  ): void {
    this.#ensureConnected(call, route.waiting);
    const conn = this.#addConn(call, device, "alerting");
    conn.deliveryCause = route.cause;
    if (route.lastRedirection) call.lastRedirection = route.lastRedirection;
    this.#emit(
      {
        type: "delivered",
        connection: { callId: call.id, device },
        alertingDevice: devicePartyOf(device),
        callingDevice: call.calling,
        calledDevice: call.called,
        lastRedirectionDevice: route.lastRedirection,
        cause: route.cause,
        network: call.network,
      },
      call,
      [...call.connections.keys(), ...extra],
      cleared,
    );
  }

  #answer(call: Call, conn: Connection): void {
    this.#clearConnTimer(conn);
    this.#setState(conn, "connected");
    if (call.pending) this.#ensureConnected(call, this.#waitingParty(call, conn.device));
    call.answeredAt ??= this.#clock.now();
    const ref = { callId: call.id, device: conn.device };
    this.#emit(
      {
        type: "established",
        establishedConnection: ref,
        answeringDevice: this.#subjectOf(call, conn.device),
        callingDevice: call.calling,
        calledDevice: call.called,
        lastRedirectionDevice: call.lastRedirection,
        cause: conn.deliveryCause ?? "newCall",
        network: call.network,
      },
      call,
      call.connections.keys(),
      [],
    );
    call.pending = undefined;
    const recall = call.recall;
    if (recall && conn.device === recall.requester) {
      // The requester took the call-back ring: now the PBX calls the target for it.
      call.recall = undefined;
      call.calling = devicePartyOf(recall.requester);
      call.called = devicePartyOf(recall.target);
      this.#route(call, recall.target, { waiting: recall.requester, cause: "callBack", hops: 0 });
    }
  }

  #hold(call: Call, conn: Connection, cause: EventCauseName): void {
    this.#setState(conn, "hold");
    const ref = { callId: call.id, device: conn.device };
    this.#emit(
      { type: "held", heldConnection: ref, holdingDevice: devicePartyOf(conn.device), cause },
      call,
      call.connections.keys(),
      [],
    );
  }

  #retrieve(call: Call, conn: Connection, cause: EventCauseName): void {
    this.#setState(conn, "connected");
    const ref = { callId: call.id, device: conn.device };
    this.#emit(
      { type: "retrieved", retrievedConnection: ref, retrievingDevice: devicePartyOf(conn.device), cause },
      call,
      call.connections.keys(),
      [],
    );
  }

  /** A party leaves (ConnectionCleared); the rest of the call settles. */
  #release(call: Call, device: DeviceKey, cause: EventCauseName): void {
    const observers = [...call.connections.keys()];
    const releasing = this.#subjectOf(call, device);
    const ref = this.#removeConn(call, device);
    this.#emit(
      { type: "connectionCleared", droppedConnection: ref, releasingDevice: releasing, cause },
      call,
      observers,
      [ref],
    );
    if (call.pending?.waiting === device) call.pending = undefined;
    this.#afterPartyLeft(call, "normalClearing");
  }

  /** A call left with one party clears it (CallCleared to that party); one left with none ends. */
  #afterPartyLeft(call: Call, cause: EventCauseName): void {
    if (!this.#calls.has(call.id)) return;
    if (call.connections.size === 1) {
      const [last] = call.connections.keys();
      const ref = this.#removeConn(call, last);
      this.#emit({ type: "callCleared", clearedCall: call.id, cause }, call, [last], [ref]);
    }
    if (call.connections.size === 0) this.#endCall(call);
  }

  /** The call fails: the waiting party's connection enters the Fail state (Failed event). */
  #fail(
    call: Call,
    waiting: DeviceKey,
    failing: Party,
    cause: EventCauseName,
    extra: DeviceKey[] = [],
    cleared: ConnRef[] = [],
  ): void {
    const conn = call.connections.get(waiting);
    // Only a talking (or dialling) party hears the failure; one that holds the call, or whose own phone
    // rings with it, keeps that state and meets the failure when it comes back.
    if (conn && (conn.state === "connected" || conn.state === "initiated")) this.#setState(conn, "fail");
    call.failure = { party: failing, device: failing.kind === "device" ? failing.number : undefined, cause };
    call.pending = undefined;
    this.#emit(
      {
        type: "failed",
        failedConnection: { callId: call.id, device: waiting },
        failingDevice: failing,
        callingDevice: call.calling,
        calledDevice: call.called,
        lastRedirectionDevice: call.lastRedirection,
        cause,
      },
      call,
      [...call.connections.keys(), ...extra],
      cleared,
    );
    if (!conn) this.#afterPartyLeft(call, "normalClearing");
  }

  /** A call diverted before it rang at `from` (forwarding immediate, busy, DND): Diverted, then routed on. */
  #divertUnanswered(
    call: Call,
    from: DeviceKey,
    destination: string,
    cause: EventCauseName,
    route: PendingRoute,
    extra: DeviceKey[],
  ): void {
    const ref = { callId: call.id, device: from };
    this.#emitDiverted(call, ref, destination, cause, route.lastRedirection, [
      ...call.connections.keys(),
      ...extra,
      from,
    ]);
    call.condition = "callForwarding";
    this.#route(call, destination, {
      waiting: route.waiting,
      cause,
      lastRedirection: devicePartyOf(from),
      hops: route.hops + 1,
    });
  }

  /** A ringing call leaves `from` (deflect, no-answer forwarding): Diverted, then routed on. */
  #divertRinging(
    call: Call,
    from: DeviceKey,
    destination: string,
    cause: EventCauseName,
    hops: number,
  ): void {
    const observers = [...call.connections.keys()];
    const waiting = this.#waitingParty(call, from);
    const lastRedirection = call.pending?.lastRedirection;
    const ref = this.#removeConn(call, from);
    this.#emitDiverted(call, ref, destination, cause, lastRedirection, observers);
    if (cause !== "redirected") call.condition = "callForwarding";
    this.#route(call, destination, { waiting, cause, lastRedirection: devicePartyOf(from), hops });
  }

  #emitDiverted(
    call: Call,
    ref: ConnRef,
    destination: string,
    cause: EventCauseName,
    lastRedirection: Party | undefined,
    observers: DeviceKey[],
  ): void {
    this.#emit(
      {
        type: "diverted",
        connection: ref,
        divertingDevice: devicePartyOf(ref.device),
        newDestination: this.#partyForDigits(destination),
        callingDevice: call.calling,
        calledDevice: call.called,
        lastRedirectionDevice: lastRedirection,
        cause,
      },
      call,
      observers,
      [ref],
    );
  }

  /** Pickup (group or directed): Diverted away from the ringing device, Established at the picker. */
  #pickup(call: Call, from: DeviceKey, picker: DeviceKey): ConnRef {
    const observers = [...call.connections.keys(), picker];
    const ref = this.#removeConn(call, from);
    this.#emitDiverted(call, ref, picker, "callPickup", call.pending?.lastRedirection, observers);
    call.lastRedirection = devicePartyOf(from);
    const conn = this.#addConn(call, picker, "alerting");
    conn.deliveryCause = "callPickup";
    this.#answer(call, conn);
    return { callId: call.id, device: picker };
  }

  /** The busy extension a failed call's connection can call back, camp on or intrude on. */
  #busyTarget(ref: ConnRef): EngineResult<DeviceKey> {
    const conn = this.#conn(ref);
    if (!conn) return operationError("invalidConnectionID");
    if (!this.plan.extension(ref.device)) return operationError("requestIncompatibleWithObject");
    const failure = this.#calls.get(ref.callId)!.failure;
    if (
      conn.state !== "fail" || failure?.cause !== "busy" || !failure.device || failure.device === ref.device
    ) {
      return stateError("invalidConnectionState");
    }
    if (!this.plan.extension(failure.device)) return stateError("invalidCalledDeviceState");
    return ok(failure.device);
  }

  #heldAndActive(
    held: ConnRef,
    active: ConnRef,
    activeStates: readonly LiveState[] = ["connected"],
  ): EngineResult<[Connection, Connection]> {
    const heldConn = this.#conn(held);
    const activeConn = this.#conn(active);
    if (!heldConn || !activeConn || held.device !== active.device || held.callId === active.callId) {
      return operationError("invalidConnectionID");
    }
    if (heldConn.state !== "hold") return stateError("noHeldCall");
    if (!activeStates.includes(activeConn.state)) return stateError("noActiveCall");
    return ok([heldConn, activeConn]);
  }

  // ---- internals: state bookkeeping ----

  #newCall(direction: Call["direction"], calling: Party, called: Party): Call {
    const id = this.#allocateCallId();
    const call: Call = {
      id,
      connections: new Map(),
      direction,
      calling,
      called,
      network: {},
      dialled: "",
      record: { calling, called, startedAt: this.#clock.now() },
    };
    this.#calls.set(id, call);
    return call;
  }

  /** CallIDs are 2 octets (§5.2 [?]); reused only when free. */
  #allocateCallId(): number {
    for (let tries = 0; tries < 0x10000; tries++) {
      const id = this.#nextCallId;
      this.#nextCallId = id >= 0xffff ? 1 : id + 1;
      if (!this.#calls.has(id)) return id;
    }
    throw new Error("call engine: all 65535 call IDs are in use");
  }

  #addConn(call: Call, device: DeviceKey, state: LiveState): Connection {
    if (call.connections.has(device)) {
      throw new Error(`call ${call.id} already has a connection at ${device}`);
    }
    const conn: Connection = { callId: call.id, device, state, since: this.#clock.now() };
    call.connections.set(device, conn);
    let byCall = this.#byDevice.get(device);
    if (!byCall) this.#byDevice.set(device, byCall = new Map());
    byCall.set(call.id, conn);
    return conn;
  }

  #removeConn(call: Call, device: DeviceKey): ConnRef {
    const conn = call.connections.get(device);
    if (!conn) throw new Error(`call ${call.id} has no connection at ${device}`);
    this.#clearConnTimer(conn);
    call.connections.delete(device);
    const byCall = this.#byDevice.get(device)!;
    byCall.delete(call.id);
    if (byCall.size === 0) this.#byDevice.delete(device);
    if (conn.state === "queued") this.#dequeue(device, call.id);
    return { callId: call.id, device };
  }

  /** Moves a party from one call to another (transfer, conference, intrusion). */
  #moveConn(from: Call, to: Call, device: DeviceKey): ConnectionChange {
    const old = from.connections.get(device)!;
    const endpoint = this.#subjectOf(from, device);
    const oldConnection = this.#removeConn(from, device);
    const moved = this.#addConn(to, device, old.state);
    moved.remote = old.remote;
    moved.deliveryCause = old.deliveryCause;
    moved.since = old.since;
    if (old.state === "queued") {
      const queue = this.#queues.get(device) ?? [];
      queue.push(to.id);
      this.#queues.set(device, queue);
    }
    return { newConnection: { callId: to.id, device }, oldConnection, endpoint };
  }

  #unchanged(call: Call, device: DeviceKey): ConnectionChange {
    const ref = { callId: call.id, device };
    return { newConnection: ref, oldConnection: ref, endpoint: this.#subjectOf(call, device) };
  }

  #setState(conn: Connection, state: LiveState): void {
    if (conn.state === state) return;
    if (conn.state === "alerting" || conn.state === "queued") this.#clearConnTimer(conn);
    if (conn.state === "queued") this.#dequeue(conn.device, conn.callId);
    conn.state = state;
    conn.since = this.#clock.now();
  }

  #ensureConnected(call: Call, device: DeviceKey): void {
    const conn = call.connections.get(device);
    if (conn && conn.state === "fail") this.#setState(conn, "connected");
  }

  #dequeue(group: DeviceKey, callId: number): void {
    const queue = this.#queues.get(group);
    if (!queue) return;
    const index = queue.indexOf(callId);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(group);
  }

  #endCall(call: Call): void {
    this.#forgetCall(call);
    const record: CallRecord = {
      callId: call.id,
      direction: call.direction,
      callingDevice: call.record.calling,
      calledDevice: call.record.called,
      ...(call.trunk ? { trunk: call.trunk } : {}),
      startedAt: call.record.startedAt,
      ...(call.answeredAt !== undefined ? { answeredAt: call.answeredAt } : {}),
      endedAt: this.#clock.now(),
    };
    const conditionCode = call.condition ?? (call.answeredAt === undefined ? "noAnswer" : undefined);
    if (conditionCode) (record as { conditionCode?: ConditionCode }).conditionCode = conditionCode;
    this.#publish({ kind: "callEnded", record });
  }

  /** Drops a call that has no connections left, without a record (it was merged into another). */
  #forgetCall(call: Call): void {
    for (const device of [...call.connections.keys()]) this.#removeConn(call, device);
    this.#calls.delete(call.id);
  }

  #setConnTimer(ref: ConnRef, ms: number, fire: () => void): void {
    const key = connKey(ref);
    const previous = this.#timers.get(key);
    if (previous !== undefined) this.#clock.clearTimeout(previous);
    this.#timers.set(
      key,
      this.#clock.setTimeout(() => {
        this.#timers.delete(key);
        fire();
      }, ms),
    );
  }

  #clearConnTimer(ref: ConnRef): void {
    const key = connKey(ref);
    const handle = this.#timers.get(key);
    if (handle === undefined) return;
    this.#clock.clearTimeout(handle);
    this.#timers.delete(key);
  }

  // ---- internals: lookups ----

  #conn(ref: ConnRef): Connection | undefined {
    return this.#calls.get(ref.callId)?.connections.get(ref.device);
  }

  #trunkConn(trunk: DeviceKey): Connection | undefined {
    if (this.plan.device(trunk)?.kind !== "trunk") return undefined;
    const conns = this.#byDevice.get(trunk);
    return conns ? [...conns.values()][0] : undefined;
  }

  /**
   * The party a call being routed waits for: the one routing started from while it is still on the call,
   * else a talking party other than `except` (a transfer may have taken the original one away).
   */
  #waitingParty(call: Call, except?: DeviceKey): DeviceKey {
    const pending = call.pending?.waiting;
    if (pending !== undefined && pending !== except && call.connections.has(pending)) return pending;
    const parties = [...call.connections.values()].filter((c) => c.device !== except && c.state !== "queued");
    return (parties.find((c) => c.state === "connected") ?? parties[0])?.device ?? except ?? "";
  }

  #hasActive(device: DeviceKey): boolean {
    for (const conn of this.#byDevice.get(device)?.values() ?? []) {
      if (ACTIVE_STATES.has(conn.state)) return true;
    }
    return false;
  }

  #hasActiveOrRinging(device: DeviceKey): boolean {
    for (const conn of this.#byDevice.get(device)?.values() ?? []) {
      if (ACTIVE_STATES.has(conn.state) || conn.state === "alerting") return true;
    }
    return false;
  }

  #freeTrunk(): DeviceKey | undefined {
    return this.plan.trunks().find((t) => this.isIdle(t.number))?.number;
  }

  /** The next idle member of a group in round-robin order (not in DND, no connection). */
  #huntMember(group: DeviceKey): DeviceKey | undefined {
    const device = this.plan.device(group);
    if (device?.kind !== "group" || device.members.length === 0) return undefined;
    const start = this.#huntPosition.get(group) ?? 0;
    const n = device.members.length;
    for (let i = 0; i < n; i++) {
      const member = device.members[(start + i) % n];
      if (this.isIdle(member) && !this.features.doNotDisturb(member)) {
        this.#huntPosition.set(group, (start + i + 1) % n);
        return member;
      }
    }
    return undefined;
  }

  #isRoutable(digits: string): boolean {
    if (!DIALLED_DIGITS.test(digits)) return false;
    const target = this.plan.dial(digits);
    return target.kind === "device" || target.kind === "external";
  }

  #partyForDigits(digits: string): Party {
    const target = this.plan.dial(digits);
    return target.kind === "device"
      ? devicePartyOf(target.device.number)
      : { kind: "external", number: digits };
  }

  #directionOf(digits: string): Call["direction"] {
    return this.plan.dial(digits).kind === "external" ? "outgoing" : "internal";
  }

  #originOf(call: Call): CallerOrigin {
    return call.direction === "incoming" ? "external" : "internal";
  }

  /** How a device appears as subject (answering, releasing): a CO line shows the party outside. */
  #subjectOf(call: Call, device: DeviceKey): Party {
    const conn = call.connections.get(device);
    return conn?.remote ?? devicePartyOf(device);
  }

  // ---- internals: reporting ----

  #emit(event: SimEvent, call: Call | undefined, devices: Iterable<DeviceKey>, cleared: ConnRef[]): void {
    const observers: Observer[] = [];
    const seen = new Set<DeviceKey>();
    for (const device of devices) {
      if (seen.has(device)) continue;
      seen.add(device);
      observers.push(
        call ? { device, localState: call.connections.get(device)?.state ?? "null" } : { device },
      );
    }
    this.#publish({ kind: "event", event, ...(call ? { callId: call.id } : {}), observers, cleared });
  }

  #publish(fact: EngineFact): void {
    for (const listener of this.#listeners) listener(fact);
  }
}
