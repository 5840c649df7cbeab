// What the line API tells its clients about lines, besides call states: `lineState` (opened, closed and
// why, link down and back, monitor lost and back), `addressState` (forwarding, do not disturb) and the
// `snapshot` of a line's calls; one zod schema each, for the WebSocket and the OpenAPI document.

import { z } from "zod";
import { callEventSchema } from "../calls/call_event.ts";

export const lineStateNames = [
  "opened",
  "closed",
  "linkDown",
  "linkUp",
  "monitorLost",
  "monitored",
] as const;

export const lineStateSchema = z.strictObject({
  type: z.literal("lineState"),
  line: z.string(),
  state: z.enum(lineStateNames),
  /** Why, in words: `lease expired: no renewal for 120 s and no event WebSocket`, the PBX's reason, … */
  reason: z.string().optional(),
  /** The client the change concerns (opened, closed), e.g. `token "crm"`, `user admin`. */
  by: z.string().optional(),
  at: z.iso.datetime(),
});
export type LineStateMessage = z.infer<typeof lineStateSchema>;

/** The nine LINEFORWARDMODE kinds of seed 3.4: a mode and the callers it applies to. */
export const forwardingModeSchema = z.enum(["unconditional", "busy", "noAnswer"]);
export const forwardingScopeSchema = z.enum(["all", "internal", "external"]);

export const forwardingEntrySchema = z.strictObject({
  mode: forwardingModeSchema,
  scope: forwardingScopeSchema,
  on: z.boolean(),
  to: z.string().nullable(),
});
export type ForwardingEntry = z.infer<typeof forwardingEntrySchema>;

export const addressStateSchema = z.strictObject({
  type: z.literal("addressState"),
  line: z.string(),
  address: z.union([z.literal(0), z.literal(1)]),
  /** A forwarding that changed (ForwardingEvent). */
  forwarding: forwardingEntrySchema.optional(),
  doNotDisturb: z.boolean().optional(),
  at: z.iso.datetime(),
});
export type AddressStateMessage = z.infer<typeof addressStateSchema>;

export const callStateSchema = z.strictObject({ type: z.literal("callState"), ...callEventSchema.shape });
export type CallStateMessage = z.infer<typeof callStateSchema>;

/** The line's calls now: sent on subscribe and after the PBX link returns; replaces what a client had. */
export const snapshotSchema = z.strictObject({
  type: z.literal("snapshot"),
  line: z.string(),
  open: z.boolean(),
  calls: z.array(callEventSchema),
  at: z.iso.datetime(),
});
export type SnapshotMessage = z.infer<typeof snapshotSchema>;

/** Every message of a line, before the WebSocket adds its per-connection `seq`. */
export type LineMessage = LineStateMessage | AddressStateMessage | CallStateMessage | SnapshotMessage;
