// How the Switchboard's parts ask the PBX: a request settled exactly once, an outcome turned into the
// application's answer, and an outcome put in words for logs and status.

import type { ApduPeek, InvokePeek, ReturnResultPeek } from "../csta/peek.ts";
import { replaceInvokeId } from "../csta/rewrite.ts";
import type { RequestOptions, Upstream, UpstreamOutcome } from "../pbx/upstream.ts";
import { failureAnswer, linkDownFailure, timeoutFailure, tooManyRequestsReject } from "./local_answers.ts";
import type { Session } from "./session.ts";

/**
 * Sends an invoke to the PBX and calls `settle` exactly once: as soon as the answer is read, before
 * any later frame from the PBX is routed (the answer may be followed at once by events under a new
 * crossRef, or device-list segments), or with the timeout or link-down outcome. An answer after the
 * timeout goes to `onLateAnswer`, when given.
 */
export function requestOnce(
  upstream: Upstream,
  invoke: Uint8Array,
  settle: (outcome: UpstreamOutcome) => void,
  onLateAnswer?: RequestOptions["onLateAnswer"],
): Promise<void> {
  let settled = false;
  const onAnswer = (apdu: Uint8Array, peek: ApduPeek) => {
    settled = true;
    settle({ kind: "answer", apdu, peek });
  };
  return upstream.request(invoke, { onAnswer, onLateAnswer }).then((outcome) => {
    if (!settled) settle(outcome);
  });
}

/** The application's answer for an upstream outcome: the PBX's own bytes with the ID put back. */
export function answerFor(invokeId: number, outcome: UpstreamOutcome): Uint8Array {
  switch (outcome.kind) {
    case "answer":
      return replaceInvokeId(outcome.apdu, invokeId);
    case "timeout":
      return failureAnswer(invokeId, timeoutFailure);
    case "linkDown":
      return failureAnswer(invokeId, linkDownFailure);
    case "busy":
      return tooManyRequestsReject(invokeId);
  }
}

/** Why an outcome is not the answer that was hoped for, in words for logs and status. */
export function describeOutcome(outcome: UpstreamOutcome): string {
  switch (outcome.kind) {
    case "answer":
      return `the PBX answered ${outcome.peek.kind}`;
    case "timeout":
      return "the PBX did not answer in time";
    case "linkDown":
      return "the PBX link is down";
    case "busy":
      return "too many requests in flight at the PBX";
  }
}

/** The result value element of a ReturnResult (after its opcode). */
export function resultValue(result: ReturnResultPeek, apdu: Uint8Array): Uint8Array {
  if (result.resultStart === null) return new Uint8Array(0);
  return apdu.subarray(result.resultStart, result.resultEnd!);
}

/**
 * Sends an application's invoke to the PBX under an upstream ID and returns the answer under the
 * application's own ID; `onResult` sees a successful result first (bookkeeping of exclusive services).
 */
export type Forward = (
  session: Session,
  apdu: Uint8Array,
  peek: InvokePeek,
  onResult?: (result: ReturnResultPeek, apdu: Uint8Array) => void,
) => void;
