// The simulated PBX's call model, part 5 of 6: device features (§7), mirroring csta/device_features.ts:
// call forwarding and do-not-disturb, set and queried.

import { type DeviceKey, devicePartyOf, type ForwardingTypeName } from "./call_facts.ts";
import type { ForwardingSetting } from "./device_features.ts";
import { type EngineResult, ok, operationError } from "./engine_state.ts";
import { EngineCallFeatures } from "./engine_call_features.ts";

export abstract class EngineDeviceFeatures extends EngineCallFeatures {
  /** SetForwarding (317). */
  setForwarding(
    device: DeviceKey,
    type: ForwardingTypeName,
    activate: boolean,
    destination?: string,
    ringDurationMs?: number,
  ): EngineResult<void> {
    return this.op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      if (activate && (!destination || !this.isRoutable(destination) || destination === device)) {
        return operationError("invalidForwardingDestination");
      }
      const setting: ForwardingSetting = { type, destination: destination ?? "", ringDurationMs };
      this.features.setForwarding(device, setting, activate);
      this.emit(
        {
          type: "forwarding",
          device: devicePartyOf(device),
          forwardingType: type,
          forwardStatus: activate,
          ...(activate && destination ? { forwardTo: this.partyForDigits(destination) } : {}),
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
    return this.op(() => {
      if (!this.plan.extension(device)) return operationError("invalidDeviceID");
      this.features.setDoNotDisturb(device, on);
      this.emit({ type: "doNotDisturb", device: devicePartyOf(device), doNotDisturbOn: on }, undefined, [
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
}
