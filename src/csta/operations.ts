// The typed operation table: operation name → opcode, argument codec and result codec, with encode and
// decode helpers whose value types follow from the name (`encodeTypedInvoke(7, "makeCall", arg)`).

import {
  alternateCallArgument,
  answerCallArgument,
  clearCallArgument,
  clearConnectionArgument,
  conferenceCallArgument,
  conferenceCallResult,
  consultationCallArgument,
  consultationCallResult,
  deflectCallArgument,
  holdCallArgument,
  makeCallArgument,
  makeCallResult,
  reconnectCallArgument,
  retrieveCallArgument,
  singleStepConferenceCallArgument,
  singleStepConferenceCallResult,
  singleStepTransferCallArgument,
  singleStepTransferCallResult,
  transferCallArgument,
  transferCallResult,
} from "./call_control.ts";
import {
  callBackArgument,
  callBackResult,
  campOnCallArgument,
  dialDigitsArgument,
  directedPickupCallArgument,
  generateDigitsArgument,
  groupPickupCallArgument,
  intrudeCallArgument,
  intrudeCallResult,
  pickupCallResult,
} from "./call_features.ts";
import {
  cdrReportArgument,
  startCDRTransmissionArgument,
  startCDRTransmissionResult,
  stopCDRTransmissionArgument,
} from "./call_detail_records.ts";
import { type Codec, decodeValue, type Infer } from "./codec.ts";
import {
  getDoNotDisturbArgument,
  getDoNotDisturbResult,
  getForwardingArgument,
  getForwardingResult,
  setDoNotDisturbArgument,
  setForwardingArgument,
} from "./device_features.ts";
import { escapeArgument } from "./escape.ts";
import { eventReportArgument } from "./event_report.ts";
import { noDataResult } from "./extensions.ts";
import {
  changeMonitorFilterArgument,
  changeMonitorFilterResult,
  monitorStartArgument,
  monitorStartResult,
  monitorStopArgument,
} from "./monitoring.ts";
import { Opcode } from "./opcodes.ts";
import { encodeInvoke, encodeReturnResult, type InvokeApdu, type RawValue } from "./rose.ts";
import {
  snapshotCallArgument,
  snapshotCallResult,
  snapshotDeviceArgument,
  snapshotDeviceResult,
} from "./snapshot.ts";
import {
  getSwitchingFunctionDevicesArgument,
  getSwitchingFunctionDevicesResult,
  requestSystemStatusArgument,
  requestSystemStatusResult,
  switchingFunctionDevicesArgument,
  switchingFunctionDevicesChangedArgument,
  systemRegisterArgument,
  systemRegisterResult,
  systemStatusArgument,
} from "./system_services.ts";
import { CstaDecodeError } from "./decode_error.ts";

/** One operation: its code, argument codec and result codec (`null`: never answered with a result). */
export interface OperationSpec<A, R> {
  readonly opcode: number;
  readonly argument: Codec<A>;
  readonly result: Codec<R> | null;
}

// deno-lint-ignore no-explicit-any
function op<A, RC extends Codec<any> | null>(
  opcode: number,
  argument: Codec<A>,
  result: RC,
): { readonly opcode: number; readonly argument: Codec<A>; readonly result: RC } {
  return { opcode, argument, result };
}

/** The operations with typed codecs, by ECMA-285 operation name (the keys of {@link Opcode}). */
export const operations = {
  alternateCall: op(Opcode.alternateCall, alternateCallArgument, noDataResult),
  answerCall: op(Opcode.answerCall, answerCallArgument, noDataResult),
  clearCall: op(Opcode.clearCall, clearCallArgument, noDataResult),
  clearConnection: op(Opcode.clearConnection, clearConnectionArgument, noDataResult),
  conferenceCall: op(Opcode.conferenceCall, conferenceCallArgument, conferenceCallResult),
  consultationCall: op(Opcode.consultationCall, consultationCallArgument, consultationCallResult),
  holdCall: op(Opcode.holdCall, holdCallArgument, noDataResult),
  makeCall: op(Opcode.makeCall, makeCallArgument, makeCallResult),
  reconnectCall: op(Opcode.reconnectCall, reconnectCallArgument, noDataResult),
  retrieveCall: op(Opcode.retrieveCall, retrieveCallArgument, noDataResult),
  transferCall: op(Opcode.transferCall, transferCallArgument, transferCallResult),
  singleStepConf: op(Opcode.singleStepConf, singleStepConferenceCallArgument, singleStepConferenceCallResult),
  cSTAEventReport: op(Opcode.cSTAEventReport, eventReportArgument, null),
  singleStepTrans: op(Opcode.singleStepTrans, singleStepTransferCallArgument, singleStepTransferCallResult),
  escape: op(Opcode.escape, escapeArgument, noDataResult),
  monitorStart: op(Opcode.monitorStart, monitorStartArgument, monitorStartResult),
  changeMonitorFilter: op(Opcode.changeMonitorFilter, changeMonitorFilterArgument, changeMonitorFilterResult),
  monitorStop: op(Opcode.monitorStop, monitorStopArgument, noDataResult),
  snapshotDevice: op(Opcode.snapshotDevice, snapshotDeviceArgument, snapshotDeviceResult),
  snapshotCall: op(Opcode.snapshotCall, snapshotCallArgument, snapshotCallResult),
  getSwitchingFunctionDevices: op(
    Opcode.getSwitchingFunctionDevices,
    getSwitchingFunctionDevicesArgument,
    getSwitchingFunctionDevicesResult,
  ),
  switchingFunctionDevices: op(Opcode.switchingFunctionDevices, switchingFunctionDevicesArgument, null),
  systemRegister: op(Opcode.systemRegister, systemRegisterArgument, systemRegisterResult),
  requestSysStat: op(Opcode.requestSysStat, requestSystemStatusArgument, requestSystemStatusResult),
  systemStatus: op(Opcode.systemStatus, systemStatusArgument, noDataResult),
  swFunctionCapsChanged: op(
    Opcode.swFunctionCapsChanged,
    switchingFunctionDevicesChangedArgument,
    noDataResult,
  ),
  swFunctionDevicesChanged: op(
    Opcode.swFunctionDevicesChanged,
    switchingFunctionDevicesChangedArgument,
    noDataResult,
  ),
  callBack: op(Opcode.callBack, callBackArgument, callBackResult),
  camponCall: op(Opcode.camponCall, campOnCallArgument, noDataResult),
  deflectCall: op(Opcode.deflectCall, deflectCallArgument, noDataResult),
  dialDigits: op(Opcode.dialDigits, dialDigitsArgument, noDataResult),
  directedPickupCall: op(Opcode.directedPickupCall, directedPickupCallArgument, pickupCallResult),
  groupPickupCall: op(Opcode.groupPickupCall, groupPickupCallArgument, pickupCallResult),
  intrudeCall: op(Opcode.intrudeCall, intrudeCallArgument, intrudeCallResult),
  generateDigits: op(Opcode.generateDigits, generateDigitsArgument, noDataResult),
  getDoNotDisturb: op(Opcode.getDoNotDisturb, getDoNotDisturbArgument, getDoNotDisturbResult),
  getForwarding: op(Opcode.getForwarding, getForwardingArgument, getForwardingResult),
  setDoNotDisturb: op(Opcode.setDoNotDisturb, setDoNotDisturbArgument, noDataResult),
  setForwarding: op(Opcode.setForwarding, setForwardingArgument, noDataResult),
  cDRReport: op(Opcode.cDRReport, cdrReportArgument, noDataResult),
  startCDRTransmission: op(
    Opcode.startCDRTransmission,
    startCDRTransmissionArgument,
    startCDRTransmissionResult,
  ),
  stopCDRTransmission: op(Opcode.stopCDRTransmission, stopCDRTransmissionArgument, noDataResult),
} as const;

/** Name of an operation with typed codecs. */
export type OperationName = keyof typeof operations;

/** The argument value type of an operation. */
export type ArgumentOf<N extends OperationName> = Infer<(typeof operations)[N]["argument"]>;

/** The result value type of an operation (`never` for operations without a result). */
export type ResultOf<N extends OperationName> = (typeof operations)[N]["result"] extends Codec<infer R> ? R
  : never;

/** Operations that have a result codec. */
export type AnsweredOperationName = {
  [N in OperationName]: (typeof operations)[N]["result"] extends null ? never : N;
}[OperationName];

const NAMES_BY_OPCODE: ReadonlyMap<number, OperationName> = new Map(
  (Object.entries(operations) as [OperationName, AnySpec][]).map(([name, spec]) => [
    spec.opcode,
    name,
  ]),
);

/** The typed operation for an opcode, or `undefined` if cstabox has no codec for it. */
export function operationOf(opcode: number): OperationName | undefined {
  return NAMES_BY_OPCODE.get(opcode);
}

// deno-lint-ignore no-explicit-any
type AnySpec = OperationSpec<any, any>;

/** The spec of an operation, widened: the public helpers restore the precise types. */
function specOf(operation: OperationName): AnySpec {
  return (operations as Record<OperationName, AnySpec>)[operation];
}

function bytesOf(value: RawValue | Uint8Array): [Uint8Array, number] {
  return value instanceof Uint8Array ? [value, 0] : [value.bytes, value.offset];
}

/** Encodes a typed Invoke: `A1 { id, opcode, argument }`. */
export function encodeTypedInvoke<N extends OperationName>(
  invokeId: number,
  operation: N,
  argument: ArgumentOf<N>,
): Uint8Array {
  const spec = specOf(operation);
  return encodeInvoke(invokeId, spec.opcode, spec.argument.encode(argument));
}

/** Encodes a typed ReturnResult: `A2 { id, 30 { opcode, result } }`. */
export function encodeTypedResult<N extends AnsweredOperationName>(
  invokeId: number,
  operation: N,
  result: ResultOf<N>,
): Uint8Array {
  const spec = specOf(operation);
  return encodeReturnResult(invokeId, { opcode: spec.opcode, value: spec.result!.encode(result) });
}

/** Decodes an operation argument from its raw element (error offsets relative to the APDU). */
export function decodeTypedArgument<N extends OperationName>(
  operation: N,
  argument: RawValue | Uint8Array,
): ArgumentOf<N> {
  const [bytes, offset] = bytesOf(argument);
  return decodeValue(specOf(operation).argument, bytes, offset);
}

/** Decodes an operation result value from its raw element. */
export function decodeTypedResult<N extends AnsweredOperationName>(
  operation: N,
  result: RawValue | Uint8Array,
): ResultOf<N> {
  const [bytes, offset] = bytesOf(result);
  return decodeValue(specOf(operation).result!, bytes, offset);
}

/** An invoke with its decoded argument, discriminated by operation name. */
export type TypedInvoke = {
  [N in OperationName]: { operation: N; invokeId: number; argument: ArgumentOf<N> };
}[OperationName];

/**
 * Decodes the argument of an Invoke APDU by its opcode. Returns `undefined` for opcodes without a typed
 * codec (forward those as bytes); throws {@link CstaDecodeError} when the argument is missing or malformed.
 */
export function decodeTypedInvoke(invoke: InvokeApdu): TypedInvoke | undefined {
  const operation = operationOf(invoke.opcode);
  if (operation === undefined) return undefined;
  if (invoke.argument === undefined) {
    throw new CstaDecodeError(`${operation} argument`, 0, "invoke carries no argument");
  }
  const argument = decodeTypedArgument(operation, invoke.argument);
  return { operation, invokeId: invoke.invokeId, argument } as TypedInvoke;
}
