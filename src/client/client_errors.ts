// The typed errors a CstaClient rejects with: the switch refused (UniversalFailure, Reject), nobody
// answered in time, the association was refused or is gone. Each carries the operation it concerns.

import type { AareApdu, AssociateDiagnostic } from "../csta/acse.ts";
import type { RejectProblem } from "../csta/rose.ts";
import { describeUniversalFailure, type UniversalFailure } from "../csta/universal_failure.ts";

/** Base class of every error the client raises itself (decode errors stay `CstaDecodeError`). */
export class CstaClientError extends Error {
  override readonly name: string = "CstaClientError";
}

/** Where a request went: its operation's name (or number) and the invoke ID it was sent under. */
export interface RequestContext {
  /** ECMA name when known (`monitorStart`), else the opcode as text. */
  operation: string;
  opcode: number;
  invokeId: number;
}

/** The TCP or TLS connection could not be opened. */
export class CstaConnectError extends CstaClientError {
  override readonly name = "CstaConnectError";
  constructor(
    readonly hostname: string,
    readonly port: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot connect to ${hostname}:${port}: ${reason}`, options);
  }
}

/** The AARQ was refused (AARE result not accepted) or never answered properly. §2 */
export class CstaAssociationError extends CstaClientError {
  override readonly name = "CstaAssociationError";
  constructor(
    readonly reason: string,
    /** The AARE result when the switch answered, e.g. `rejectedPermanent`. */
    readonly result?: AareApdu["result"],
    /** Its result-source-diagnostic, e.g. `{ kind: "acseServiceUser", value: "authenticationFailure" }`. */
    readonly diagnostic?: AssociateDiagnostic,
  ) {
    super(`association refused: ${reason}`);
  }
}

/** The switch answered with ReturnError; `failure` is the UniversalFailure (errcode 1). §12 */
export class CstaFailureError extends CstaClientError {
  override readonly name = "CstaFailureError";
  constructor(
    readonly request: RequestContext,
    /** ROSE error code; 1 (universalFailure) for every CSTA error. */
    readonly errorCode: number,
    readonly failure?: UniversalFailure,
    /** The error parameter as sent, header included. */
    readonly parameter?: Uint8Array,
  ) {
    const what = failure ? describeUniversalFailure(failure) : `error code ${errorCode}`;
    super(`${request.operation} (invoke ${request.invokeId}) failed: ${what}`);
  }
}

/** The switch rejected the request (ROSE Reject). §3 */
export class CstaRejectError extends CstaClientError {
  override readonly name = "CstaRejectError";
  constructor(readonly request: RequestContext, readonly problem: RejectProblem) {
    super(`${request.operation} (invoke ${request.invokeId}) rejected: ${problem.kind}/${problem.value}`);
  }
}

/** No answer within the time allowed: a request (with its context) or the association itself. */
export class CstaTimeoutError extends CstaClientError {
  override readonly name = "CstaTimeoutError";
  constructor(
    /** What was waited for: an operation's name, `association` or `release`. */
    readonly operation: string,
    readonly timeoutMs: number,
    readonly request?: RequestContext,
  ) {
    const id = request ? ` (invoke ${request.invokeId})` : "";
    super(`${operation}${id}: no answer within ${timeoutMs} ms`);
  }
}

/** The client is closed (by `close()` or because the connection ended); `reason` says which. */
export class CstaClosedError extends CstaClientError {
  override readonly name = "CstaClosedError";
  constructor(readonly reason: string, readonly request?: RequestContext) {
    const what = request ? `${request.operation} (invoke ${request.invokeId}): ` : "";
    super(`${what}the CSTA connection is closed: ${reason}`);
  }
}

/** All 32767 invoke IDs are in flight; the request was not sent. §3 [C-pbx] */
export class CstaBusyError extends CstaClientError {
  override readonly name = "CstaBusyError";
  constructor(readonly operation: string, readonly inFlight: number) {
    super(`${operation} not sent: ${inFlight} requests already in flight`);
  }
}
