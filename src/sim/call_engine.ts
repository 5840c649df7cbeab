// The simulated PBX's call model: calls, connections and their states, and the services that change them,
// reporting each change as the events a Panasonic PBX sends (§8.4). Pure: no I/O, time from a Clock.
// Built in six parts by service family, each extending the one before: engine_state.ts (the data and its
// bookkeeping), engine_offering.ts (routing, ringing, answer, release), engine_call_control.ts,
// engine_call_features.ts, engine_device_features.ts (mirroring csta/) and engine_network.ts.

import { EngineNetwork } from "./engine_network.ts";

export type {
  CallEngineOptions,
  CallSnapshot,
  DeviceConnection,
  EngineResult,
  LiveState,
} from "./engine_state.ts";

/**
 * Calls and connections of the simulated PBX. Services mirror the CSTA ones (§6, §7); physical and
 * network actions (off-hook, incoming trunk call, far end answering) drive the same model. Every change
 * goes to the subscribers as {@link EngineFact}s, synchronously and in order.
 */
export class CallEngine extends EngineNetwork {}
