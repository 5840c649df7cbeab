// The simulated PBX's call model, part 3 of 6: the call control services (§7), mirroring
// csta/call_control.ts: MakeCall, Answer, Clear*, Hold, Retrieve, Consultation, Alternate, Reconnect,
// Transfer, Conference, the single-step transfer and conference, and Deflect.

import type { EventCauseName } from "../csta/event_cause.ts";
import { type ConnectionChange, type ConnRef, type DeviceKey, devicePartyOf } from "./call_facts.ts";
import {
  type Call,
  DIALLED_DIGITS,
  type EngineResult,
  ok,
  operationError,
  resourceError,
  stateError,
} from "./engine_state.ts";
import { EngineOffering } from "./engine_offering.ts";

export abstract class EngineCallControl extends EngineOffering {
  /** MakeCall (10): the calling extension goes off-hook and dials. Returns its new connection. */
  makeCall(calling: DeviceKey, digits: string): EngineResult<ConnRef> {
    return this.op(() => {
      if (!this.plan.extension(calling)) return operationError("invalidCallingDeviceID");
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidCalledDeviceID");
      if (this.hasActiveOrRinging(calling)) return stateError("invalidCallingDeviceState");
      const call = this.newCall(
        this.directionOf(digits),
        devicePartyOf(calling),
        this.partyForDigits(digits),
      );
      const ref = this.originate(call, calling, digits, "makeCall");
      return ok(ref);
    });
  }

  /** AnswerCall (2) at an alerting extension connection. */
  answerCall(ref: ConnRef): EngineResult<void> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn || conn.state !== "alerting" || !this.plan.extension(ref.device)) {
        return stateError("noCallToAnswer");
      }
      if (this.hasActive(ref.device)) return stateError("connectedCallExists");
      const call = this.calls.get(ref.callId)!;
      this.answer(call, conn);
      // Super-Twin [?]: the call moves to whichever of the pair answered; the other stops ringing.
      const twin = this.plan.twinOf(ref.device) ?? this.plan.mainOf(ref.device);
      if (twin && call.connections.get(twin)?.state === "alerting") this.release(call, twin, "callPickup");
      return ok(undefined);
    });
  }

  /** ClearConnection (5): one party leaves; a call left with one party is cleared. */
  clearConnection(ref: ConnRef, cause: EventCauseName = "normalClearing"): EngineResult<void> {
    return this.op(() => {
      const call = this.calls.get(ref.callId);
      if (!call) return operationError("invalidConnectionID");
      if (!call.connections.has(ref.device)) return stateError("noConnectionToClear");
      this.release(call, ref.device, cause);
      return ok(undefined);
    });
  }

  /** ClearCall (4): every connection of the call is cleared at once. */
  clearCall(ref: ConnRef): EngineResult<void> {
    return this.op(() => {
      const call = this.calls.get(ref.callId);
      if (!call || !call.connections.has(ref.device)) return stateError("noCallToClear");
      const devices = [...call.connections.keys()];
      const cleared = devices.map((device) => this.removeConn(call, device));
      this.emit(
        { type: "callCleared", clearedCall: call.id, cause: "normalClearing" },
        call,
        devices,
        cleared,
      );
      this.endCall(call);
      return ok(undefined);
    });
  }

  /** HoldCall (9). */
  holdCall(ref: ConnRef): EngineResult<void> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(ref.device)) return stateError("noActiveCall");
      this.hold(this.calls.get(ref.callId)!, conn, "normal");
      return ok(undefined);
    });
  }

  /** RetrieveCall (14). */
  retrieveCall(ref: ConnRef): EngineResult<void> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "hold") return stateError("noHeldCall");
      if (this.hasActive(ref.device)) return stateError("connectedCallExists");
      this.retrieve(this.calls.get(ref.callId)!, conn, "normal");
      return ok(undefined);
    });
  }

  /** ConsultationCall (7): holds the existing call and calls `digits`. Returns the new connection. */
  consultationCall(existing: ConnRef, digits: string): EngineResult<ConnRef> {
    return this.op(() => {
      const conn = this.conn(existing);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(existing.device)) {
        return stateError("noActiveCall");
      }
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidCalledDeviceID");
      this.hold(this.calls.get(existing.callId)!, conn, "consultation");
      const device = existing.device;
      const call = this.newCall(
        this.directionOf(digits),
        devicePartyOf(device),
        this.partyForDigits(digits),
      );
      return ok(this.originate(call, device, digits, "consultation"));
    });
  }

  /** AlternateCall (1): the active call goes on hold and the held one comes back. */
  alternateCall(held: ConnRef, active: ConnRef): EngineResult<void> {
    return this.op(() => {
      const pair = this.heldAndActive(held, active);
      if (!pair.ok) return pair;
      const [heldConn, activeConn] = pair.value;
      this.hold(this.calls.get(active.callId)!, activeConn, "alternate");
      this.retrieve(this.calls.get(held.callId)!, heldConn, "alternate");
      return ok(undefined);
    });
  }

  /** ReconnectCall (13): clears the active call and retrieves the held one. */
  reconnectCall(active: ConnRef, held: ConnRef): EngineResult<void> {
    return this.op(() => {
      // A consultation that failed or is still being dialled may be abandoned too.
      const pair = this.heldAndActive(held, active, ["connected", "fail", "initiated"]);
      if (!pair.ok) return pair;
      const [heldConn] = pair.value;
      this.release(this.calls.get(active.callId)!, active.device, "normalClearing");
      this.retrieve(this.calls.get(held.callId)!, heldConn, "normal");
      return ok(undefined);
    });
  }

  /** TransferCall (16): joins the held and the active call's other parties and drops the transferring device. */
  transferCall(held: ConnRef, active: ConnRef): EngineResult<ConnRef> {
    return this.op(() => {
      const joining = this.joining(held, active);
      if (!joining.ok) return joining;
      const { primary, secondary, device, moving } = joining.value;
      const observers = [...primary.connections.keys(), ...secondary.connections.keys()];
      const cleared = [this.removeConn(primary, device), this.removeConn(secondary, device)];
      const staying = [...primary.connections.keys()];
      const changes: ConnectionChange[] = staying.map((d) => this.unchanged(primary, d));
      for (const d of moving) {
        const change = this.moveConn(secondary, primary, d);
        cleared.push(change.oldConnection!);
        changes.push(change);
      }
      const transferredTo = this.subjectOf(primary, moving[0]);
      primary.calling = this.subjectOf(primary, staying[0] ?? moving[0]);
      primary.called = transferredTo;
      primary.lastRedirection = devicePartyOf(device);
      primary.condition = "callTransfer";
      primary.answeredAt ??= secondary.answeredAt;
      primary.trunk ??= secondary.trunk;
      if (secondary.pending) primary.pending = { ...secondary.pending, waiting: staying[0] ?? moving[0] };
      this.emit(
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
      this.forgetCall(secondary);
      this.afterPartyLeft(primary, "normalClearing");
      return ok({ callId: primary.id, device: moving[0] });
    });
  }

  /** ConferenceCall (6): the active call's parties join the held call, which the device retrieves. */
  conferenceCall(held: ConnRef, active: ConnRef): EngineResult<ConnRef> {
    return this.op(() => {
      const joining = this.joining(held, active);
      if (!joining.ok) return joining;
      const { primary, secondary, device, moving } = joining.value;
      if (primary.connections.size + moving.length > this.maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const observers = [...primary.connections.keys(), ...secondary.connections.keys()];
      const cleared = [this.removeConn(secondary, device)];
      const heldConn = primary.connections.get(device)!;
      this.setState(heldConn, "connected");
      const changes: ConnectionChange[] = [...primary.connections.keys()].map((d) =>
        this.unchanged(primary, d)
      );
      for (const d of moving) {
        const change = this.moveConn(secondary, primary, d);
        cleared.push(change.oldConnection!);
        changes.push(change);
      }
      primary.answeredAt ??= secondary.answeredAt;
      primary.trunk ??= secondary.trunk;
      this.emit(
        {
          type: "conferenced",
          primaryOldCall: { callId: primary.id, device },
          secondaryOldCall: cleared[0],
          conferencingDevice: devicePartyOf(device),
          addedParty: this.subjectOf(primary, moving[0]),
          conferenceConnections: changes,
          cause: "conference",
        },
        primary,
        observers,
        cleared,
      );
      this.forgetCall(secondary);
      return ok({ callId: primary.id, device });
    });
  }

  /** SingleStepTransferCall (50): the device leaves and its call is offered to `digits`. */
  singleStepTransfer(ref: ConnRef, digits: string): EngineResult<ConnRef> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected" || !this.plan.extension(ref.device)) return stateError("noActiveCall");
      const call = this.calls.get(ref.callId)!;
      if (!this.isRoutable(digits) || call.connections.has(digits)) {
        return operationError("invalidDestination");
      }
      const others = [...call.connections.keys()].filter((d) => d !== ref.device);
      // Only a party that is talking can be handed on; a call still ringing elsewhere is deflected instead.
      const waiting = others.find((d) => call.connections.get(d)!.state === "connected");
      if (waiting === undefined) return stateError("noActiveCall");
      const observers = [...call.connections.keys()];
      const cleared = [this.removeConn(call, ref.device)];
      const transferredTo = this.partyForDigits(digits);
      call.calling = this.subjectOf(call, waiting);
      call.called = transferredTo;
      call.lastRedirection = devicePartyOf(ref.device);
      call.condition = "callTransfer";
      this.emit(
        {
          type: "transferred",
          primaryOldCall: cleared[0],
          transferringDevice: devicePartyOf(ref.device),
          transferredToDevice: transferredTo,
          transferredConnections: others.map((d) => this.unchanged(call, d)),
          cause: "singleStepTransfer",
        },
        call,
        observers,
        cleared,
      );
      this.route(call, digits, {
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
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected") return stateError("noActiveCall");
      if (!this.plan.extension(deviceToJoin)) return operationError("invalidDestination");
      if (!this.isIdle(deviceToJoin)) return stateError("invalidDestinationDeviceState");
      const call = this.calls.get(ref.callId)!;
      if (call.connections.size + 1 > this.maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const changes = [...call.connections.keys()].map((d) => this.unchanged(call, d));
      this.addConn(call, deviceToJoin, "connected");
      const joined: ConnRef = { callId: call.id, device: deviceToJoin };
      changes.push({ newConnection: joined, endpoint: devicePartyOf(deviceToJoin) });
      this.emit(
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
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      const call = this.calls.get(ref.callId)!;
      // A call-back recall has nobody waiting on it, so there is nothing to deflect.
      if (conn.state !== "alerting" || !this.plan.extension(ref.device) || call.connections.size < 2) {
        return stateError("invalidConnectionState");
      }
      if (!this.isRoutable(digits) || call.connections.has(digits)) {
        return operationError("invalidDestination");
      }
      this.divertRinging(call, ref.device, digits, "redirected", 0);
      return ok(undefined);
    });
  }

  /**
   * What TransferCall and ConferenceCall join: the held call (primary), the active one (secondary), the
   * device holding both, and the active call's other parties, which move; refused when there are none or
   * one is already on the held call.
   */
  private joining(
    held: ConnRef,
    active: ConnRef,
  ): EngineResult<{ primary: Call; secondary: Call; device: DeviceKey; moving: DeviceKey[] }> {
    const pair = this.heldAndActive(held, active);
    if (!pair.ok) return pair;
    const primary = this.calls.get(held.callId)!;
    const secondary = this.calls.get(active.callId)!;
    const device = held.device;
    const moving = [...secondary.connections.keys()].filter((d) => d !== device);
    if (moving.length === 0) return stateError("noActiveCall");
    if (moving.some((d) => primary.connections.has(d))) {
      return operationError("requestIncompatibleWithObject");
    }
    return ok({ primary, secondary, device, moving });
  }
}
