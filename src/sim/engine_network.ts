// The simulated PBX's call model, part 6 of 6: physical and network actions that drive the same model
// (off-hook, an incoming trunk call, the far end alerting, answering, busy or releasing, a device removed).

import { type ConnRef, type DeviceKey, devicePartyOf, type Party } from "./call_facts.ts";
import type { PlanDevice } from "./device_plan.ts";
import { type EngineResult, ok, operationError, resourceError, stateError } from "./engine_state.ts";
import { EngineDeviceFeatures } from "./engine_device_features.ts";

export abstract class EngineNetwork extends EngineDeviceFeatures {
  /** The user lifts the handset: ServiceInitiated, then digits come with {@link dialDigits}. */
  offHook(device: DeviceKey): EngineResult<ConnRef> {
    return this.op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      if (this.hasActiveOrRinging(device)) return stateError("invalidDeviceState");
      const call = this.newCall("internal", devicePartyOf(device), { kind: "notKnown" });
      this.addConn(call, device, "initiated");
      const ref = { callId: call.id, device };
      this.emit(
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
    return this.op(() => {
      const destination = this.plan.ddiDestination(options.ddi);
      if (!destination) return operationError("invalidDestination");
      const trunk = options.trunk ?? this.freeTrunk();
      if (!trunk) return resourceError("resourceBusy");
      if (this.plan.device(trunk)?.kind !== "trunk") return operationError("invalidDeviceID");
      if (!this.isIdle(trunk)) return resourceError("resourceBusy");
      const cli: Party = options.cli === undefined
        ? { kind: "notKnown" }
        : options.cli === "restricted"
        ? { kind: "restricted" }
        : { kind: "external", number: options.cli };
      const call = this.newCall("incoming", cli, devicePartyOf(destination));
      call.trunk = trunk;
      call.network = {
        associatedCallingDevice: devicePartyOf(trunk),
        networkCallingDevice: cli,
        networkCalledDevice: { kind: "external", number: options.ddi },
      };
      const conn = this.addConn(call, trunk, "connected");
      conn.remote = cli;
      this.route(call, destination, { waiting: trunk, cause: "newCall", hops: 0 });
      return ok({ callId: call.id, device: trunk });
    });
  }

  /** The far end of an outgoing call rings (ISDN alerting). */
  networkAlert(trunk: DeviceKey): EngineResult<void> {
    return this.op(() => {
      const conn = this.trunkConn(trunk);
      if (!conn || conn.state !== "initiated") return stateError("invalidConnectionState");
      const call = this.calls.get(conn.callId)!;
      this.setState(conn, "alerting");
      this.emit(
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
    return this.op(() => {
      const conn = this.trunkConn(trunk);
      if (!conn || (conn.state !== "initiated" && conn.state !== "alerting")) {
        return stateError("noCallToAnswer");
      }
      this.answer(this.calls.get(conn.callId)!, conn);
      return ok(undefined);
    });
  }

  /** The far end of an outgoing call is busy: the call fails. */
  networkBusy(trunk: DeviceKey): EngineResult<void> {
    return this.op(() => {
      const conn = this.trunkConn(trunk);
      if (!conn || (conn.state !== "initiated" && conn.state !== "alerting")) {
        return stateError("invalidConnectionState");
      }
      const call = this.calls.get(conn.callId)!;
      const remote = conn.remote!;
      const cleared = this.removeConn(call, trunk);
      const waiting = this.waitingParty(call);
      this.fail(call, waiting, remote, "busy", [trunk], [cleared]);
      return ok(undefined);
    });
  }

  /** The far end hangs up (or the caller of an incoming call gives up). */
  networkRelease(trunk: DeviceKey): EngineResult<void> {
    return this.op(() => {
      const conn = this.trunkConn(trunk);
      if (!conn) return stateError("noConnectionToClear");
      this.release(this.calls.get(conn.callId)!, trunk, "normalClearing");
      return ok(undefined);
    });
  }

  /** Removes a device from the plan (SwitchingFunctionDevicesChanged follows); refused while it has calls. */
  removeDevice(number: DeviceKey): EngineResult<PlanDevice> {
    const device = this.plan.device(number);
    if (!device) return operationError("invalidDeviceID");
    if (!this.isIdle(number) || (this.queues.get(number)?.length ?? 0) > 0) {
      return stateError("invalidDeviceState");
    }
    this.features.forget(number);
    for (let i = this.callBacks.length - 1; i >= 0; i--) {
      const r = this.callBacks[i];
      if (r.requester === number || r.target === number) this.callBacks.splice(i, 1);
    }
    return ok(this.plan.remove(number));
  }
}
