// What the call tracker hands to the SMDR service: one call event of a trunk call, before number rules,
// name lookups and formatting. Checked on entry so a bad event is refused with the field that is wrong.

/** The event types of the record's last field, in the words collectors expect. */
export const SMDR_EVENT_TYPES = [
  "RINGING",
  "ANSWERED",
  "CONNECTED",
  "HOLD",
  "DIVERTED",
  "TRANSFERRED",
  "QUEUED",
  "CALLMODIFIED",
  "DISCONNECTED",
] as const;

export type SmdrEventType = typeof SMDR_EVENT_TYPES[number];

/** `IN` for calls that came in over a trunk, `OUT` for calls that went out over one. */
export type SmdrDirection = "IN" | "OUT";

/**
 * One call event of an inbound or outbound trunk call (internal calls are not SMDR calls).
 *
 * Numbers are as the PBX gave them: the service runs `callerNumber` through the incoming (IN) or
 * outgoing (OUT) number rules before it looks up the contact name and formats the record.
 */
export interface SmdrEvent {
  event: SmdrEventType;
  /** When the event happened; the record's date and time (local time of the appliance). */
  at: Date;
  direction: SmdrDirection;
  /** When the call started; with `callSerial` it makes the call ID, so it must not change during a call. */
  callStart: Date;
  /**
   * Tells apart calls that start in the same second; the same on every event of a call. Any
   * non-negative integer; the call ID keeps its last 8 digits.
   */
  callSerial: number;
  /** The trunk (CO line) the call uses. */
  trunk: string;
  /** The extension the event is about (for TRANSFERRED and DIVERTED: the new one). */
  extension: string;
  /** The extension the call came from; printed on DIVERTED and TRANSFERRED only. */
  sourceExtension?: string;
  /** The external party's number: the caller on IN calls, the dialled number on OUT calls. */
  callerNumber: string;
  /** The dialled-in number of an inbound call. */
  ddi?: string;
  accountCode?: string;
  /** Overrides the contact directory's name for `callerNumber`. */
  contactName?: string;
  /** Overrides the DDI directory's name for `ddi`. */
  ddiName?: string;
}

/** An event was refused before anything was stored; `field` names what is wrong. */
export class SmdrEventError extends Error {
  override readonly name = "SmdrEventError";
  constructor(readonly field: keyof SmdrEvent, message: string) {
    super(`SMDR event ${field}: ${message}`);
  }
}

const eventTypes = new Set<string>(SMDR_EVENT_TYPES);
const optionalText = ["sourceExtension", "ddi", "accountCode", "contactName", "ddiName"] as const;

/** Throws `SmdrEventError` unless the event has every field with a usable value. */
export function checkSmdrEvent(event: SmdrEvent): void {
  if (!eventTypes.has(event.event)) {
    throw new SmdrEventError("event", `unknown event type ${JSON.stringify(event.event)}`);
  }
  if (event.direction !== "IN" && event.direction !== "OUT") {
    throw new SmdrEventError("direction", `must be IN or OUT, not ${JSON.stringify(event.direction)}`);
  }
  checkDate(event, "at");
  checkDate(event, "callStart");
  if (!Number.isSafeInteger(event.callSerial) || event.callSerial < 0) {
    throw new SmdrEventError("callSerial", `must be a non-negative integer, not ${event.callSerial}`);
  }
  for (const field of ["trunk", "extension", "callerNumber"] as const) {
    if (typeof event[field] !== "string") throw new SmdrEventError(field, "must be text");
  }
  for (const field of optionalText) {
    const value = event[field];
    if (value !== undefined && typeof value !== "string") throw new SmdrEventError(field, "must be text");
  }
}

function checkDate(event: SmdrEvent, field: "at" | "callStart"): void {
  const value = event[field];
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SmdrEventError(field, "must be a valid date");
  }
  const year = value.getFullYear();
  if (year < 0 || year > 9999) throw new SmdrEventError(field, `year ${year} does not fit a record`);
}
