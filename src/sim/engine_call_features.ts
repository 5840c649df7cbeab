// The simulated PBX's call model, part 4 of 6: call-related features (§7), mirroring csta/call_features.ts:
// group and directed pickup, GenerateDigits, DialDigits, CallBack, CampOn, IntrudeCall, and the Panasonic
// account code and caller name.

import { type ConnRef, type DeviceKey, devicePartyOf } from "./call_facts.ts";
import {
  ACCOUNT_CODE,
  CALLER_NAME,
  DIALLED_DIGITS,
  DTMF_DIGITS,
  type EngineResult,
  ok,
  operationError,
  resourceError,
  stateError,
} from "./engine_state.ts";
import { EngineCallControl } from "./engine_call_control.ts";

export abstract class EngineCallFeatures extends EngineCallControl {
  /** GroupPickupCall (221): `picker` takes the oldest call ringing in its pickup group. */
  groupPickup(picker: DeviceKey): EngineResult<ConnRef> {
    return this.op(() => {
      if (!this.plan.extension(picker)) return operationError("invalidDeviceID");
      if (this.hasActiveOrRinging(picker)) return stateError("invalidDeviceState");
      const ringing = this.plan.pickupPartners(picker)
        .flatMap((e) => [...(this.byDevice.get(e.number)?.values() ?? [])])
        .filter((c) => {
          const call = this.calls.get(c.callId)!;
          return c.state === "alerting" && !call.recall && !call.connections.has(picker);
        })
        .sort((a, b) => a.since - b.since)[0];
      if (!ringing) return stateError("noCallToAnswer");
      return ok(this.pickup(this.calls.get(ringing.callId)!, ringing.device, picker));
    });
  }

  /** DirectedPickupCall (220): `picker` takes the call ringing at `ref`. */
  directedPickup(ref: ConnRef, picker: DeviceKey): EngineResult<ConnRef> {
    return this.op(() => {
      if (!this.plan.extension(picker)) return operationError("invalidDeviceID");
      const conn = this.conn(ref);
      if (!conn || conn.state !== "alerting" || !this.plan.extension(ref.device) || ref.device === picker) {
        return stateError("noCallToAnswer");
      }
      const call = this.calls.get(ref.callId)!;
      if (this.hasActiveOrRinging(picker) || call.connections.has(picker) || call.recall) {
        return stateError("invalidDeviceState");
      }
      return ok(this.pickup(call, ref.device, picker));
    });
  }

  /** GenerateDigits (232): DTMF on a connected call. */
  generateDigits(ref: ConnRef, digits: string): EngineResult<void> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "connected") return stateError("invalidConnectionState");
      if (!DTMF_DIGITS.test(digits)) return operationError("invalidParameterValue");
      const call = this.calls.get(ref.callId)!;
      this.emit({ type: "digitsGenerated", connection: ref, digits }, call, call.connections.keys(), []);
      return ok(undefined);
    });
  }

  /**
   * A user keys an account code during a call (Panasonic's account code entry): every party on the call
   * is told by a CallInformation event carrying the code as accountInfo. §8.3 [C-std]; that a Panasonic
   * PBX reports account code entry this way is not documented [?].
   */
  enterAccountCode(ref: ConnRef, code: string): EngineResult<void> {
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (!this.plan.extension(ref.device)) return operationError("invalidDeviceID");
      if (conn.state !== "connected") return stateError("invalidConnectionState");
      if (!ACCOUNT_CODE.test(code)) return operationError("invalidParameterValue");
      const call = this.calls.get(ref.callId)!;
      this.emit(
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
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (!CALLER_NAME.test(name)) return operationError("invalidParameterValue");
      const call = this.calls.get(ref.callId)!;
      // A name needs a number to go with: a withheld or unknown caller cannot be named.
      if (call.calling.kind !== "external" && call.calling.kind !== "device") {
        return operationError("invalidCallingDeviceID");
      }
      this.emit(
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
    return this.op(() => {
      const conn = this.conn(ref);
      if (!conn) return operationError("invalidConnectionID");
      if (conn.state !== "initiated") return stateError("invalidConnectionState");
      if (!DIALLED_DIGITS.test(digits)) return operationError("invalidParameterValue");
      const call = this.calls.get(ref.callId)!;
      call.dialled += digits;
      if (this.plan.dial(call.dialled).kind === "incomplete") return ok(undefined);
      call.direction = this.directionOf(call.dialled);
      call.called = this.partyForDigits(call.dialled);
      call.record.called = call.called;
      this.setState(conn, "connected");
      this.emit(
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
      this.route(call, call.dialled, { waiting: ref.device, cause: "newCall", hops: 0 });
      return ok(undefined);
    });
  }

  /** CallBack (215) on a call that failed busy: the attempt ends, and the PBX rings back when the target is free. */
  callBack(ref: ConnRef): EngineResult<DeviceKey> {
    return this.op(() => {
      const target = this.busyTarget(ref);
      if (!target.ok) return target;
      const index = this.callBacks.findIndex((r) => r.requester === ref.device);
      if (index >= 0) this.callBacks.splice(index, 1);
      this.callBacks.push({ requester: ref.device, target: target.value });
      this.release(this.calls.get(ref.callId)!, ref.device, "callBack");
      return ok(target.value);
    });
  }

  /** CampOnCall (217) on a call that failed busy: it rings (call waiting) at the busy extension. */
  campOn(ref: ConnRef): EngineResult<void> {
    return this.op(() => {
      const target = this.busyTarget(ref);
      if (!target.ok) return target;
      const call = this.calls.get(ref.callId)!;
      call.failure = undefined;
      this.alert(call, target.value, { waiting: ref.device, cause: "campOn", hops: 0 });
      return ok(undefined);
    });
  }

  /** IntrudeCall (222) on a call that failed busy: the caller joins the busy extension's active call. */
  intrudeCall(ref: ConnRef): EngineResult<ConnRef> {
    return this.op(() => {
      const target = this.busyTarget(ref);
      if (!target.ok) return target;
      const active = [...(this.byDevice.get(target.value)?.values() ?? [])].find((c) =>
        c.state === "connected"
      );
      if (!active) return stateError("invalidCalledDeviceState");
      const joined = this.calls.get(active.callId)!;
      if (joined.connections.has(ref.device)) return stateError("invalidCalledDeviceState");
      if (joined.connections.size + 1 > this.maxConferenceParties) {
        return resourceError("conferenceMemberLimitExceeded");
      }
      const failed = this.calls.get(ref.callId)!;
      const changes = [...joined.connections.keys()].map((d) => this.unchanged(joined, d));
      const change = this.moveConn(failed, joined, ref.device);
      this.setState(joined.connections.get(ref.device)!, "connected");
      changes.push(change);
      const observers = [...joined.connections.keys()];
      this.emit(
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
      if (failed.connections.size === 0) this.forgetCall(failed);
      else this.afterPartyLeft(failed, "normalClearing");
      return ok(change.newConnection);
    });
  }
}
