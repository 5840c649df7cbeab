// The one table from ECMA-269 connection events (and the line device's own LocalConnectionState) to TAPI's
// LINECALLSTATE, as the line API follows a call on a line; docs/line-api.md shows it and a test keeps the
// two equal.

import type { LocalConnectionStateName } from "../csta/connection_state.ts";
import type { EventCauseName } from "../csta/event_cause.ts";
import type { LineCallState } from "./call_event.ts";

/** The ECMA-269 call control events that move a call's state. §8.4 [C-std] */
export type ConnectionEventName =
  | "callCleared"
  | "conferenced"
  | "connectionCleared"
  | "delivered"
  | "diverted"
  | "established"
  | "failed"
  | "held"
  | "networkReached"
  | "offered"
  | "originated"
  | "queued"
  | "retrieved"
  | "serviceInitiated"
  | "transferred";

/** What the table is asked: one event as the line's monitor reported it. */
export interface CallStateInput {
  event: ConnectionEventName;
  /**
   * `self` when the event's subject device is the line's (alerting, answering, holding, releasing,
   * diverting, transferring device, …), `other` when it is another party.
   */
  role: "self" | "other";
  /** The call's state on the line before the event (`idle` for a call the line did not have). */
  previous: LineCallState;
  /** The line device's own connection state after the event (`localConnectionInfo`), when the PBX sent it. */
  own?: LocalConnectionStateName;
  cause?: EventCauseName | number;
  /** A consultation of lineSetupTransfer (`transfer`) or lineAddToConference (`conference`) is under way. */
  pending?: "transfer" | "conference";
  /** After a ConnectionCleared of another party: whether a third party is still in the call. */
  othersRemain?: boolean;
  /** The call came to the line in ECMA-269's offered mode (an Offered event), so it alerts once accepted. */
  offered?: boolean;
}

/** One row: the first row whose conditions all hold gives the new state (`null`: unchanged). */
export interface CallStateRow {
  event: ConnectionEventName | "*";
  role?: "self" | "other";
  /** The line's own LocalConnectionState the PBX reported with the event. */
  own?: readonly LocalConnectionStateName[];
  /** The state before the event. */
  previous?: readonly LineCallState[];
  cause?: readonly EventCauseName[];
  pending?: "transfer" | "conference";
  othersRemain?: boolean;
  offered?: boolean;
  state: LineCallState | null;
  /** Why, for the documentation. */
  note: string;
}

/** The line placed the call and the far end has not answered yet. */
const OUTGOING: readonly LineCallState[] = ["dialtone", "dialing", "proceeding", "ringback"];

/**
 * The table, first match wins. Rows marked [?] in `note` are readings of ECMA-269 that no Panasonic trace
 * confirms (PROTOCOL.md certainty marks).
 */
export const CALL_STATE_TABLE: readonly CallStateRow[] = [
  { event: "callCleared", state: "idle", note: "the whole call ended" },
  { event: "*", own: ["null"], state: "idle", note: "the PBX reports the line's own connection gone" },
  { event: "connectionCleared", role: "self", state: "idle", note: "the line hung up or was dropped" },
  {
    event: "connectionCleared",
    role: "other",
    othersRemain: true,
    state: null,
    note: "a third party left a conference; the line stays in the call",
  },
  { event: "connectionCleared", role: "other", state: "disconnected", note: "the far end hung up" },
  { event: "serviceInitiated", role: "self", state: "dialtone", note: "the line went off-hook" },
  { event: "originated", role: "self", state: "dialing", note: "the line dialled; the PBX routes the call" },
  {
    event: "networkReached",
    state: "proceeding",
    note: "the call left the PBX on a trunk; the network has not answered yet",
  },
  {
    event: "offered",
    role: "self",
    state: "offering",
    note: "the call is offered to the line in the offered mode; it rings once accepted [?]",
  },
  {
    event: "delivered",
    role: "self",
    previous: ["offering"],
    offered: true,
    state: "accepted",
    note: "the offered call was accepted (AcceptCall) and now rings: TAPI's accepted [?]",
  },
  { event: "delivered", role: "self", state: "offering", note: "the line rings" },
  {
    event: "delivered",
    role: "other",
    previous: [...OUTGOING, "busy"],
    state: "ringback",
    note: "the far end rings (the line placed the call, or camped on a busy one)",
  },
  { event: "queued", role: "self", state: "offering", note: "the call waits at the line (a group) [?]" },
  {
    event: "queued",
    role: "other",
    previous: OUTGOING,
    state: "proceeding",
    note: "the line's call waits in a queue or camps on [?]",
  },
  { event: "established", role: "self", state: "connected", note: "the line answered" },
  {
    event: "established",
    role: "other",
    own: ["alerting", "queued"],
    state: null,
    note: "another member answered a group call still ringing here; a ConnectionCleared follows",
  },
  {
    event: "established",
    role: "other",
    previous: [...OUTGOING, "connected", "busy", "unknown"],
    state: "connected",
    note: "the far end answered",
  },
  {
    event: "held",
    role: "self",
    pending: "transfer",
    state: "onholdpendtransfer",
    note: "held by lineSetupTransfer's consultation call",
  },
  {
    event: "held",
    role: "self",
    pending: "conference",
    state: "onholdpendconf",
    note: "held by lineAddToConference's consultation call",
  },
  { event: "held", role: "self", state: "onhold", note: "the line put the call on hold" },
  { event: "held", role: "other", state: null, note: "the far end holds; TAPI has no state for it" },
  { event: "retrieved", role: "self", state: "connected", note: "the line took the call back" },
  { event: "retrieved", role: "other", state: null, note: "the far end took the call back" },
  { event: "conferenced", state: "conferenced", note: "the call is now a member of a conference" },
  { event: "transferred", role: "self", state: "idle", note: "the line transferred the call away" },
  {
    event: "transferred",
    role: "other",
    own: ["alerting"],
    state: "offering",
    note: "the call was transferred to the line before it answered",
  },
  {
    event: "transferred",
    role: "other",
    state: "connected",
    note: "the call was transferred to or at the far end; the line stays connected",
  },
  {
    event: "diverted",
    role: "self",
    state: "idle",
    note: "the call left the line (forwarding, lineRedirect, pickup elsewhere)",
  },
  {
    event: "diverted",
    role: "other",
    state: null,
    note: "diverted towards the line; the Delivered that follows makes it offering",
  },
  { event: "failed", cause: ["busy", "busyOverflow"], state: "busy", note: "the far end is busy" },
  { event: "failed", state: "disconnected", note: "the call could not be completed" },
];

/** The new state of a call after one event, or `null` when it stays as it was. */
export function nextCallState(input: CallStateInput): LineCallState | null {
  for (const row of CALL_STATE_TABLE) {
    if (row.event !== "*" && row.event !== input.event) continue;
    if (row.role !== undefined && row.role !== input.role) continue;
    if (row.own !== undefined && (input.own === undefined || !row.own.includes(input.own))) continue;
    if (row.previous !== undefined && !row.previous.includes(input.previous)) continue;
    if (row.cause !== undefined && !row.cause.includes(input.cause as EventCauseName)) continue;
    if (row.pending !== undefined && row.pending !== input.pending) continue;
    if (row.othersRemain !== undefined && row.othersRemain !== (input.othersRemain ?? false)) continue;
    if (row.offered !== undefined && row.offered !== (input.offered ?? false)) continue;
    return row.state;
  }
  return null;
}

/**
 * The state of a call from a SnapshotDevice entry: the line's own connection state and the states of the
 * call's other connections (a compound CallState lists the snapshot device first). §7 [C-std]
 */
export function snapshotCallState(
  own: LocalConnectionStateName | undefined,
  others: readonly LocalConnectionStateName[] = [],
  pending?: "transfer" | "conference",
): LineCallState {
  switch (own) {
    case "null":
      return "idle";
    case "initiated":
      return "dialtone";
    case "alerting":
    case "queued":
      return "offering";
    case "connected":
      if (others.includes("alerting")) return "ringback";
      if (others.includes("queued")) return "proceeding";
      if (others.includes("fail")) return "busy";
      return "connected";
    case "hold":
      return pending === "transfer"
        ? "onholdpendtransfer"
        : pending === "conference"
        ? "onholdpendconf"
        : "onhold";
    case "fail":
      return "busy";
    default:
      return "unknown";
  }
}
