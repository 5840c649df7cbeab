// Invokes the switch sends the client (CDR reports, KME replies, device lists, MonitorStop...) and the
// answers a handler may give them; by default each gets the noData ReturnResult so the switch never waits.

import { CstaDecodeError } from "../csta/decode_error.ts";
import { type OpcodeName, opcodeName, UNANSWERED_OPCODES } from "../csta/opcodes.ts";
import { decodeTypedArgument, operationOf, type TypedInvoke } from "../csta/operations.ts";
import type { InvokePeek } from "../csta/peek.ts";
import {
  encodeReject,
  encodeReturnError,
  encodeReturnResult,
  NO_DATA,
  type RejectProblem,
} from "../csta/rose.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";

/** An invoke from the switch other than EventReport and SystemStatus, which the client handles itself. */
export interface IncomingInvoke {
  invokeId: number;
  opcode: number;
  /** ECMA name of the operation, when §6 knows the code. */
  operation?: OpcodeName;
  /** The argument element as sent (header included), if any. */
  argument?: Uint8Array;
  /** The argument decoded, when cstabox has a codec for the operation and the bytes fit it. */
  typed?: TypedInvoke;
  /** Why `typed` is missing although a codec exists. */
  decodeError?: CstaDecodeError;
  /** Whether the switch expects an answer (false for SwitchingFunctionDevices, SystemRegisterAbort). §3 */
  answerExpected: boolean;
  /** The whole APDU as received. */
  apdu: Uint8Array;
}

/**
 * What to answer an incoming invoke with. Returning nothing from a handler means `{ kind: "result" }`,
 * the noData ReturnResult (§3 [C-pbx]).
 */
export type InvokeReply =
  /** ReturnResult with this result value element (default `05 00`, noData). */
  | { kind: "result"; value?: Uint8Array }
  /** ReturnError universalFailure. */
  | { kind: "failure"; failure: UniversalFailure }
  /** ROSE Reject. */
  | { kind: "reject"; problem: RejectProblem }
  /** Send nothing (the handler answered some other way, or the switch expects no answer). */
  | { kind: "none" };

/** Decides the answer to an invoke from the switch; may be async. Errors thrown become operation/generic. */
export type InvokeHandler = (invoke: IncomingInvoke) => InvokeReply | void | Promise<InvokeReply | void>;

/** Builds the {@link IncomingInvoke} view of an invoke APDU (a private copy: `apdu` is kept). */
export function incomingInvoke(apdu: Uint8Array, peek: InvokePeek): IncomingInvoke {
  const argument = peek.argumentStart === null
    ? undefined
    : apdu.subarray(peek.argumentStart, peek.argumentEnd!);
  const invoke: IncomingInvoke = {
    invokeId: peek.invokeId,
    opcode: peek.opcode,
    answerExpected: !UNANSWERED_OPCODES.has(peek.opcode),
    apdu,
  };
  const name = opcodeName(peek.opcode);
  if (name) invoke.operation = name;
  if (argument) invoke.argument = argument;
  const operation = operationOf(peek.opcode);
  if (operation && argument) {
    try {
      invoke.typed = {
        operation,
        invokeId: peek.invokeId,
        argument: decodeTypedArgument(operation, argument),
      } as TypedInvoke;
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      invoke.decodeError = error;
    }
  }
  return invoke;
}

/** The APDU answering `invoke` with `reply`, or null when nothing is to be sent. */
export function encodeInvokeReply(invoke: IncomingInvoke, reply: InvokeReply): Uint8Array | null {
  if (!invoke.answerExpected) return null;
  switch (reply.kind) {
    case "result":
      return encodeReturnResult(invoke.invokeId, { opcode: invoke.opcode, value: reply.value ?? NO_DATA });
    case "failure":
      return encodeReturnError(invoke.invokeId, reply.failure);
    case "reject":
      return encodeReject(invoke.invokeId, reply.problem);
    case "none":
      return null;
  }
}
