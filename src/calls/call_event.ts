// A call's state on a line as the line API, MQTT and webhooks publish it: the one zod schema of a call
// event, with TAPI's LINECALLSTATE names in lower case. The states come from `call_state_table.ts`, the
// parties from `party_numbers.ts` (both re-exported here, so consumers import one module).

import { z } from "zod";

export {
  CALL_STATE_TABLE,
  type CallStateInput,
  type CallStateRow,
  nextCallState,
  snapshotCallState,
} from "./call_state_table.ts";
export {
  type CallPartyNumbering,
  type DialledNumber,
  dialledNumber,
  reportedParty,
} from "./party_numbers.ts";

/** TAPI's LINECALLSTATE_* names in lower case, in the order of the TAPI header. */
export const LINE_CALL_STATES = [
  "idle",
  "offering",
  "accepted",
  "dialtone",
  "dialing",
  "ringback",
  "busy",
  "connected",
  "proceeding",
  "onhold",
  "conferenced",
  "onholdpendconf",
  "onholdpendtransfer",
  "disconnected",
  "unknown",
] as const;

export const lineCallStateSchema = z.enum(LINE_CALL_STATES);
export type LineCallState = z.infer<typeof lineCallStateSchema>;

/**
 * One party of a call: `number` as the PBX reported it after the incoming or outgoing number rules (empty
 * when a rule suppresses it), `canonical` its form from the location (`+49(30)12345-100`), `name` what the
 * PBX gave with it.
 */
export const callPartySchema = z.strictObject({
  number: z.string().max(64),
  name: z.string().max(128).optional(),
  canonical: z.string().max(64),
});
export type CallParty = z.infer<typeof callPartySchema>;

/**
 * Where the call reaches: `internal` (no outside party), `inbound` (an outside caller), `outbound` (to an
 * outside number).
 */
export const callOriginSchema = z.enum(["internal", "inbound", "outbound"]);
export type CallOrigin = z.infer<typeof callOriginSchema>;

/** Seen from the line: `incoming` (offered to the line) or `outgoing` (placed by the line). */
export const callDirectionSchema = z.enum(["incoming", "outgoing"]);
export type CallDirection = z.infer<typeof callDirectionSchema>;

/**
 * A line's number as stored (`101`). Address 0 is the line's own number, address 1 (`Mobile`) its Super-Twin
 * partner's (see docs/line-api.md).
 */
export const callEventSchema = z.strictObject({
  line: z.string().min(1).max(20),
  address: z.union([z.literal(0), z.literal(1)]),
  /** Stable for the call's life on this line, also when the PBX's callID changes (transfer, conference). */
  callId: z.string().min(1).max(64),
  state: lineCallStateSchema,
  previousState: lineCallStateSchema,
  /** The ECMA-269 EventCause name of the event that changed the state (`busy`, `normalClearing`), if any. */
  cause: z.string().max(64).nullable(),
  parties: z.strictObject({
    caller: callPartySchema.nullable(),
    called: callPartySchema.nullable(),
    connected: callPartySchema.nullable(),
  }),
  origin: callOriginSchema,
  direction: callDirectionSchema,
  /** When cstabox applied the event (ISO 8601, UTC). */
  at: z.iso.datetime(),
});
export type CallEvent = z.infer<typeof callEventSchema>;
