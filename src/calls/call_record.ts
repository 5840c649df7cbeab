// The finished-call record: one per call when it ends, with a stable id, its parties, times, durations,
// outcome, transfers and diversions. The one schema MQTT, webhooks and the JSON API report a call with.

import { z } from "zod";
import { type CallParty, callPartySchema } from "./call_event.ts";
import type { Party } from "./party.ts";

export type { CallParty };

/** How a call ended, from the caller's point of view. */
export const callOutcomes = ["answered", "missed", "busy", "abandoned"] as const;
export type CallOutcome = typeof callOutcomes[number];

const instant = z.string().describe("ISO 8601 UTC");

const handover = z.object({
  at: instant,
  from: callPartySchema.nullable().describe("the extension the call left"),
  to: callPartySchema.nullable().describe("where the call went"),
});

/** A finished call. `id` is stable: the same call always has the same id, so a receiver can de-duplicate. */
export const callRecordSchema = z.object({
  id: z.string().regex(/^\d{14}-[0-9a-f]+$/).describe(
    "stable id: the call's start (UTC, YYYYMMDDhhmmss) and the PBX's callID in hex",
  ),
  callId: z.string().describe("the PBX's callID, hex (the last one, after a transfer merged calls)"),
  smdrCallId: z.string().nullable().describe("the SMDR call ID of a trunk call: links to its SMDR lines"),
  direction: z.enum(["inbound", "outbound", "internal"]),
  from: callPartySchema.nullable().describe("the caller"),
  to: callPartySchema.nullable().describe("the called party: the dialled number, or where it rang first"),
  answeredBy: callPartySchema.nullable(),
  ddi: z.string().nullable().describe("the dialled-in number of an inbound call"),
  startedAt: instant,
  answeredAt: instant.nullable(),
  endedAt: instant,
  ringSeconds: z.number().nonnegative().describe("from the start to the answer (or the end, unanswered)"),
  talkSeconds: z.number().nonnegative().describe("from the answer to the end, less the time on hold"),
  holdSeconds: z.number().nonnegative().describe("time any party held the call"),
  outcome: z.enum(callOutcomes),
  transfers: z.array(handover),
  diversions: z.array(handover),
  accountCode: z.string().nullable(),
  trunk: z.string().nullable().describe("the CO line of an inbound or outbound call"),
});
export type CallRecord = z.infer<typeof callRecordSchema>;

/** What the call model gathers about a call while it lasts (milliseconds since the epoch). */
export interface CallFacts {
  startedAt: number;
  answeredAt?: number;
  answeredBy?: Party;
  /** The first internal party the call rang at (or the far end of an outbound call). */
  firstAlerted?: Party;
  alerted: boolean;
  /** A connection failed (busy, refused) before anything rang. */
  failed: boolean;
  holdMs: number;
  transfers: { at: number; from?: Party; to?: Party }[];
  diversions: { at: number; from?: Party; to?: Party }[];
}

export function newCallFacts(startedAt: number): CallFacts {
  return { startedAt, alerted: false, failed: false, holdMs: 0, transfers: [], diversions: [] };
}

/** The facts of calls a transfer or conference merged into one: the earliest start and answer, summed hold. */
export function mergeCallFacts(all: readonly CallFacts[]): CallFacts {
  const [first, ...rest] = [...all].sort((a, b) => a.startedAt - b.startedAt);
  const merged: CallFacts = { ...first, transfers: [...first.transfers], diversions: [...first.diversions] };
  for (const facts of rest) {
    if (facts.answeredAt !== undefined && (merged.answeredAt ?? Infinity) > facts.answeredAt) {
      merged.answeredAt = facts.answeredAt;
      merged.answeredBy = facts.answeredBy;
    }
    merged.firstAlerted ??= facts.firstAlerted;
    merged.alerted ||= facts.alerted;
    merged.failed ||= facts.failed;
    merged.holdMs += facts.holdMs;
    merged.transfers.push(...facts.transfers);
    merged.diversions.push(...facts.diversions);
  }
  merged.transfers.sort((a, b) => a.at - b.at);
  merged.diversions.sort((a, b) => a.at - b.at);
  return merged;
}

/** A call the model saw end: its facts and what it learned about the call. */
export interface FinishedCall {
  callId: string;
  facts: CallFacts;
  endedAt: number;
  direction: "IN" | "OUT" | "internal";
  smdrCallId: string | null;
  trunk: string | null;
  originator?: Party;
  callingOutside?: Party;
  calledOutside?: Party;
  ddi: string | null;
  accountCode: string | null;
}

/** Turns a party into its reported form (number rules, contact name, canonical form). */
export type PartyFormatter = (party: Party, direction: FinishedCall["direction"]) => CallParty;

/** The reported form without number rules: the number as the PBX gave it is also its canonical form. */
export const plainParty: PartyFormatter = (party) =>
  party.name === undefined
    ? { number: party.number, canonical: party.number }
    : { number: party.number, name: party.name, canonical: party.number };

/**
 * The record of a finished call. Outcome: answered when anyone answered; busy when a connection failed
 * and nothing rang; missed when it rang and nobody answered; abandoned when the caller gave up before it
 * rang anywhere (in a queue, while dialling).
 */
export function callRecordOf(call: FinishedCall, format: PartyFormatter = plainParty): CallRecord {
  const { facts } = call;
  const party = (p: Party | undefined) => (p === undefined ? null : format(p, call.direction));
  const endedAt = Math.max(call.endedAt, facts.startedAt);
  const answeredAt = facts.answeredAt === undefined ? undefined : Math.min(facts.answeredAt, endedAt);
  const from = call.direction === "IN" ? call.callingOutside ?? call.originator : call.originator;
  const to = call.direction === "OUT" ? call.calledOutside ?? facts.firstAlerted : facts.firstAlerted;
  const outcome: CallOutcome = answeredAt !== undefined
    ? "answered"
    : facts.failed && !facts.alerted
    ? "busy"
    : facts.alerted
    ? "missed"
    : "abandoned";
  const holdMs = Math.min(facts.holdMs, answeredAt === undefined ? 0 : endedAt - answeredAt);
  const handover = (h: { at: number; from?: Party; to?: Party }) => ({
    at: iso(h.at),
    from: party(h.from),
    to: party(h.to),
  });
  return {
    id: `${compactUtc(facts.startedAt)}-${call.callId}`,
    callId: call.callId,
    smdrCallId: call.smdrCallId,
    direction: call.direction === "IN" ? "inbound" : call.direction === "OUT" ? "outbound" : "internal",
    from: party(from),
    to: party(to),
    answeredBy: party(facts.answeredBy),
    ddi: call.ddi,
    startedAt: iso(facts.startedAt),
    answeredAt: answeredAt === undefined ? null : iso(answeredAt),
    endedAt: iso(endedAt),
    ringSeconds: seconds((answeredAt ?? endedAt) - facts.startedAt),
    talkSeconds: answeredAt === undefined ? 0 : seconds(endedAt - answeredAt - holdMs),
    holdSeconds: seconds(holdMs),
    outcome,
    transfers: facts.transfers.map(handover),
    diversions: facts.diversions.map(handover),
    accountCode: call.accountCode,
    trunk: call.trunk,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whole seconds, as call accounting counts them. */
function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

function compactUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, "");
}
