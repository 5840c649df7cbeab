// The simulated PBX's call model, part 2 of 6: offering and routing: where a dialled call goes (extension,
// group hunt and queue, network), ringing, diversion, answer, hold, release, and the settling after each
// service (queued calls, call-back recalls).

import type { EventCauseName } from "../csta/event_cause.ts";
import { type ConnRef, type DeviceKey, devicePartyOf, type Party } from "./call_facts.ts";
import type { ForwardTrigger } from "./device_features.ts";
import {
  type Call,
  type Connection,
  type EngineResult,
  type LiveState,
  ok,
  operationError,
  type PendingRoute,
  stateError,
} from "./engine_state.ts";
import { EngineState } from "./engine_state.ts";

export abstract class EngineOffering extends EngineState {
  // ---- internals: operations and settling ----

  /** Runs a public operation, then lets queues and call-backs move (only at the outermost level). */
  protected op<T>(body: () => EngineResult<T>): EngineResult<T> {
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
      if (this.depth === 0) this.settle();
    }
  }

  protected settle(): void {
    // Bounded: each round either delivers a queued call or starts a recall, both finite.
    for (let round = 0; round < 10_000; round++) {
      if (!this.distributeOneQueuedCall() && !this.startOneCallBack()) return;
    }
  }

  protected distributeOneQueuedCall(): boolean {
    for (const [group, queue] of this.queues) {
      if (queue.length === 0) continue;
      const member = this.huntMember(group);
      if (!member) continue;
      const call = this.calls.get(queue[0])!;
      const cleared = this.removeConn(call, group);
      this.alert(
        call,
        member,
        {
          waiting: this.waitingParty(call, group),
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

  protected startOneCallBack(): boolean {
    const index = this.callBacks.findIndex((r) =>
      this.isIdle(r.target) && this.isIdle(r.requester) && !this.features.doNotDisturb(r.target)
    );
    if (index < 0) return false;
    const [request] = this.callBacks.splice(index, 1);
    const call = this.newCall("internal", devicePartyOf(request.target), devicePartyOf(request.requester));
    call.recall = { ...request };
    const conn = this.addConn(call, request.requester, "alerting");
    conn.deliveryCause = "callBack";
    const ref = { callId: call.id, device: request.requester };
    this.emit(
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
    this.setConnTimer(ref, this.callBackRecallMs, () => this.endUnansweredRecall(ref));
    return true;
  }

  protected endUnansweredRecall(ref: ConnRef): void {
    this.op(() => {
      const call = this.calls.get(ref.callId);
      if (!call || call.connections.get(ref.device)?.state !== "alerting") return ok(undefined);
      const devices = [...call.connections.keys()];
      const cleared = devices.map((d) => this.removeConn(call, d));
      this.emit(
        { type: "callCleared", clearedCall: call.id, cause: "callNotAnswered" },
        call,
        devices,
        cleared,
      );
      this.endCall(call);
      return ok(undefined);
    });
  }

  // ---- internals: building blocks of the services ----

  protected originate(call: Call, device: DeviceKey, digits: string, cause: EventCauseName): ConnRef {
    const conn = this.addConn(call, device, "initiated");
    const ref = { callId: call.id, device };
    this.emit(
      { type: "serviceInitiated", initiatedConnection: ref, initiatingDevice: devicePartyOf(device), cause },
      call,
      [device],
      [],
    );
    this.setState(conn, "connected");
    this.emit(
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
    this.route(call, digits, { waiting: device, cause: "newCall", hops: 0 });
    return ref;
  }

  /** Offers a call to dialled digits: a device of the plan, a CO line, or nowhere. */
  protected route(
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
          return this.offerToGroup(call, target.device.number, route, extra);
        }
        return this.offerToExtension(call, target.device.number, route, extra);
      case "external":
        return this.offerToNetwork(call, target.number, route, extra);
      default:
        return this.fail(
          call,
          route.waiting,
          { kind: "external", number: digits },
          "destNotObtainable",
          extra,
        );
    }
  }

  protected offerToExtension(
    call: Call,
    device: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const origin = this.originOf(call);
    const canForward = route.hops < this.maxForwardHops;
    const forwardFor = (trigger: ForwardTrigger) =>
      canForward ? this.features.forwardingFor(device, trigger, origin) : undefined;
    if (call.connections.has(device)) {
      return this.fail(call, route.waiting, devicePartyOf(device), "busy", extra);
    }
    const immediate = forwardFor("immediate");
    if (immediate) {
      return this.divertUnanswered(
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
      if (dnd) return this.divertUnanswered(call, device, dnd.destination, "callForward", route, extra);
      return this.fail(call, route.waiting, devicePartyOf(device), "doNotDisturb", extra);
    }
    if (!this.isIdle(device)) {
      const busy = forwardFor("busy");
      if (busy) {
        return this.divertUnanswered(call, device, busy.destination, "callForwardBusy", route, extra);
      }
      return this.fail(call, route.waiting, devicePartyOf(device), "busy", extra);
    }
    this.alert(call, device, route, extra);
    // Super-Twin [?]: the paired portable rings with the main extension when it is free.
    const partner = this.plan.twinOf(device);
    if (
      partner && this.isIdle(partner) && !call.connections.has(partner) &&
      !this.features.doNotDisturb(partner)
    ) {
      this.alert(call, partner, route);
    }
    const noAnswer = forwardFor("noAnswer");
    if (noAnswer) {
      const ref = { callId: call.id, device };
      this.setConnTimer(ref, noAnswer.ringDurationMs ?? this.noAnswerMs, () =>
        this.op(() => {
          if (this.stateOf(ref) === "alerting") {
            this.divertRinging(
              this.calls.get(ref.callId)!,
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

  protected offerToGroup(
    call: Call,
    group: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const member = this.huntMember(group);
    if (member) return this.alert(call, member, route, [...extra, group]);
    const queue = this.queues.get(group) ?? [];
    const limit = (this.plan.device(group) as { queueLimit: number }).queueLimit;
    if (queue.length >= limit) return this.fail(call, route.waiting, devicePartyOf(group), "busy", extra);
    this.queues.set(group, queue);
    this.ensureConnected(call, route.waiting);
    this.addConn(call, group, "queued");
    queue.push(call.id);
    this.emit(
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

  protected offerToNetwork(
    call: Call,
    number: string,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[],
  ): void {
    const remote: Party = { kind: "external", number };
    const trunk = this.freeTrunk();
    if (!trunk) return this.fail(call, route.waiting, remote, "trunksBusy", extra);
    this.ensureConnected(call, route.waiting);
    if (route.lastRedirection) call.lastRedirection = route.lastRedirection;
    call.trunk ??= trunk;
    call.network = { ...call.network, associatedCalledDevice: devicePartyOf(trunk) };
    const conn = this.addConn(call, trunk, "initiated");
    conn.remote = remote;
    this.emit(
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
  protected alert(
    call: Call,
    device: DeviceKey,
    route: PendingRoute & { cause: EventCauseName },
    extra: DeviceKey[] = [],
    cleared: ConnRef[] = [],
  ): void {
    this.ensureConnected(call, route.waiting);
    const conn = this.addConn(call, device, "alerting");
    conn.deliveryCause = route.cause;
    if (route.lastRedirection) call.lastRedirection = route.lastRedirection;
    this.emit(
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

  protected answer(call: Call, conn: Connection): void {
    this.clearConnTimer(conn);
    this.setState(conn, "connected");
    if (call.pending) this.ensureConnected(call, this.waitingParty(call, conn.device));
    call.answeredAt ??= this.clock.now();
    const ref = { callId: call.id, device: conn.device };
    this.emit(
      {
        type: "established",
        establishedConnection: ref,
        answeringDevice: this.subjectOf(call, conn.device),
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
      this.route(call, recall.target, { waiting: recall.requester, cause: "callBack", hops: 0 });
    }
  }

  protected hold(call: Call, conn: Connection, cause: EventCauseName): void {
    this.setState(conn, "hold");
    const ref = { callId: call.id, device: conn.device };
    this.emit(
      { type: "held", heldConnection: ref, holdingDevice: devicePartyOf(conn.device), cause },
      call,
      call.connections.keys(),
      [],
    );
  }

  protected retrieve(call: Call, conn: Connection, cause: EventCauseName): void {
    this.setState(conn, "connected");
    const ref = { callId: call.id, device: conn.device };
    this.emit(
      { type: "retrieved", retrievedConnection: ref, retrievingDevice: devicePartyOf(conn.device), cause },
      call,
      call.connections.keys(),
      [],
    );
  }

  /** A party leaves (ConnectionCleared); the rest of the call settles. */
  protected release(call: Call, device: DeviceKey, cause: EventCauseName): void {
    const observers = [...call.connections.keys()];
    const releasing = this.subjectOf(call, device);
    const ref = this.removeConn(call, device);
    this.emit(
      { type: "connectionCleared", droppedConnection: ref, releasingDevice: releasing, cause },
      call,
      observers,
      [ref],
    );
    if (call.pending?.waiting === device) call.pending = undefined;
    this.afterPartyLeft(call, "normalClearing");
  }

  /** A call left with one party clears it (CallCleared to that party); one left with none ends. */
  protected afterPartyLeft(call: Call, cause: EventCauseName): void {
    if (!this.calls.has(call.id)) return;
    if (call.connections.size === 1) {
      const [last] = call.connections.keys();
      const ref = this.removeConn(call, last);
      this.emit({ type: "callCleared", clearedCall: call.id, cause }, call, [last], [ref]);
    }
    if (call.connections.size === 0) this.endCall(call);
  }

  /** The call fails: the waiting party's connection enters the Fail state (Failed event). */
  protected fail(
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
    if (conn && (conn.state === "connected" || conn.state === "initiated")) this.setState(conn, "fail");
    call.failure = { party: failing, device: failing.kind === "device" ? failing.number : undefined, cause };
    call.pending = undefined;
    this.emit(
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
    if (!conn) this.afterPartyLeft(call, "normalClearing");
  }

  /** A call diverted before it rang at `from` (forwarding immediate, busy, DND): Diverted, then routed on. */
  protected divertUnanswered(
    call: Call,
    from: DeviceKey,
    destination: string,
    cause: EventCauseName,
    route: PendingRoute,
    extra: DeviceKey[],
  ): void {
    const ref = { callId: call.id, device: from };
    this.emitDiverted(call, ref, destination, cause, route.lastRedirection, [
      ...call.connections.keys(),
      ...extra,
      from,
    ]);
    call.condition = "callForwarding";
    this.route(call, destination, {
      waiting: route.waiting,
      cause,
      lastRedirection: devicePartyOf(from),
      hops: route.hops + 1,
    });
  }

  /** A ringing call leaves `from` (deflect, no-answer forwarding): Diverted, then routed on. */
  protected divertRinging(
    call: Call,
    from: DeviceKey,
    destination: string,
    cause: EventCauseName,
    hops: number,
  ): void {
    const observers = [...call.connections.keys()];
    const waiting = this.waitingParty(call, from);
    const lastRedirection = call.pending?.lastRedirection;
    const ref = this.removeConn(call, from);
    this.emitDiverted(call, ref, destination, cause, lastRedirection, observers);
    if (cause !== "redirected") call.condition = "callForwarding";
    this.route(call, destination, { waiting, cause, lastRedirection: devicePartyOf(from), hops });
  }

  protected emitDiverted(
    call: Call,
    ref: ConnRef,
    destination: string,
    cause: EventCauseName,
    lastRedirection: Party | undefined,
    observers: DeviceKey[],
  ): void {
    this.emit(
      {
        type: "diverted",
        connection: ref,
        divertingDevice: devicePartyOf(ref.device),
        newDestination: this.partyForDigits(destination),
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
  protected pickup(call: Call, from: DeviceKey, picker: DeviceKey): ConnRef {
    const observers = [...call.connections.keys(), picker];
    const ref = this.removeConn(call, from);
    this.emitDiverted(call, ref, picker, "callPickup", call.pending?.lastRedirection, observers);
    call.lastRedirection = devicePartyOf(from);
    const conn = this.addConn(call, picker, "alerting");
    conn.deliveryCause = "callPickup";
    this.answer(call, conn);
    return { callId: call.id, device: picker };
  }

  /** The busy extension a failed call's connection can call back, camp on or intrude on. */
  protected busyTarget(ref: ConnRef): EngineResult<DeviceKey> {
    const conn = this.conn(ref);
    if (!conn) return operationError("invalidConnectionID");
    if (!this.plan.extension(ref.device)) return operationError("requestIncompatibleWithObject");
    const failure = this.calls.get(ref.callId)!.failure;
    if (
      conn.state !== "fail" || failure?.cause !== "busy" || !failure.device || failure.device === ref.device
    ) {
      return stateError("invalidConnectionState");
    }
    if (!this.plan.extension(failure.device)) return stateError("invalidCalledDeviceState");
    return ok(failure.device);
  }

  protected heldAndActive(
    held: ConnRef,
    active: ConnRef,
    activeStates: readonly LiveState[] = ["connected"],
  ): EngineResult<[Connection, Connection]> {
    const heldConn = this.conn(held);
    const activeConn = this.conn(active);
    if (!heldConn || !activeConn || held.device !== active.device || held.callId === active.callId) {
      return operationError("invalidConnectionID");
    }
    if (heldConn.state !== "hold") return stateError("noHeldCall");
    if (!activeStates.includes(activeConn.state)) return stateError("noActiveCall");
    return ok([heldConn, activeConn]);
  }
}
