// The PBX side as the Switchboard sees it: send an invoke and get its answer, or why there is none.

import type { ApduPeek } from "../csta/peek.ts";

/** How a request sent to the PBX ended. */
export type UpstreamOutcome =
  | { kind: "answer"; apdu: Uint8Array; peek: ApduPeek }
  | { kind: "timeout" }
  | { kind: "linkDown" }
  /** All 32767 upstream invoke IDs are in flight. */
  | { kind: "busy" };

export interface RequestOptions {
  timeoutMs?: number;
  /**
   * Called with the answer as soon as its frame is read, before any later frame from the PBX is handled.
   * Bookkeeping that later frames depend on (a new monitor's crossRef, a device list's serviceCrossRefID)
   * belongs here: the promise settles only after frames read in the same chunk have been routed.
   */
  onAnswer?: (apdu: Uint8Array, peek: ApduPeek) => void;
  /**
   * Called with an answer that arrives after the request timed out (the PBX may carry a request out late,
   * e.g. a MonitorStart). Without it a late answer is dropped. Its invoke ID stays reserved meanwhile, so
   * a late answer is never taken for the answer to a newer request.
   */
  onLateAnswer?: (apdu: Uint8Array, peek: ApduPeek) => void;
}

export interface Upstream {
  readonly ready: boolean;
  /** Sends an invoke under a fresh upstream invoke ID; the answer still carries that ID. Never rejects. */
  request(invoke: Uint8Array, options?: RequestOptions): Promise<UpstreamOutcome>;
  /** Sends a frame that needs no answer, or answers a PBX invoke under the PBX's own ID. */
  send(apdu: Uint8Array): boolean;
}
