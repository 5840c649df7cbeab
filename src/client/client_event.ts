// One EventReport as the client hands it out: the crossRef that ties it to a monitor, the event's ECMA
// name read from its tags, the typed event, and the raw bytes, so nothing the switch sent is lost.

import { CstaDecodeError } from "../csta/decode_error.ts";
import { type CstaEvent, decodeEventReport } from "../csta/event_report.ts";
import type { InvokePeek } from "../csta/peek.ts";
import { eventNameOf } from "../csta/event_name.ts";

/** An EventReport (op 21) received by the client. §8.3 */
export interface ClientEvent {
  /** The monitor's crossRefIdentifier (`55` content), as monitorStart returned it. */
  crossRef: Uint8Array;
  /** ECMA event name (`delivered`, `established`, `doNotDisturb`…); undefined outside the §8.3 layout. */
  name?: string;
  /**
   * The event decoded: `{ kind: "delivered", connection, callingDevice, … }`, or `{ kind: "unknown", … }`
   * for events without a codec. Undefined when the bytes do not fit the codec (see `decodeError`).
   */
  event?: CstaEvent;
  /** Why `event` is missing. */
  decodeError?: CstaDecodeError;
  /** The switch's invoke ID of the report (never answered, §3). */
  invokeId: number;
  /** The CSTAEventReportArgument element `30 { 55 …, … }`, header included. */
  argument: Uint8Array;
  /** The whole APDU as received. */
  apdu: Uint8Array;
}

/** The event view of an EventReport invoke, or null when it carries no crossRef (mistyped). */
export function clientEventOf(apdu: Uint8Array, peek: InvokePeek): ClientEvent | null {
  if (!peek.crossRef || peek.argumentStart === null) return null;
  const event: ClientEvent = {
    crossRef: apdu.subarray(peek.crossRef.valueStart, peek.crossRef.end),
    invokeId: peek.invokeId,
    argument: apdu.subarray(peek.argumentStart, peek.argumentEnd!),
    apdu,
  };
  const name = eventNameOf(apdu, peek);
  if (name) event.name = name;
  try {
    event.event = decodeEventReport(event.argument).event;
  } catch (error) {
    if (!(error instanceof CstaDecodeError)) throw error;
    event.decodeError = error;
  }
  return event;
}
