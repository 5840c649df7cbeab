// The call model's state as the rest of the appliance sees it: the live call view of the web UI and the
// status page. Plain data, safe to serialise.

import type { LocalConnectionStateName } from "../csta/connection_state.ts";
import type { SmdrDirection } from "../smdr/smdr_event.ts";
import type { PartyKind } from "./party.ts";

/** A connection's state while it exists (LocalConnectionState without `null`, §8.4). */
export type ConnectionStateName = Exclude<LocalConnectionStateName, "null">;

/** One party of a call. */
export interface ConnectionView {
  /** The device's number (a line number, or an outside number). */
  device: string;
  kind: PartyKind;
  state: ConnectionStateName;
  /** When the connection entered this state (ISO 8601). */
  since: string;
}

/** One call as the tracker sees it now. */
export interface CallView {
  /** The PBX's callID, hex. */
  callId: string;
  /** When cstabox first heard of the call (ISO 8601). */
  firstSeen: string;
  /** `IN`/`OUT` for calls over a trunk (SMDR calls), `internal` for the others. */
  direction: SmdrDirection | "internal";
  /** The SMDR call ID (`YYYYMMDDhhmmss` + 8 digits) of a trunk call; null for internal calls. */
  smdrCallId: string | null;
  trunk: string | null;
  /** The extension the call is at now (ringing, talking, holding, queued at a group). */
  extension: string | null;
  /** The outside party: the caller of an inbound call, the dialled number of an outbound call. */
  callerNumber: string | null;
  /** The name the PBX gave for the outside party. */
  contactName: string | null;
  ddi: string | null;
  accountCode: string | null;
  answered: boolean;
  connections: ConnectionView[];
}

/**
 * What changed in the live view: the calls events named since the last change (`calls`: those still in
 * progress, as they are now; `ended`: the keys of those that ended or were merged into another), or `all`
 * after a re-sync with the PBX, when any call may have changed.
 */
export type CallViewChange = { all: true } | { all: false; calls: CallView[]; ended: string[] };

/** One call as the web UI's live call list shows it (the `LiveCall` shape of src/http/web_ui_sources.ts). */
export interface LiveCallSummary {
  id: string;
  /** The state of the call where it is now: `alerting`, `connected`, `hold`, `queued`, … */
  state: string;
  from: string;
  to: string;
  startedAt: string;
  /** Lines of this appliance taking part. */
  lines: string[];
  direction: "incoming" | "outgoing" | "internal";
}

const STATE_ORDER: readonly ConnectionStateName[] = [
  "connected",
  "hold",
  "alerting",
  "queued",
  "initiated",
  "fail",
];

/** The summary of a call for the live call list: who calls whom, and where the call is now. */
export function liveCallSummary(view: CallView): LiveCallSummary {
  const internal = view.connections.filter((c) => c.kind !== "external" && c.kind !== "trunk");
  const here = internal.find((c) => c.device === view.extension) ??
    STATE_ORDER.map((s) => internal.find((c) => c.state === s)).find((c) => c !== undefined);
  const outside = view.contactName ?? view.callerNumber ?? "unknown";
  const extension = view.extension ?? here?.device ?? "";
  let from: string;
  let to: string;
  if (view.direction === "IN") [from, to] = [outside, extension];
  else if (view.direction === "OUT") [from, to] = [extension, outside];
  else {
    from = internal[0]?.device ?? "";
    to = internal.find((c) => c.device !== from)?.device ?? view.callerNumber ?? "";
  }
  return {
    id: view.smdrCallId ?? view.callId,
    state: here?.state ?? view.connections[0]?.state ?? "connected",
    from,
    to,
    startedAt: view.firstSeen,
    lines: view.connections.filter((c) => c.kind !== "external" && c.kind !== "internal").map((c) =>
      c.device
    ),
    direction: view.direction === "IN" ? "incoming" : view.direction === "OUT" ? "outgoing" : "internal",
  };
}
