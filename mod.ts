/**
 * cstabox: a CSTA multiplexer, SMDR server and line API for Panasonic PBXs.
 *
 * Imported, this module is the library face: the CSTA codec (framing, ACSE, ROSE, typed operations and
 * events), the CstaClient (TCP, TLS or in-process), and the App for embedding; executed, it runs the
 * appliance:
 *
 * ```sh
 * deno run --allow-all --unstable-raw-imports mod.ts --data-dir ./data
 * ```
 *
 * @example Connect to cstabox (or a Panasonic PBX) and monitor an extension
 * ```ts
 * import { CstaClient } from "./mod.ts";
 * const client = await CstaClient.connect({ hostname: "127.0.0.1", port: 33333 });
 * await client.monitorStart({ deviceIdentifier: { kind: "dialingNumber", value: "101" } });
 * for await (const event of client.events()) console.log(event.name);
 * ```
 *
 * @module
 */

// The appliance
export { App, type AppOptions, version } from "./src/app.ts";
export { defaultSettings, type Settings, settingsSchema } from "./src/settings/schema.ts";
export { SettingsError } from "./src/settings/settings_file.ts";
export type { ListenerInfo, Service, ServiceState, ServiceStatus } from "./src/service.ts";

// The CSTA client
export {
  type CloseInfo,
  CstaClient,
  type CstaClientCommonOptions,
  type CstaClientOptions,
  type CstaClientState,
  type CstaClientStats,
  type InProcessClientOptions,
  type InvokeOptions,
  type RawResult,
} from "./src/client/csta_client.ts";
export {
  CstaAssociationError,
  CstaBusyError,
  CstaClientError,
  CstaClosedError,
  CstaConnectError,
  CstaFailureError,
  CstaRejectError,
  CstaTimeoutError,
  type RequestContext,
} from "./src/client/client_errors.ts";
export type { ClientEvent } from "./src/client/client_event.ts";
export type { IncomingInvoke, InvokeHandler, InvokeReply } from "./src/client/incoming_invoke.ts";
export type { InProcessIdentity, SwitchboardAccess } from "./src/client/in_process_transport.ts";

// The Panasonic PBX simulator (demo mode, tests, trying a CSTA application offline)
export { type SimulatorOptions, SimulatorService } from "./src/sim/sim_service.ts";
export { DevicePlan, DevicePlanError, type DevicePlanOptions } from "./src/sim/device_plan.ts";
export { CallEngine, type EngineResult } from "./src/sim/call_engine.ts";
export {
  BUILTIN_SCENARIOS,
  parseScenario,
  runScenario,
  type Scenario,
  type ScenarioStep,
} from "./src/sim/scenario.ts";
export { TrafficGenerator, type TrafficOptions } from "./src/sim/traffic.ts";
export type { SecondClientPolicy } from "./src/sim/sim_server.ts";
export type { ReleaseStyle } from "./src/sim/faults.ts";
export type { DuplicateMonitorPolicy } from "./src/sim/monitors.ts";
export type { DeviceForm } from "./src/sim/device_addressing.ts";

// The CSTA codec
export { encodeFrame, FrameReassembler } from "./src/csta/framing.ts";
export { type ApduPeek, peekApdu } from "./src/csta/peek.ts";
export { replaceCrossRefId, replaceInvokeId, rewriteApdu } from "./src/csta/rewrite.ts";
export { type Apdu, decodeApdu, encodeApdu } from "./src/csta/apdu.ts";
export {
  decodeAcse,
  encodeAareRejected,
  encodeLoginAarq,
  panasonicAareAccepted,
  panasonicAarq,
} from "./src/csta/acse.ts";
export { encodeInvoke, encodeReject, encodeReturnError, encodeReturnResult } from "./src/csta/rose.ts";
export {
  decodeTypedArgument,
  decodeTypedResult,
  encodeTypedInvoke,
  encodeTypedResult,
  operations,
} from "./src/csta/operations.ts";
export { type CstaEvent, decodeEventReport, encodeEventReport } from "./src/csta/event_report.ts";
export { Opcode, opcodeName } from "./src/csta/opcodes.ts";
export { type DeviceID, deviceNumber, dialingNumber } from "./src/csta/device_id.ts";
export { describeUniversalFailure, type UniversalFailure } from "./src/csta/universal_failure.ts";
export { CstaDecodeError, CstaEncodeError } from "./src/csta/decode_error.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli.ts");
  Deno.exit(await main(Deno.args));
}
