// The APDUs the multiplexer writes itself instead of forwarding: local answers to applications (as the
// PBX would give them, §13 design points 2, 4, 7, 8) and the invokes it sends on its own account.

import { constructed, tlv } from "../csta/ber_writer.ts";
import { Opcode } from "../csta/opcodes.ts";
import { encodeInvoke, encodeReject, encodeReturnError, encodeReturnResult, NO_DATA } from "../csta/rose.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";

const MONITOR_CROSS_REF_TAG = 0x55;

/** SystemStatus values (§9 [C-std]). */
export const SystemStatusValue = { normal: 2, messagesLost: 3, disabled: 4 } as const;

/** `A2 { id, 30 { opcode, 05 00 } }`: the noData answer Panasonic itself uses. §3 [C-pbx] */
export function noDataAnswer(invokeId: number, opcode: number): Uint8Array {
  return encodeReturnResult(invokeId, { opcode, value: NO_DATA });
}

/** MonitorStart result `30 { 55 xref, [A0 actualmonitorFilter] }`. §8.1 [C-std], §13 point 2 */
export function monitorStartAnswer(
  invokeId: number,
  appXref: Uint8Array,
  filterElement?: Uint8Array,
): Uint8Array {
  const parts = [tlv(MONITOR_CROSS_REF_TAG, appXref)];
  if (filterElement) parts.push(filterElement);
  return encodeReturnResult(invokeId, { opcode: Opcode.monitorStart, value: constructed(0x30, parts) });
}

/** ChangeMonitorFilter result `30 { [A0 actualFilterList] }`. §8.2 [C-std] */
export function changeMonitorFilterAnswer(invokeId: number, filterElement?: Uint8Array): Uint8Array {
  return encodeReturnResult(invokeId, {
    opcode: Opcode.changeMonitorFilter,
    value: constructed(0x30, filterElement ? [filterElement] : []),
  });
}

/** A ReturnError with a UniversalFailure. */
export function failureAnswer(invokeId: number, failure: UniversalFailure): Uint8Array {
  return encodeReturnError(invokeId, failure);
}

/** The PBX is unreachable: requests fail fast rather than wait. */
export const linkDownFailure: UniversalFailure = {
  kind: "systemResourceAvailability",
  value: "resourceOutOfService",
};
/** The PBX did not answer within the request timeout. */
export const timeoutFailure: UniversalFailure = {
  kind: "performanceManagement",
  value: "performanceLimitExceeded",
};
/** A second owner of an exclusive service (CDR, hotel), as estos answers it. §10, §13 point 8 */
export const exclusiveServiceTakenFailure: UniversalFailure = { kind: "operation", value: "generic" };
/** No licence seat for a new monitored device. */
export const noLicenceFailure: UniversalFailure = {
  kind: "subscribedResourceAvailability",
  value: "objectMonitorLimitExceeded",
};
export const unknownCrossRefFailure: UniversalFailure = {
  kind: "operation",
  value: "invalidMonitorCrossRefID",
};
export const mistypedArgumentFailure: UniversalFailure = {
  kind: "operation",
  value: "invalidParameterValue",
};

/** Reject invoke/resourceLimitation: too many requests of this application in flight. */
export function tooManyRequestsReject(invokeId: number): Uint8Array {
  return encodeReject(invokeId, { kind: "invoke", value: "resourceLimitation" });
}

/** Reject general/badlyStructuredPDU, with a NULL id because the frame could not be read. §3 [C-std] */
export function malformedReject(): Uint8Array {
  return encodeReject(null, { kind: "general", value: "badlyStructuredPDU" });
}

export function unrecognizedOperationReject(invokeId: number): Uint8Array {
  return encodeReject(invokeId, { kind: "invoke", value: "unrecognizedOperation" });
}

/** SystemStatus invoke `A1 { id, 211, 30 { 0A status } }`, as the PBX sends it. §9 [C-pbx] */
export function systemStatusInvoke(invokeId: number, status: number): Uint8Array {
  return encodeInvoke(invokeId, Opcode.systemStatus, constructed(0x30, [tlv(0x0a, Uint8Array.of(status))]));
}

/** MonitorStart invoke for the PBX: the device only, no filter (the monitor is shared). §13 point 3 */
export function monitorStartInvoke(invokeId: number, monitorObject: Uint8Array): Uint8Array {
  return encodeInvoke(invokeId, Opcode.monitorStart, constructed(0x30, [monitorObject]));
}

/** MonitorStop invoke `30 { 55 xref }`, towards the PBX or to tell an application. §8.2 [C-std] */
export function monitorStopInvoke(invokeId: number, xref: Uint8Array): Uint8Array {
  return encodeInvoke(invokeId, Opcode.monitorStop, constructed(0x30, [tlv(MONITOR_CROSS_REF_TAG, xref)]));
}

/** StopCallDetailRecordsTransmission `30 { 04 cdrCrossRefID }`. §10 [C-std] */
export function stopCdrInvoke(invokeId: number, cdrCrossRefId: Uint8Array): Uint8Array {
  return encodeInvoke(invokeId, Opcode.stopCDRTransmission, constructed(0x30, [tlv(0x04, cdrCrossRefId)]));
}
