// One application's side of the multiplexer: who it is, how to reach it, its invoke IDs towards it,
// its requests in flight at the PBX and its monitor subscriptions.

import type { FrameTemplate } from "../csta/frame_template.ts";
import { FRAME_HEADER_SIZE } from "../csta/framing.ts";
import { APP_XREF_OCTETS, appXrefOctets } from "./app_xref.ts";
import type { EventCopies } from "./event_copies.ts";
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
  /**
   * Starts writing what is queued now, not at the end of the turn: the fan-out calls it once the session's
   * copies of a PBX read are queued (see `HeldEvents`). Ports without it write when they write.
   */
  startWrite?(): void;
  /**
   * Ends the session from the multiplexer's side, with the reason. `malformed`: after the frames' Rejects
   * have been written (they were promised); `memory`: at once, since the queue itself is the problem.
   */
  close(reason: string, cause?: CloseCause): void;
  /** Bytes waiting to be written to the peer, for status. */
  queuedBytes(): number;
}

/** Why the multiplexer ends a session; the server counts and flushes accordingly. */
export type CloseCause = "malformed" | "memory";

/** Where a held copy's crossRef octets are written on their way into the copy (copied out at once). */
const xrefScratch = new Uint8Array(APP_XREF_OCTETS);

/** Invokes towards the application remembered as awaiting its answer; older ones are forgotten first. */
const OUTSTANDING_KEPT = 1024;

/** A PBX invoke passed to this session that expects its answer (CDR report, KME reply). */
export interface ForwardedInvoke {
  pbxInvokeId: number;
  opcode: number;
}

/** What a session has done, for status. */
export interface SessionCounters {
  requests: number;
  eventsSent: number;
  eventsFiltered: number;
  rejected: number;
  malformed: number;
}

/**
 * One attached application. Its state changes only through these methods, so the Switchboard's parts
 * (dispatcher, monitors, exclusive services) cannot leave it half-updated.
 */
export class Session {
  /** When the session was attached (ISO time). */
  readonly connectedAt: string;
  /** Served in-process (call tracking, the line API): the fan-out serves it after every socket. */
  readonly inProcess: boolean;
  #subscriptions = new Set<Subscription>();
  /** Session-side invoke ID -> the PBX invoke it stands for. */
  #forwardedInvokes = new Map<number, ForwardedInvoke>();
  /** The application's own invoke IDs of requests in flight at the PBX. */
  #invokesInFlight = new Set<number>();
  /** IDs of invokes sent to the application that await its answer (X.880 "outstanding"). */
  #outstanding = new Set<number>();
  #nextInvokeId = 1;
  #counters: Omit<SessionCounters, "eventsSent"> = {
    requests: 0,
    eventsFiltered: 0,
    rejected: 0,
    malformed: 0,
  };
  /**
   * The counter the fan-out moves for every copy, kept on the session itself rather than in `#counters`: at
   * 500,000 copies a second each object a copy touches is a cache miss more (issue 24, docs/BENCHMARKS.md).
   */
  #eventsSent = 0;
  /** The port's `deliverFrom`, or a fallback through `deliver`: looked up once, called for every copy. */
  #deliverFrom: (source: FrameTemplate) => void;
  /**
   * Event copies of the PBX read in progress, with their crossRefs, until {@link sendHeldEvents}: the first
   * `#heldCount` entries. The arrays are never emptied (`length = 0` gives up their room, and 1,000 sessions
   * grew them again at every read); older entries are overwritten by the next read's.
   */
  #heldCopies: EventCopies[] = [];
  #heldXrefs: number[] = [];
  #heldCount = 0;
  /** Malformed frames in a row; reset by any good frame. */
  #consecutiveMalformed = 0;
  #closed = false;
  /** Invoke IDs of SystemStatus invokes sent to the application and not yet answered. */
  #systemStatusAwaited = new Set<number>();

  constructor(
    readonly id: number,
    readonly info: SessionInfo,
    readonly port: SessionPort,
    attachedAt: number,
  ) {
    this.connectedAt = new Date(attachedAt).toISOString();
    this.inProcess = info.transport === "internal";
    this.#deliverFrom = port.deliverFrom
      ? port.deliverFrom.bind(port)
      : (source) => port.deliver(source.toFrame().subarray(FRAME_HEADER_SIZE));
  }

  /** The licence holder ID of this session in the seat pool. */
  get holderId(): string {
    return `session:${this.id}`;
  }

  /** Detached: nothing more is delivered to it or taken from it. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the session detached; false when it already was. */
  markClosed(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }

  // ---- monitor subscriptions ----

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** A copy of the subscriptions, safe to iterate while they change. */
  subscriptions(): Subscription[] {
    return [...this.#subscriptions];
  }

  addSubscription(subscription: Subscription): void {
    this.#subscriptions.add(subscription);
  }

  removeSubscription(subscription: Subscription): void {
    this.#subscriptions.delete(subscription);
  }

  /** Whether any subscription of this session is on the monitor of `deviceKey` (it then keeps its seat). */
  holdsDevice(deviceKey: string): boolean {
    for (const subscription of this.#subscriptions) {
      if (subscription.monitor.key === deviceKey) return true;
    }
    return false;
  }

  // ---- PBX invokes passed to the application, which owes their answer ----

  /** Remembers a PBX invoke passed on under `invokeId` of this session, until the application answers. */
  rememberForwarded(invokeId: number, forwarded: ForwardedInvoke): void {
    this.#forwardedInvokes.set(invokeId, forwarded);
  }

  /** The PBX invoke an application's answer belongs to, forgotten as it is taken. */
  takeForwarded(invokeId: number): ForwardedInvoke | undefined {
    const forwarded = this.#forwardedInvokes.get(invokeId);
    this.#forwardedInvokes.delete(invokeId);
    return forwarded;
  }

  /** Every PBX invoke still owed an answer, forgotten as they are taken (detach, link loss). */
  takeAllForwarded(): ForwardedInvoke[] {
    const all = [...this.#forwardedInvokes.values()];
    this.#forwardedInvokes.clear();
    return all;
  }

  // ---- SystemStatus towards the application, which answers it as it answers the PBX's ----

  /** Remembers a SystemStatus invoke sent to the application; its answer counts it as alive. */
  awaitSystemStatusAnswer(invokeId: number): void {
    // Invoke IDs wrap at 32767: a sent ID that comes round again is simply awaited again.
    this.#systemStatusAwaited.add(invokeId);
  }

  /** SystemStatus invokes sent and unanswered since the application last answered one. */
  get unansweredSystemStatus(): number {
    return this.#systemStatusAwaited.size;
  }

  /** Whether `invokeId` answers one of our SystemStatus invokes; any such answer clears the count. */
  systemStatusAnswered(invokeId: number): boolean {
    if (!this.#systemStatusAwaited.has(invokeId)) return false;
    this.#systemStatusAwaited.clear();
    return true;
  }

  // ---- requests at the PBX ----

  get requestsInFlight(): number {
    return this.#invokesInFlight.size;
  }

  /** Whether the application's invoke `invokeId` is still in flight at the PBX (a reuse is a duplicate). */
  hasInFlight(invokeId: number): boolean {
    return this.#invokesInFlight.has(invokeId);
  }

  /** Counts a request towards the PBX in, or refuses it (counted as rejected) at `limit` in flight. */
  beginRequest(limit: number, invokeId: number): boolean {
    if (this.#invokesInFlight.size >= limit) {
      this.#counters.rejected++;
      return false;
    }
    this.#invokesInFlight.add(invokeId);
    return true;
  }

  endRequest(invokeId: number): void {
    this.#invokesInFlight.delete(invokeId);
  }

  // ---- counters ----

  /** A frame that could not be read; returns how many came in a row. */
  countMalformed(): number {
    this.#counters.malformed++;
    return ++this.#consecutiveMalformed;
  }

  /** A frame that could be read ends a run of malformed ones. */
  countReadable(): void {
    this.#consecutiveMalformed = 0;
  }

  countRequest(): void {
    this.#counters.requests++;
  }

  countEventFiltered(): void {
    this.#counters.eventsFiltered++;
  }

  /** A copy of the counters, for status. */
  counters(): SessionCounters {
    return { ...this.#counters, eventsSent: this.#eventsSent };
  }

  /**
   * Holds one EventReport copy for the subscription `appXref` until the read's copies are sent; true when it
   * is the first held since they were last sent (the caller then remembers to send them, see
   * `HeldEvents`).
   */
  holdEvent(copies: EventCopies, appXref: number): boolean {
    const index = this.#heldCount++;
    this.#heldCopies[index] = copies;
    this.#heldXrefs[index] = appXref;
    return index === 0;
  }

  /**
   * Queues the held copies in the order they were held, each under the session's next invoke ID and its
   * subscription's crossRef octets, written straight into the port's queue (see
   * {@link SessionPort.deliverFrom}), and starts their write. A closed session drops them.
   */
  sendHeldEvents(): void {
    const count = this.#heldCount;
    this.#heldCount = 0;
    if (this.#closed) return;
    const copies = this.#heldCopies;
    const xrefs = this.#heldXrefs;
    for (let i = 0; i < count; i++) {
      this.#eventsSent++;
      this.#deliverFrom(
        copies[i].addressedTo(this.nextEventInvokeId(), appXrefOctets(xrefs[i], xrefScratch)),
      );
    }
    this.port.startWrite?.();
  }

  /**
   * The invoke ID for an invoke the multiplexer sends the application that awaits an answer (SystemStatus,
   * a forwarded CDR report, MonitorStop): 1..32767, wrapping, remembered until answered.
   */
  nextInvokeId(): number {
    const id = this.nextEventInvokeId();
    this.#outstanding.delete(id);
    this.#outstanding.add(id);
    if (this.#outstanding.size > OUTSTANDING_KEPT) {
      this.#outstanding.delete(this.#outstanding.values().next().value!);
    }
    return id;
  }

  /** The invoke ID for an EventReport, which is never answered (§3 [C-std]): not remembered. */
  nextEventInvokeId(): number {
    const id = this.#nextInvokeId;
    this.#nextInvokeId = id === 32767 ? 1 : id + 1;
    return id;
  }

  /** Takes the application's answer to an outstanding invoke; false when none is outstanding under `id`. */
  takeOutstanding(invokeId: number): boolean {
    return this.#outstanding.delete(invokeId);
  }
}
