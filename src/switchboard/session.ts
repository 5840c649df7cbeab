// One application's side of the multiplexer: who it is, how to reach it, its invoke IDs towards it,
// its requests in flight at the PBX and its monitor subscriptions.

import type { FrameTemplate } from "../csta/frame_template.ts";
import { FRAME_HEADER_SIZE } from "../csta/framing.ts";
import type { Subscription } from "./monitor_table.ts";

export type Transport = "tcp" | "tls" | "internal";

/** What the server (or an in-process consumer) tells the Switchboard about a new session. */
export interface SessionInfo {
  transport: Transport;
  /** `address:port` of the peer, or the consumer's name for internal sessions. */
  remote: string;
  user?: string;
  /**
   * Who holds licence seats for this session's monitors: `application` (remote CSTA applications),
   * `line` (the line API) or `call-tracking` (the appliance's own, licence-free).
   */
  seatKind: "application" | "line" | "call-tracking";
}

/** How the Switchboard reaches the session's peer. Implementations never throw. */
export interface SessionPort {
  /** Queues one APDU (without frame header) for the peer. */
  deliver(apdu: Uint8Array): void;
  /**
   * Queues one framed APDU that writes itself into the port's queue: the event fan-out's copies, which
   * then cost no buffer of their own. Ports without it get the APDU through `deliver`.
   */
  deliverFrom?(source: FrameTemplate): void;
  /** Ends the session from the multiplexer's side (limit exceeded, garbage), with the reason. */
  close(reason: string): void;
  /** Bytes waiting to be written to the peer, for status. */
  queuedBytes(): number;
}

/** A PBX invoke passed to this session that expects its answer (CDR report, KME reply). */
export interface ForwardedInvoke {
  pbxInvokeId: number;
  opcode: number;
}

export class Session {
  readonly connectedAt = new Date().toISOString();
  readonly subscriptions = new Set<Subscription>();
  /** Session-side invoke ID -> the PBX invoke it stands for. */
  readonly forwardedInvokes = new Map<number, ForwardedInvoke>();
  requestsInFlight = 0;
  #nextInvokeId = 1;
  counters = { requests: 0, eventsSent: 0, eventsFiltered: 0, rejected: 0, malformed: 0 };
  /** Malformed frames in a row; reset by any good frame. */
  consecutiveMalformed = 0;
  closed = false;

  constructor(readonly id: number, readonly info: SessionInfo, readonly port: SessionPort) {}

  /** The licence holder ID of this session in the seat pool. */
  get holderId(): string {
    return `session:${this.id}`;
  }

  /** Queues an event copy for the peer, copied out at once (see {@link SessionPort.deliverFrom}). */
  deliverCopy(copy: FrameTemplate): void {
    if (this.port.deliverFrom) this.port.deliverFrom(copy);
    else this.port.deliver(copy.toFrame().subarray(FRAME_HEADER_SIZE));
  }

  /** Invoke IDs for invokes the multiplexer sends the application: 1..32767, wrapping. */
  nextInvokeId(): number {
    const id = this.#nextInvokeId;
    this.#nextInvokeId = id === 32767 ? 1 : id + 1;
    return id;
  }
}
