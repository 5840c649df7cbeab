// The line API's errors: TAPI-style LINEERR_* codes with their HTTP status, and the one table that maps a
// CSTA UniversalFailure (or a client-side timeout or closed link) to them, with a message that names the
// line, the call and the PBX's reason.

import {
  CstaClosedError,
  CstaFailureError,
  CstaRejectError,
  CstaTimeoutError,
} from "../client/client_errors.ts";
import { describeUniversalFailure, type UniversalFailure } from "../csta/universal_failure.ts";
import { errorText } from "../log/error_text.ts";

/** The codes the line API answers with, each with its HTTP status and when it is used (docs/line-api.md). */
export const LINE_ERRORS = {
  LINEERR_INVALPARAM: { status: 400, when: "a field of the request is missing or wrong (`field` names it)" },
  LINEERR_INVALADDRESS: {
    status: 400,
    when: "a number cannot be dialled, the dialling rules suppress it, or the PBX refused the destination",
  },
  LINEERR_BADDEVICEID: { status: 404, when: "no line with this number is configured" },
  LINEERR_INVALCALLHANDLE: { status: 404, when: "no call with this callId on a line you opened" },
  LINEERR_INVALLINEHANDLE: { status: 409, when: "the line is not open for you (open it first)" },
  LINEERR_INVALCALLSTATE: { status: 409, when: "the call is in a state that does not allow the operation" },
  LINEERR_NOTOWNER: {
    status: 403,
    when: "your token has no right to this line, or only read access",
  },
  LINEERR_OPERATIONUNAVAIL: {
    status: 403,
    when: "the line is disabled, or the PBX does not offer the operation for this device",
  },
  LINEERR_RESOURCEUNAVAIL: {
    status: 403,
    when:
      "no licence: the trial is over, all licensed lines are in use, or the PBX's monitor limit is reached",
  },
  LINEERR_INUSE: { status: 409, when: "the PBX says the device or a resource it needs is busy" },
  LINEERR_NODRIVER: { status: 503, when: "the link to the PBX is down" },
  LINEERR_OPERATIONFAILED: {
    status: 502,
    when: "the PBX refused for another reason (the message says which)",
  },
  LINEERR_TIMEOUT: { status: 504, when: "the PBX did not answer in time" },
} as const;

export type LineErrorCode = keyof typeof LINE_ERRORS;

/** A failed line API request: the code, the HTTP status from the table, and the words for the client. */
export class LineApiError extends Error {
  override readonly name = "LineApiError";
  readonly status: (typeof LINE_ERRORS)[LineErrorCode]["status"];
  constructor(readonly code: LineErrorCode, message: string, readonly field?: string) {
    super(message);
    this.status = LINE_ERRORS[code].status;
  }
}

/** Operation errors that say the destination number is wrong. §12 [C-std] */
const ADDRESS_ERRORS = new Set<string>([
  "invalidCalledDeviceID",
  "invalidDestination",
  "invalidForwardingDestination",
  "invalidDestinationDeviceID",
  "privilegeViolationCalledDevice",
  "privilegeViolationDestinationDevice",
  "requestIncompatibleWithCalledDevice",
]);
/** Operation errors that say the PBX no longer knows the call. */
const CALL_ERRORS = new Set<string>([
  "invalidCallID",
  "invalidConnectionID",
  "invalidActiveCallID",
  "invalidHeldCallID",
  "invalidActiveConnectionID",
  "invalidHeldConnectionID",
]);
/** Operation errors that say the PBX does not do this. */
const UNAVAILABLE_ERRORS = new Set<string>([
  "serviceNotSupported",
  "invalidFeature",
  "parameterNotSupported",
  "requestIncompatibleWithObject",
  "requestIncompatibleWithDevice",
  "privilegeViolationSpecifiedDevice",
]);

/** Where a failed request happened, for the message. */
export interface FailureContext {
  /** `lineMakeCall`, … */
  operation: string;
  line: string;
  callId?: string;
  /** The request field a refused destination came from (`to`, `from`, `digits`). */
  addressField?: string;
}

/** The one mapping from a UniversalFailure to a line API error. */
export function lineErrorOfFailure(failure: UniversalFailure, context: FailureContext): LineApiError {
  const reason = describeUniversalFailure(failure);
  const where = `${context.operation} on line ${context.line}${
    context.callId ? `, call ${context.callId}` : ""
  }`;
  const text = (what: string) => `${where}: ${what} (PBX: ${reason})`;
  switch (failure.kind) {
    case "stateIncompatibility":
      return new LineApiError("LINEERR_INVALCALLSTATE", text("the call's state does not allow it"));
    case "subscribedResourceAvailability":
      return new LineApiError("LINEERR_RESOURCEUNAVAIL", text("no monitor or licence is available"));
    case "systemResourceAvailability":
      return new LineApiError("LINEERR_INUSE", text("the PBX has no resource for it now"));
    case "performanceManagement":
      return new LineApiError("LINEERR_TIMEOUT", text("the PBX did not answer in time"));
    case "operation": {
      const value = String(failure.value);
      if (ADDRESS_ERRORS.has(value)) {
        return new LineApiError(
          "LINEERR_INVALADDRESS",
          text("the PBX refused the number"),
          context.addressField,
        );
      }
      if (CALL_ERRORS.has(value)) {
        return new LineApiError("LINEERR_INVALCALLHANDLE", text("the PBX no longer knows the call"));
      }
      if (UNAVAILABLE_ERRORS.has(value)) {
        return new LineApiError("LINEERR_OPERATIONUNAVAIL", text("the PBX does not offer this here"));
      }
      return new LineApiError("LINEERR_OPERATIONFAILED", text("the PBX refused"));
    }
    default:
      return new LineApiError("LINEERR_OPERATIONFAILED", text("the PBX refused"));
  }
}

/** Any error of a CSTA request as a line API error (a LineApiError passes unchanged). */
export function lineErrorOf(error: unknown, context: FailureContext): LineApiError {
  if (error instanceof LineApiError) return error;
  const where = `${context.operation} on line ${context.line}${
    context.callId ? `, call ${context.callId}` : ""
  }`;
  if (error instanceof CstaFailureError && error.failure) return lineErrorOfFailure(error.failure, context);
  if (error instanceof CstaTimeoutError) {
    return new LineApiError(
      "LINEERR_TIMEOUT",
      `${where}: the PBX did not answer within ${error.timeoutMs} ms`,
    );
  }
  if (error instanceof CstaClosedError) {
    return new LineApiError(
      "LINEERR_NODRIVER",
      `${where}: the line service is not connected (${error.reason})`,
    );
  }
  if (error instanceof CstaRejectError) {
    return new LineApiError(
      "LINEERR_OPERATIONFAILED",
      `${where}: the PBX rejected the request (${error.problem.kind}/${error.problem.value})`,
    );
  }
  const message = errorText(error);
  return new LineApiError("LINEERR_OPERATIONFAILED", `${where}: ${message}`);
}
