// The multiplexer's policy for the answers it gives itself instead of the PBX: which failure or reject means
// what (§13 design points 2, 4, 7, 8). The bytes are made in src/csta (rose.ts, monitoring.ts, …).

import { encodeReject, encodeReturnError, rejectForUnreadable } from "../csta/rose.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";

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

/**
 * The Reject for a frame the peek could not read: general/unrecognizedPDU, badlyStructuredPDU or
 * mistypedPDU, under the frame's own invoke ID when that is readable (X.880, see `rejectForUnreadable`).
 */
export function malformedReject(apdu: Uint8Array): Uint8Array {
  const { invokeId, problem } = rejectForUnreadable(apdu);
  return encodeReject(invokeId, problem);
}

/** Reject invoke/unrecognizedOperation: no such operation here (unknown, or one only the switch invokes). */
export function unrecognizedOperationReject(invokeId: number): Uint8Array {
  return encodeReject(invokeId, { kind: "invoke", value: "unrecognizedOperation" });
}

/** Reject invoke/duplicateInvocation: the application's invoke ID is already in flight. X.880 [C-std] */
export function duplicateInvocationReject(invokeId: number): Uint8Array {
  return encodeReject(invokeId, { kind: "invoke", value: "duplicateInvocation" });
}

/**
 * Reject returnResult/unrecognizedInvocation or returnError/unrecognizedInvocation: the application
 * answered an invoke ID that cstabox has no outstanding invoke under. X.880 [C-std]
 */
export function unrecognizedInvocationReject(
  invokeId: number,
  answer: "returnResult" | "returnError",
): Uint8Array {
  return encodeReject(invokeId, { kind: answer, value: "unrecognizedInvocation" });
}
