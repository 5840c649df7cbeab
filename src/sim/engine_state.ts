// The simulated PBX's call model, part 1 of 6: calls, connections and their states as data, the
// bookkeeping that changes them, the lookups and the reporting of facts. Pure: no I/O, time from a Clock.

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
  type NetworkInfo,
  type Observer,
  type Party,
  type SimEvent,
} from "./call_facts.ts";
import { type CallerOrigin, DeviceFeatures } from "./device_features.ts";
import type { DevicePlan } from "./device_plan.ts";

/** A service's outcome: its value, or the UniversalFailure the PBX answers with (§12). */
export type EngineResult<T> = { ok: true; value: T } | { ok: false; failure: UniversalFailure };

/** The state a connection can be in while it exists (`null` means it does not). §8.4 */
export type LiveState = Exclude<LocalConnectionStateName, "null">;

/** A connection as the engine holds it. */
export interface Connection {
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
export interface PendingRoute {
  waiting: DeviceKey;
  lastRedirection?: Party;
  hops: number;
}

export interface Call {
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

export const DIALLED_DIGITS = /^[0-9*#]{1,32}$/;
export const DTMF_DIGITS = /^[0-9*#A-Da-d]{1,32}$/;
/** Account codes are up to 10 digits on Panasonic PBXs (KX-TDA/NS manuals; the CSTA limit is unknown [?]). */
export const ACCOUNT_CODE = /^[0-9]{1,10}$/;
/** A caller name: printable ASCII (privateName is an IA5String), at most 20 characters as a display shows. */
export const CALLER_NAME = /^[\x20-\x7e]{1,20}$/;

export const ok = <T>(value: T): EngineResult<T> => ({ ok: true, value });
export const operationError = (
  value: Extract<UniversalFailure, { kind: "operation" }>["value"],
): EngineResult<never> => ({
  ok: false,
  failure: { kind: "operation", value },
});
export const stateError = (
  value: Extract<UniversalFailure, { kind: "stateIncompatibility" }>["value"],
): EngineResult<never> => ({ ok: false, failure: { kind: "stateIncompatibility", value } });
export const resourceError = (
  value: Extract<UniversalFailure, { kind: "systemResourceAvailability" }>["value"],
): EngineResult<never> => ({ ok: false, failure: { kind: "systemResourceAvailability", value } });

/** States in which a device is busy with a call of its own (it cannot answer, dial or retrieve). */
export const ACTIVE_STATES: ReadonlySet<LiveState> = new Set(["initiated", "connected", "fail"]);

/** The state every part of the engine works on; {@link CallEngine} is the whole. */
export abstract class EngineState {
  readonly plan: DevicePlan;
  readonly features = new DeviceFeatures();
  protected readonly clock: Clock;
  protected readonly noAnswerMs: number;
  protected readonly callBackRecallMs: number;
  protected readonly maxForwardHops: number;
  protected readonly maxConferenceParties: number;
  protected readonly calls = new Map<number, Call>();
  /** Connections per device, by call. */
  protected readonly byDevice = new Map<DeviceKey, Map<number, Connection>>();
  /** Calls waiting at each group, oldest first. */
  protected readonly queues = new Map<DeviceKey, number[]>();
  /** Round-robin position of each group's hunting. */
  protected readonly huntPosition = new Map<DeviceKey, number>();
  protected readonly timers = new Map<string, TimerHandle>();
  protected readonly callBacks: { requester: DeviceKey; target: DeviceKey }[] = [];
  protected readonly listeners = new Set<(fact: EngineFact) => void>();
  protected nextCallId = 1;
  protected depth = 0;

  constructor(options: CallEngineOptions) {
    this.plan = options.plan;
    this.clock = options.clock;
    this.noAnswerMs = options.noAnswerMs ?? 15_000;
    this.callBackRecallMs = options.callBackRecallMs ?? 30_000;
    this.maxForwardHops = options.maxForwardHops ?? 4;
    this.maxConferenceParties = options.maxConferenceParties ?? 8;
  }

  /** Receives every fact from now on; returns the unsubscribe function. */
  subscribe(listener: (fact: EngineFact) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- queries ----

  /** Every live call with its connections. */
  snapshot(): CallSnapshot[] {
    return [...this.calls.values()].map((call) => ({
      callId: call.id,
      connections: [...call.connections.values()].map((c) => ({ device: c.device, state: c.state })),
    }));
  }

  /** The connections of a device, oldest call first. */
  connectionsOf(device: DeviceKey): DeviceConnection[] {
    const conns = this.byDevice.get(device);
    if (!conns) return [];
    return [...conns.values()].map((c) => ({ callId: c.callId, device: c.device, state: c.state }));
  }

  /** The connections of a call, in the order the parties joined; empty when the call does not exist. */
  callConnections(callId: number): DeviceConnection[] {
    const call = this.calls.get(callId);
    if (!call) return [];
    return [...call.connections.values()].map((c) => ({ callId, device: c.device, state: c.state }));
  }

  /** The state of a connection, or undefined when it does not exist. */
  stateOf(ref: ConnRef): LiveState | undefined {
    return this.calls.get(ref.callId)?.connections.get(ref.device)?.state;
  }

  /** Whether a device has no connection at all. */
  isIdle(device: DeviceKey): boolean {
    return (this.byDevice.get(device)?.size ?? 0) === 0;
  }

  /** Number of live calls. */
  get callCount(): number {
    return this.calls.size;
  }

  /** Pending CallBack requests. */
  callBackRequests(): { requester: DeviceKey; target: DeviceKey }[] {
    return this.callBacks.map((r) => ({ ...r }));
  }

  // ---- internals: state bookkeeping ----

  protected newCall(direction: Call["direction"], calling: Party, called: Party): Call {
    const id = this.allocateCallId();
    const call: Call = {
      id,
      connections: new Map(),
      direction,
      calling,
      called,
      network: {},
      dialled: "",
      record: { calling, called, startedAt: this.clock.now() },
    };
    this.calls.set(id, call);
    return call;
  }

  /** CallIDs are 2 octets (§5.2 [?]); reused only when free. */
  protected allocateCallId(): number {
    for (let tries = 0; tries < 0x10000; tries++) {
      const id = this.nextCallId;
      this.nextCallId = id >= 0xffff ? 1 : id + 1;
      if (!this.calls.has(id)) return id;
    }
    throw new Error("call engine: all 65535 call IDs are in use");
  }

  protected addConn(call: Call, device: DeviceKey, state: LiveState): Connection {
    if (call.connections.has(device)) {
      throw new Error(`call ${call.id} already has a connection at ${device}`);
    }
    const conn: Connection = { callId: call.id, device, state, since: this.clock.now() };
    call.connections.set(device, conn);
    let byCall = this.byDevice.get(device);
    if (!byCall) this.byDevice.set(device, byCall = new Map());
    byCall.set(call.id, conn);
    return conn;
  }

  protected removeConn(call: Call, device: DeviceKey): ConnRef {
    const conn = call.connections.get(device);
    if (!conn) throw new Error(`call ${call.id} has no connection at ${device}`);
    this.clearConnTimer(conn);
    call.connections.delete(device);
    const byCall = this.byDevice.get(device)!;
    byCall.delete(call.id);
    if (byCall.size === 0) this.byDevice.delete(device);
    if (conn.state === "queued") this.dequeue(device, call.id);
    return { callId: call.id, device };
  }

  /** Moves a party from one call to another (transfer, conference, intrusion). */
  protected moveConn(from: Call, to: Call, device: DeviceKey): ConnectionChange {
    const old = from.connections.get(device)!;
    const endpoint = this.subjectOf(from, device);
    const oldConnection = this.removeConn(from, device);
    const moved = this.addConn(to, device, old.state);
    moved.remote = old.remote;
    moved.deliveryCause = old.deliveryCause;
    moved.since = old.since;
    if (old.state === "queued") {
      const queue = this.queues.get(device) ?? [];
      queue.push(to.id);
      this.queues.set(device, queue);
    }
    return { newConnection: { callId: to.id, device }, oldConnection, endpoint };
  }

  protected unchanged(call: Call, device: DeviceKey): ConnectionChange {
    const ref = { callId: call.id, device };
    return { newConnection: ref, oldConnection: ref, endpoint: this.subjectOf(call, device) };
  }

  protected setState(conn: Connection, state: LiveState): void {
    if (conn.state === state) return;
    if (conn.state === "alerting" || conn.state === "queued") this.clearConnTimer(conn);
    if (conn.state === "queued") this.dequeue(conn.device, conn.callId);
    conn.state = state;
    conn.since = this.clock.now();
  }

  protected ensureConnected(call: Call, device: DeviceKey): void {
    const conn = call.connections.get(device);
    if (conn && conn.state === "fail") this.setState(conn, "connected");
  }

  protected dequeue(group: DeviceKey, callId: number): void {
    const queue = this.queues.get(group);
    if (!queue) return;
    const index = queue.indexOf(callId);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(group);
  }

  protected endCall(call: Call): void {
    this.forgetCall(call);
    const record: CallRecord = {
      callId: call.id,
      direction: call.direction,
      callingDevice: call.record.calling,
      calledDevice: call.record.called,
      ...(call.trunk ? { trunk: call.trunk } : {}),
      startedAt: call.record.startedAt,
      ...(call.answeredAt !== undefined ? { answeredAt: call.answeredAt } : {}),
      endedAt: this.clock.now(),
    };
    const conditionCode = call.condition ?? (call.answeredAt === undefined ? "noAnswer" : undefined);
    if (conditionCode) (record as { conditionCode?: ConditionCode }).conditionCode = conditionCode;
    this.publish({ kind: "callEnded", record });
  }

  /** Drops a call that has no connections left, without a record (it was merged into another). */
  protected forgetCall(call: Call): void {
    for (const device of [...call.connections.keys()]) this.removeConn(call, device);
    this.calls.delete(call.id);
  }

  protected setConnTimer(ref: ConnRef, ms: number, fire: () => void): void {
    const key = connKey(ref);
    const previous = this.timers.get(key);
    if (previous !== undefined) this.clock.clearTimeout(previous);
    this.timers.set(
      key,
      this.clock.setTimeout(() => {
        this.timers.delete(key);
        fire();
      }, ms),
    );
  }

  protected clearConnTimer(ref: ConnRef): void {
    const key = connKey(ref);
    const handle = this.timers.get(key);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.timers.delete(key);
  }

  // ---- internals: lookups ----

  protected conn(ref: ConnRef): Connection | undefined {
    return this.calls.get(ref.callId)?.connections.get(ref.device);
  }

  protected trunkConn(trunk: DeviceKey): Connection | undefined {
    if (this.plan.device(trunk)?.kind !== "trunk") return undefined;
    const conns = this.byDevice.get(trunk);
    return conns ? [...conns.values()][0] : undefined;
  }

  /**
   * The party a call being routed waits for: the one routing started from while it is still on the call,
   * else a talking party other than `except` (a transfer may have taken the original one away).
   */
  protected waitingParty(call: Call, except?: DeviceKey): DeviceKey {
    const pending = call.pending?.waiting;
    if (pending !== undefined && pending !== except && call.connections.has(pending)) return pending;
    const parties = [...call.connections.values()].filter((c) => c.device !== except && c.state !== "queued");
    return (parties.find((c) => c.state === "connected") ?? parties[0])?.device ?? except ?? "";
  }

  protected hasActive(device: DeviceKey): boolean {
    for (const conn of this.byDevice.get(device)?.values() ?? []) {
      if (ACTIVE_STATES.has(conn.state)) return true;
    }
    return false;
  }

  protected hasActiveOrRinging(device: DeviceKey): boolean {
    for (const conn of this.byDevice.get(device)?.values() ?? []) {
      if (ACTIVE_STATES.has(conn.state) || conn.state === "alerting") return true;
    }
    return false;
  }

  protected freeTrunk(): DeviceKey | undefined {
    return this.plan.trunks().find((t) => this.isIdle(t.number))?.number;
  }

  /** The next idle member of a group in round-robin order (not in DND, no connection). */
  protected huntMember(group: DeviceKey): DeviceKey | undefined {
    const device = this.plan.device(group);
    if (device?.kind !== "group" || device.members.length === 0) return undefined;
    const start = this.huntPosition.get(group) ?? 0;
    const n = device.members.length;
    for (let i = 0; i < n; i++) {
      const member = device.members[(start + i) % n];
      if (this.isIdle(member) && !this.features.doNotDisturb(member)) {
        this.huntPosition.set(group, (start + i + 1) % n);
        return member;
      }
    }
    return undefined;
  }

  protected isRoutable(digits: string): boolean {
    if (!DIALLED_DIGITS.test(digits)) return false;
    const target = this.plan.dial(digits);
    return target.kind === "device" || target.kind === "external";
  }

  protected partyForDigits(digits: string): Party {
    const target = this.plan.dial(digits);
    return target.kind === "device"
      ? devicePartyOf(target.device.number)
      : { kind: "external", number: digits };
  }

  protected directionOf(digits: string): Call["direction"] {
    return this.plan.dial(digits).kind === "external" ? "outgoing" : "internal";
  }

  protected originOf(call: Call): CallerOrigin {
    return call.direction === "incoming" ? "external" : "internal";
  }

  /** How a device appears as subject (answering, releasing): a CO line shows the party outside. */
  protected subjectOf(call: Call, device: DeviceKey): Party {
    const conn = call.connections.get(device);
    return conn?.remote ?? devicePartyOf(device);
  }

  // ---- internals: reporting ----

  protected emit(
    event: SimEvent,
    call: Call | undefined,
    devices: Iterable<DeviceKey>,
    cleared: ConnRef[],
  ): void {
    const observers: Observer[] = [];
    const seen = new Set<DeviceKey>();
    for (const device of devices) {
      if (seen.has(device)) continue;
      seen.add(device);
      observers.push(
        call ? { device, localState: call.connections.get(device)?.state ?? "null" } : { device },
      );
    }
    this.publish({ kind: "event", event, ...(call ? { callId: call.id } : {}), observers, cleared });
  }

  protected publish(fact: EngineFact): void {
    for (const listener of this.listeners) listener(fact);
  }
}
