// Each line's state and each call's state on a line, derived from the call tracker's live view: what MQTT
// and webhooks publish as line states and call events. A change of the view gives the changes since the
// last one, so a consumer sees every step once.

import type { CallView, ConnectionStateName } from "../calls/call_view.ts";
import type { CallEvent, CallParty, LineCallState } from "../calls/call_event.ts";
import type { Party, PartyKind } from "../calls/party.ts";

/** A line's state as a dashboard shows it: idle, ringing, dialling, connected, on hold. */
export type LineStateName = "idle" | "ringing" | "dialing" | "connected" | "onHold" | "busy";

export interface LineState {
  line: string;
  state: LineStateName;
  /** The call the state is about (the most important one when several), null when idle. */
  callId: string | null;
  /** The other party of that call. */
  otherParty: CallParty | null;
  /** Calls at the line now. */
  calls: number;
  since: string;
}

/** A call event as the line API defines it (src/calls/call_event.ts), made from the live view. */
export type CallEventPayload = CallEvent;

/** Reports a party (number rules, canonical form); the plain form without. */
export type LinePartyFormatter = (party: Party, origin: CallEventPayload["origin"]) => CallParty;

/** A connection state as the call's state on the line (the line API's table, read from the live view). */
function callStateOf(own: ConnectionStateName, others: ConnectionStateName[]): LineCallState {
  switch (own) {
    case "alerting":
      return "offering";
    case "initiated":
      return "dialing";
    case "hold":
      return "onhold";
    case "queued":
      return "proceeding";
    case "fail":
      return "busy";
    case "connected":
      if (others.length > 1 && others.every((s) => s === "connected")) return "conferenced";
      return others.includes("connected") || others.includes("hold") || others.length === 0
        ? "connected"
        : others.includes("alerting") || others.includes("queued")
        ? "ringback"
        : "connected";
  }
}

const LINE_ORDER: readonly LineCallState[] = [
  "connected",
  "conferenced",
  "onhold",
  "offering",
  "ringback",
  "dialing",
  "proceeding",
  "busy",
];

function lineStateOf(call: LineCallState): LineStateName {
  switch (call) {
    case "offering":
      return "ringing";
    case "dialing":
    case "ringback":
    case "proceeding":
      return "dialing";
    case "onhold":
      return "onHold";
    case "busy":
      return "busy";
    case "idle":
    case "disconnected":
      return "idle";
    default:
      return "connected";
  }
}

interface LineCall {
  callId: string;
  state: LineCallState;
  payload: Omit<CallEventPayload, "state" | "previousState" | "at" | "cause">;
  other: CallParty | null;
}

/**
 * Keeps the last view's states per line and call; `update` (the whole view) and `change` (the calls that
 * changed) return what changed since. A change costs the changed calls only, and each party of a call is
 * formatted once per call: the number rules and the location are read from the store on each format, and
 * doing that for every party of every call in progress after every change was the integrations' largest
 * cost in the bench profile (docs/BENCHMARKS.md, suite `integrations`).
 */
export class LineStates {
  /** Each line's calls and each call's state on it. */
  #calls = new Map<string, Map<string, LineCall>>();
  /** The lines each call is at (the reverse of `#calls`), in the order of the call's connections. */
  #linesOf = new Map<string, string[]>();
  /** Each call's parties as formatted, by what was formatted. */
  #parties = new Map<string, Map<string, CallParty>>();
  #states = new Map<string, LineState>();

  constructor(
    private readonly isLine: (number: string) => boolean,
    private readonly format: LinePartyFormatter = (p) =>
      p.name === undefined
        ? { number: p.number, canonical: p.number }
        : { number: p.number, name: p.name, canonical: p.number },
  ) {}

  /** The state of every line that is not idle, and the idle ones seen before. */
  states(): LineState[] {
    return [...this.#states.values()];
  }

  /** Reads the whole live view; returns the call events and the line states that changed, in that order. */
  update(views: readonly CallView[], at: Date): { events: CallEventPayload[]; lines: LineState[] } {
    const going = new Set(views.map((view) => view.callId));
    const ended = [...new Set([...this.#linesOf.keys(), ...this.#parties.keys()])].filter((id) =>
      !going.has(id)
    );
    return this.change(views, ended, at);
  }

  /**
   * Reads the calls that changed (`views`, as they are now) and those that ended (`ended`, their callIds);
   * the other calls are as they were. Returns what changed, like {@link update}.
   */
  change(
    views: readonly CallView[],
    ended: readonly string[],
    at: Date,
  ): { events: CallEventPayload[]; lines: LineState[] } {
    const iso = at.toISOString();
    const events: CallEventPayload[] = [];
    const changedLines = new Set<string>();
    const leave = (line: string, callId: string) => {
      const calls = this.#calls.get(line);
      const call = calls?.get(callId);
      if (!calls || !call) return;
      events.push({
        ...call.payload,
        state: "disconnected",
        previousState: call.state,
        cause: null,
        at: iso,
      });
      events.push({ ...call.payload, state: "idle", previousState: "disconnected", cause: null, at: iso });
      calls.delete(callId);
      if (calls.size === 0) this.#calls.delete(line);
      changedLines.add(line);
    };
    for (const view of views) {
      const now = new Map<string, LineCall>();
      for (const connection of view.connections) {
        if (connection.kind === "external" || connection.kind === "trunk") continue;
        if (!this.isLine(connection.device)) continue;
        now.set(connection.device, this.#lineCall(view, connection.device, connection.state));
      }
      for (const [line, call] of now) {
        const calls = this.#calls.get(line) ?? new Map<string, LineCall>();
        const previous = calls.get(view.callId)?.state ?? "idle";
        calls.set(view.callId, call);
        this.#calls.set(line, calls);
        if (previous === call.state) continue;
        events.push({ ...call.payload, state: call.state, previousState: previous, cause: null, at: iso });
        changedLines.add(line);
      }
      for (const line of this.#linesOf.get(view.callId) ?? []) {
        if (!now.has(line)) leave(line, view.callId);
      }
      if (now.size > 0) this.#linesOf.set(view.callId, [...now.keys()]);
      else this.#linesOf.delete(view.callId);
    }
    for (const callId of ended) {
      for (const line of this.#linesOf.get(callId) ?? []) leave(line, callId);
      this.#linesOf.delete(callId);
      this.#parties.delete(callId);
    }
    const lines: LineState[] = [];
    for (const line of changedLines) {
      const next = this.#lineState(line, this.#calls.get(line), iso);
      const previous = this.#states.get(line);
      if (previous && sameState(previous, next)) continue;
      this.#states.set(line, next);
      lines.push(next);
    }
    return { events, lines };
  }

  #lineCall(view: CallView, line: string, own: ConnectionStateName): LineCall {
    const origin = view.direction === "IN" ? "inbound" : view.direction === "OUT" ? "outbound" : "internal";
    const others = view.connections.filter((c) => c.device !== line);
    const outgoing = view.direction === "OUT" ||
      (view.direction === "internal" && view.connections[0]?.device === line);
    const party = (number: string | null, kind: PartyKind, name?: string | null): CallParty | null =>
      number === null || number === "" ? null : this.#party(view.callId, origin, number, kind, name);
    const outside = party(view.callerNumber, "external", view.contactName);
    const internalOther = others.find((c) => c.kind !== "external" && c.kind !== "trunk");
    const other = view.direction === "internal" || outside === null
      ? (internalOther ? party(internalOther.device, internalOther.kind) : null)
      : outside;
    const self = party(line, "extension");
    const state = callStateOf(own, others.map((c) => c.state));
    return {
      callId: view.callId,
      state,
      other,
      payload: {
        line,
        address: 0,
        callId: view.callId,
        parties: {
          caller: outgoing ? self : other,
          called: outgoing ? other : self,
          connected: state === "connected" || state === "conferenced" ? other : null,
        },
        origin,
        direction: outgoing ? "outgoing" : "incoming",
      },
    };
  }

  /** A party of a call as reported, formatted the first time the call names it. */
  #party(
    callId: string,
    origin: CallEventPayload["origin"],
    number: string,
    kind: PartyKind,
    name?: string | null,
  ): CallParty {
    const key = `${origin}\u0000${kind}\u0000${number}\u0000${name ?? ""}`;
    const known = this.#parties.get(callId) ?? new Map<string, CallParty>();
    this.#parties.set(callId, known);
    let party = known.get(key);
    if (!party) {
      party = this.format(name ? { number, kind, name } : { number, kind }, origin);
      known.set(key, party);
    }
    return party;
  }

  #lineState(line: string, calls: Map<string, LineCall> | undefined, since: string): LineState {
    const list = [...(calls?.values() ?? [])];
    const top = LINE_ORDER.map((s) => list.find((c) => c.state === s)).find((c) => c !== undefined);
    return {
      line,
      state: top ? lineStateOf(top.state) : "idle",
      callId: top?.callId ?? null,
      otherParty: top?.other ?? null,
      calls: list.length,
      since,
    };
  }
}

function sameState(a: LineState, b: LineState): boolean {
  return a.state === b.state && a.callId === b.callId && a.calls === b.calls &&
    a.otherParty?.number === b.otherParty?.number;
}
