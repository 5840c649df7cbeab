// The world outside the CO lines for demo mode: an outside number that is called rings and answers after a
// while, and an outside caller whose call failed hangs up. Scenarios and tests drive the far end themselves.

import type { Clock } from "../clock.ts";
import type { CallEngine } from "./call_engine.ts";
import type { ConnRef, EngineFact } from "./call_facts.ts";

/** Timing of the far end; a negative value switches that step off. */
export interface RemotePartyOptions {
  /** After NetworkReached, the far end rings after this many ms. Default 1000. */
  alertAfterMs?: number;
  /** After NetworkReached, the far end answers after this many ms. Default 4000. */
  answerAfterMs?: number;
  /** An outside caller whose call failed (busy, DND, …) hangs up after this many ms. Default 3000. */
  releaseFailedAfterMs?: number;
  /** Calls the far end leaves alone (e.g. those the traffic generator plays itself). */
  skip?: (callId: number) => boolean;
}

/** Plays the outside parties of CO-line calls; stop with the returned function. */
export function startRemoteParties(
  engine: CallEngine,
  clock: Clock,
  options: RemotePartyOptions = {},
): () => void {
  const alertAfter = options.alertAfterMs ?? 1000;
  const answerAfter = options.answerAfterMs ?? 4000;
  const releaseAfter = options.releaseFailedAfterMs ?? 3000;
  const skip = options.skip ?? (() => false);
  const timers = new Set<unknown>();
  const later = (ms: number, action: () => void) => {
    if (ms < 0) return;
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      action();
    }, ms);
    timers.add(handle);
  };
  const isTrunk = (device: string) => engine.plan.device(device)?.kind === "trunk";
  const onFact = (fact: EngineFact) => {
    if (fact.kind !== "event") return;
    const event = fact.event;
    if (event.type === "networkReached") {
      const ref: ConnRef = event.outboundConnection;
      if (skip(ref.callId)) return;
      later(alertAfter, () => {
        if (engine.stateOf(ref) === "initiated") engine.networkAlert(ref.device);
      });
      later(answerAfter, () => {
        const state = engine.stateOf(ref);
        if (state === "initiated" || state === "alerting") engine.networkAnswer(ref.device);
      });
    } else if (event.type === "failed" && isTrunk(event.failedConnection.device)) {
      const ref = event.failedConnection;
      if (skip(ref.callId)) return;
      later(releaseAfter, () => {
        if (engine.stateOf(ref) === "fail") engine.networkRelease(ref.device);
      });
    }
  };
  const unsubscribe = engine.subscribe(onFact);
  return () => {
    unsubscribe();
    for (const handle of timers) clock.clearTimeout(handle);
    timers.clear();
  };
}
