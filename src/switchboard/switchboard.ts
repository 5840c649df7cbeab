// The multiplexer's dispatcher, without sockets: attaches and detaches applications, routes each APDU
// from an application or the PBX to its handler (monitors.ts, exclusive_services.ts, or forwarding with
// invoke-ID mapping), fans events out, and tells applications how the system is with SystemStatus: on
// every change and as a heartbeat at the PBX's rhythm (PROTOCOL.md §9, §13).

import { type Clock, systemClock } from "../clock.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import { eventNameOf } from "../csta/event_name.ts";
import { type FilterBit, filterBitOf, suppressesBit } from "../csta/monitor_filter.ts";
import { Opcode, SWITCH_ONLY_OPCODES } from "../csta/opcodes.ts";
import {
  type ApduPeek,
  type InvokePeek,
  peekApdu,
  type RejectPeek,
  type ReturnErrorPeek,
  type ReturnResultPeek,
} from "../csta/peek.ts";
import { replaceInvokeId } from "../csta/rewrite.ts";
import { noDataAnswer } from "../csta/rose.ts";
import {
  requestSystemStatusAnswer,
  systemStatusInvoke,
  systemStatusOf,
  type SystemStatusValue,
} from "../csta/system_services.ts";
import type { SeatPool } from "../licensing/seat_pool.ts";
import type { Logger } from "../log/logger.ts";
import type { BackoffPolicy } from "../net/backoff.ts";
import type { Upstream } from "../pbx/upstream.ts";
import type { DeviceDirectory } from "./device_directory.ts";
import type { Subscription } from "./monitor_table.ts";
import { EventCopies } from "./event_copies.ts";
import { HeldEvents } from "./held_events.ts";
import { ExclusiveServices } from "./exclusive_services.ts";
import {
  duplicateInvocationReject,
  failureAnswer,
  linkDownFailure,
  malformedReject,
  tooManyRequestsReject,
  unrecognizedInvocationReject,
  unrecognizedOperationReject,
} from "./local_answers.ts";
import { type LostMonitor, Monitors } from "./monitors.ts";
import { answerFor, requestOnce } from "./pbx_requests.ts";
import { RateMeter } from "./rate_meter.ts";
import { Session, type SessionInfo, type SessionPort } from "./session.ts";

export interface SwitchboardLimits {
  ctiApplications: number;
  requestsInFlightPerApplication: number;
  /** Malformed frames in a row after which a session is closed. */
  malformedFramesBeforeClose: number;
}

export interface SwitchboardOptions {
  upstream: Upstream;
  log: Logger;
  directory: DeviceDirectory;
  limits: () => SwitchboardLimits;
  /** Licence seats; without it every monitor is allowed (tests, unlicensed builds). */
  seats?: SeatPool;
  /** Delays between tries of a lost monitor (pbx.monitorRetrySeconds, pbx.monitorRetryMaxSeconds). */
  monitorRetry?: () => BackoffPolicy;
  clock?: Clock;
  /** [0, 1) random numbers for the retry jitter. */
  random?: () => number;
}

/** What an application may answer an invoke with. */
type ApplicationAnswerPeek = ReturnResultPeek | ReturnErrorPeek | RejectPeek;

/** Why an application could not be attached. */
export interface AttachRefusal {
  refused: string;
}

export class Switchboard {
  #options: SwitchboardOptions;
  #log: Logger;
  #sessions = new Map<number, Session>();
  #nextSessionId = 1;
  #monitors: Monitors;
  #exclusive: ExclusiveServices;
  /** Copies of the EventReports read from the PBX, held per session until {@link pbxFramesEnd}. */
  #held = new HeldEvents();
  /** Whether a microtask will send the held copies, should no `pbxFramesEnd` come this turn. */
  #sendHeldQueued = false;
  #sendHeldSoon = (): void => {
    this.#sendHeldQueued = false;
    this.pbxFramesEnd();
  };
  #eventsIn = new RateMeter();
  #eventsOut = new RateMeter();
  #counters = {
    requests: 0,
    eventsUnknownXref: 0,
    eventsFiltered: 0,
    refusedAttaches: 0,
    shedForMemory: 0,
    /** Cumulative, for /metrics: events from the PBX fanned out, and the copies sent to applications. */
    eventsReceived: 0,
    eventCopiesSent: 0,
    heartbeats: 0,
    closedForMissedHeartbeats: 0,
    pbxSystemStatusIgnored: 0,
  };
  #clock: Clock;
  /** The last SystemStatus every application was told (undefined before the first). */
  #announced?: SystemStatusValue;
  /** What the PBX last said of itself (the link passes on changes only; normal is implied at association). */
  #pbxStatus: SystemStatusValue = "normal";
  /** From a loss of the link until its monitors are re-created: applications hear the outcome once known. */
  #linkDown = false;
  /** Counts link losses and returns, so a re-creation overtaken by another loss does not end it. */
  #linkEpoch = 0;

  constructor(options: SwitchboardOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#monitors = new Monitors({
      upstream: options.upstream,
      log: options.log,
      directory: options.directory,
      seats: options.seats,
      retry: options.monitorRetry,
      onLostChange: () => this.#announce(),
      clock: this.#clock,
      random: options.random,
    });
    this.#exclusive = new ExclusiveServices({
      upstream: options.upstream,
      log: options.log,
      forward: (session, apdu, peek, onResult) => this.#forward(session, apdu, peek, onResult),
    });
  }

  // ---- sessions -------------------------------------------------------------------------------

  /** Attaches an application (after its association was accepted), or says why not. */
  attach(info: SessionInfo, port: SessionPort): Session | AttachRefusal {
    if (info.transport !== "internal") {
      const cti = [...this.#sessions.values()].filter((s) => s.info.transport !== "internal").length;
      const limit = this.#options.limits().ctiApplications;
      if (cti >= limit) {
        this.#counters.refusedAttaches++;
        return { refused: `CTI application limit reached (${limit})` };
      }
    }
    const session = new Session(this.#nextSessionId++, info, port, this.#clock.now());
    this.#sessions.set(session.id, session);
    this.#log.info("application attached", {
      session: session.id,
      remote: info.remote,
      transport: info.transport,
      user: info.user,
    });
    return session;
  }

  /** Tells a newly attached application how the system is, as the PBX does after its AARE. §2.3 [C-pbx] */
  greet(session: Session): void {
    this.#tell(session, this.systemStatus());
  }

  /**
   * What applications are told (§9 [C-std] values): `disabled` while the PBX link is down or its monitors
   * are being re-created, what the PBX itself last reported when that is not normal, `partiallyDisabled`
   * while any monitor an application holds is lost, else `normal`. Never normal while a monitor is lost.
   */
  systemStatus(): SystemStatusValue {
    if (!this.#options.upstream.ready || this.#linkDown) return "disabled";
    if (this.#pbxStatus !== "normal") return this.#pbxStatus;
    if (this.#monitors.lostCount > 0) return "partiallyDisabled";
    return "normal";
  }

  /**
   * The heartbeat, called at the PBX's rhythm (cstaServer.systemStatusSeconds): every application hears
   * the current SystemStatus. One that left `misses` of them unanswered in a row is disconnected, as the
   * PBX drops a client (0 = never; in-process consumers never are). Returns the sessions closed.
   */
  heartbeat(misses: number): number[] {
    const status = this.systemStatus();
    const closed: number[] = [];
    for (const session of [...this.#sessions.values()]) {
      const unanswered = session.unansweredSystemStatus;
      if (misses > 0 && unanswered >= misses && session.info.transport !== "internal") {
        this.#counters.closedForMissedHeartbeats++;
        this.#log.warn("application disconnected: SystemStatus heartbeats unanswered", {
          session: session.id,
          remote: session.info.remote,
          unanswered,
        });
        session.port.close(`${unanswered} SystemStatus heartbeats left unanswered`);
        closed.push(session.id);
        continue;
      }
      this.#counters.heartbeats++;
      this.#tell(session, status);
    }
    this.#announced = status;
    return closed;
  }

  /** Tells every application the current SystemStatus when it differs from what they were last told. */
  #announce(): void {
    const status = this.systemStatus();
    if (status === this.#announced) return;
    this.#announced = status;
    this.#log.info("applications told the system status", { status, lostMonitors: this.#monitors.lostCount });
    for (const session of this.#sessions.values()) this.#tell(session, status);
  }

  #tell(session: Session, status: SystemStatusValue): void {
    const invokeId = session.nextInvokeId();
    session.awaitSystemStatusAnswer(invokeId);
    session.port.deliver(systemStatusInvoke(invokeId, status));
  }

  /** Monitors applications hold that the PBX does not carry, by device, with the reason. */
  lostMonitors(): LostMonitor[] {
    return this.#monitors.lost();
  }

  /** The application is gone: its monitors stop, its exclusive services end, its PBX invokes are acked. */
  detach(session: Session, reason: string): void {
    if (!session.markClosed()) return;
    this.#sessions.delete(session.id);
    this.#monitors.dropSession(session);
    for (const forwarded of session.takeAllForwarded()) {
      this.#options.upstream.send(noDataAnswer(forwarded.pbxInvokeId, forwarded.opcode));
    }
    this.#exclusive.dropSession(session);
    this.#log.info("application detached", { session: session.id, remote: session.info.remote, reason });
  }

  sessions(): Session[] {
    return [...this.#sessions.values()];
  }

  session(id: number): Session | undefined {
    return this.#sessions.get(id);
  }

  // ---- from applications ----------------------------------------------------------------------

  /** One APDU from an application (ACSE is the server's business and never reaches here). */
  fromApplication(session: Session, apdu: Uint8Array): void {
    if (session.closed) return;
    const peek = peekApdu(apdu);
    if (peek instanceof CstaDecodeError) return this.#malformed(session, apdu, peek);
    session.countReadable();
    switch (peek.kind) {
      case "invoke":
        return this.#onApplicationInvoke(session, apdu, peek);
      case "returnResult":
      case "returnError":
      case "reject":
        return this.#onApplicationAnswer(session, apdu, peek);
      default:
        this.#log.debug("ACSE APDU inside an association ignored", { session: session.id, kind: peek.kind });
    }
  }

  #malformed(session: Session, apdu: Uint8Array, error: CstaDecodeError): void {
    const inARow = session.countMalformed();
    session.port.deliver(malformedReject(apdu));
    const limit = this.#options.limits().malformedFramesBeforeClose;
    if (inARow === 1) {
      this.#log.warn("malformed frame from an application", { session: session.id, error: error.message });
    }
    if (inARow >= limit) {
      session.port.close(`${limit} malformed frames in a row (last: ${error.message})`, "malformed");
    }
  }

  #onApplicationInvoke(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    session.countRequest();
    this.#counters.requests++;
    // X.880: an opcode outside what the switch can be asked to do (it only sends these), and an invoke ID
    // still in use by the same application, are refused before anything else. [C-std]
    if (SWITCH_ONLY_OPCODES.has(peek.opcode)) {
      return session.port.deliver(unrecognizedOperationReject(peek.invokeId));
    }
    if (session.hasInFlight(peek.invokeId) || this.#monitors.isWaiting(session, peek.invokeId)) {
      return session.port.deliver(duplicateInvocationReject(peek.invokeId));
    }
    switch (peek.opcode) {
      case Opcode.systemStatus:
        // Heartbeats from applications are answered here, never forwarded. §13 point 7
        return session.port.deliver(noDataAnswer(peek.invokeId, Opcode.systemStatus));
      case Opcode.requestSysStat:
        // The multiplexer's view, not the PBX's: the PBX would say normal while monitors are lost. §9
        return session.port.deliver(requestSystemStatusAnswer(peek.invokeId, this.systemStatus()));
      case Opcode.monitorStart:
        return this.#monitors.start(session, apdu, peek);
      case Opcode.monitorStop:
        return this.#monitors.stop(session, peek);
      case Opcode.changeMonitorFilter:
        return this.#monitors.changeFilter(session, apdu, peek);
      case Opcode.startCDRTransmission:
        return this.#exclusive.startCdr(session, apdu, peek);
      case Opcode.stopCDRTransmission:
        return this.#exclusive.stopCdr(session, peek);
      case Opcode.escape:
        return this.#exclusive.escape(session, apdu, peek);
      case Opcode.getSwitchingFunctionDevices:
        return this.#exclusive.getDeviceList(session, apdu, peek);
      default:
        return this.#forward(session, apdu, peek);
    }
  }

  /**
   * Sends an application's invoke to the PBX under an upstream ID and returns the answer under the
   * application's own ID. `onResult` sees a successful result first (bookkeeping of exclusive services).
   */
  #forward(
    session: Session,
    apdu: Uint8Array,
    peek: InvokePeek,
    onResult?: (result: ReturnResultPeek, apdu: Uint8Array) => void,
  ): void {
    const upstream = this.#options.upstream;
    if (!upstream.ready) return session.port.deliver(failureAnswer(peek.invokeId, linkDownFailure));
    if (!session.beginRequest(this.#options.limits().requestsInFlightPerApplication, peek.invokeId)) {
      return session.port.deliver(tooManyRequestsReject(peek.invokeId));
    }
    void requestOnce(upstream, apdu, (outcome) => {
      session.endRequest(peek.invokeId);
      if (session.closed) return;
      if (outcome.kind === "answer" && outcome.peek.kind === "returnResult") {
        onResult?.(outcome.peek, outcome.apdu);
      }
      session.port.deliver(answerFor(peek.invokeId, outcome));
    });
  }

  /**
   * An application answers an invoke it was sent: a PBX invoke passed on (CDR report, KME reply) goes up;
   * an answer to cstabox's own (SystemStatus, MonitorStop) ends there. An answer under an ID with nothing
   * outstanding gets Reject returnResult/returnError unrecognizedInvocation (X.880 [C-std]); a Reject is
   * never rejected (X.880 has no problem for it, and two peers could reject each other for ever).
   */
  #onApplicationAnswer(session: Session, apdu: Uint8Array, peek: ApplicationAnswerPeek): void {
    const invokeId = peek.invokeId;
    if (invokeId === null) return;
    const expected = session.takeOutstanding(invokeId);
    if (session.systemStatusAnswered(invokeId)) return;
    const forwarded = session.takeForwarded(invokeId);
    if (forwarded) return void this.#options.upstream.send(replaceInvokeId(apdu, forwarded.pbxInvokeId));
    if (expected) return;
    this.#log.debug("answer for no outstanding invoke", { session: session.id, kind: peek.kind, invokeId });
    if (peek.kind !== "reject") session.port.deliver(unrecognizedInvocationReject(invokeId, peek.kind));
  }

  // ---- from the PBX -----------------------------------------------------------------------------

  /**
   * A frame from the PBX that the link does not handle itself. An EventReport's copies are held until
   * {@link pbxFramesEnd} (at the latest the end of the turn); any other frame sends them first, so every
   * application sees the PBX's frames in the order they came.
   */
  fromPbx(apdu: Uint8Array, peek: ApduPeek): void {
    if (peek.kind !== "invoke") return;
    if (peek.opcode === Opcode.cSTAEventReport) return this.#fanOut(apdu, peek);
    this.pbxFramesEnd();
    switch (peek.opcode) {
      case Opcode.monitorStop:
        return this.#monitors.stoppedByPbx(apdu, peek);
      case Opcode.systemStatus:
        return this.#pbxSystemStatus(apdu, peek);
      case Opcode.swFunctionDevicesChanged:
      case Opcode.swFunctionCapsChanged:
        this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
        return this.#broadcast(apdu);
      case Opcode.switchingFunctionDevices:
        return this.#exclusive.deviceListSegment(apdu, peek);
      case Opcode.cDRReport:
      case Opcode.cDRNotification:
        return this.#exclusive.cdrFromPbx(apdu, peek);
      case Opcode.stopCDRTransmission:
        return this.#exclusive.cdrStoppedByPbx(apdu, peek);
      case Opcode.escape:
        return this.#exclusive.escapeFromPbx(apdu, peek);
      default:
        this.#log.warn("unexpected invoke from the PBX rejected", { opcode: peek.opcode });
        this.#options.upstream.send(unrecognizedOperationReject(peek.invokeId));
    }
  }

  #fanOut(apdu: Uint8Array, peek: InvokePeek): void {
    this.#eventsIn.add(this.#clock.now());
    this.#counters.eventsReceived++;
    const monitor = peek.crossRef ? this.#monitors.byPbxXref(peek.crossRef.id) : undefined;
    if (!monitor) {
      this.#counters.eventsUnknownXref++;
      return;
    }
    const event = eventNameOf(apdu, peek);
    const filterBit = event === undefined ? undefined : filterBitOf(event);
    // The copies are made when they are sent, from this view of the link's read buffer: the link sends
    // them (pbxFramesEnd) before it reads into that buffer again.
    const copies = new EventCopies(apdu);
    let copied = 0;
    for (const subscription of monitor.subscribers.values()) {
      copied += this.#holdCopy(subscription, copies, filterBit);
    }
    this.#eventsOut.add(this.#clock.now(), copied);
    this.#counters.eventCopiesSent += copied;
    if (!this.#sendHeldQueued) {
      this.#sendHeldQueued = true;
      queueMicrotask(this.#sendHeldSoon);
    }
  }

  /** Holds one subscriber's copy of an event, unless its filter suppresses it; 1 when a copy is held. */
  #holdCopy(subscription: Subscription, copies: EventCopies, filterBit: FilterBit | undefined): number {
    if (filterBit !== undefined && suppressesBit(subscription.filter, filterBit)) {
      subscription.session.countEventFiltered();
      this.#counters.eventsFiltered++;
      return 0;
    }
    // Only the invoke ID and crossRef change; private data stays byte for byte, and each copy is
    // written straight into the session's queue when sent. §13 points 2 and 5
    this.#held.hold(subscription.session, copies, subscription.appXref);
    return 1;
  }

  /**
   * The frames given to {@link fromPbx} so far take effect now: the held EventReport copies are queued,
   * application by application, each application's write started as its copies are in. The link calls it
   * at the end of every read and before it acts on a frame itself (an answer settles its request at once);
   * without a call, the copies go at the end of the turn.
   */
  pbxFramesEnd(): void {
    if (!this.#held.empty) this.#held.send();
  }

  /**
   * The PBX reports a change of its own status (the link answered it and passes on changes only): it
   * becomes part of what applications are told. A value outside ECMA-285 is not passed on. §9 [C-std]
   */
  #pbxSystemStatus(apdu: Uint8Array, peek: InvokePeek): void {
    const status = systemStatusOf(apdu, peek);
    if (status === undefined || typeof status === "number") {
      this.#counters.pbxSystemStatusIgnored++;
      this.#log.warn("SystemStatus from the PBX with an undefined status value not passed on", {
        status: status ?? null,
      });
      return;
    }
    this.#pbxStatus = status;
    this.#announce();
  }

  #broadcast(apdu: Uint8Array): void {
    for (const session of this.#sessions.values()) {
      session.port.deliver(replaceInvokeId(apdu, session.nextInvokeId()));
    }
  }

  // ---- link state -------------------------------------------------------------------------------

  /** The link is down: applications stay, hear SystemStatus(disabled), monitors wait to be re-created. */
  pbxLost(reason: string): void {
    // Events read before the loss are still delivered, before the SystemStatus that announces it.
    this.pbxFramesEnd();
    this.#linkDown = true;
    this.#linkEpoch++;
    this.#monitors.linkLost(reason);
    for (const session of this.#sessions.values()) session.takeAllForwarded();
    this.#announce();
  }

  /**
   * The link is (back) up: re-create every monitor that has subscribers under the applications' old
   * crossRefs, re-register CDR, then tell applications how it went: SystemStatus(normal), or
   * partiallyDisabled while monitors are still lost (they are retried). §13 keepalive
   */
  async pbxReady(): Promise<void> {
    this.#pbxStatus = "normal";
    this.#linkDown = true;
    const epoch = ++this.#linkEpoch;
    try {
      await Promise.all([this.#monitors.linkReady(), this.#exclusive.linkReady()]);
    } finally {
      if (epoch === this.#linkEpoch) this.#linkDown = false;
    }
    this.#announce();
  }

  /**
   * Keeps the bytes queued for all applications together under `budget`: while over it, the application
   * with the most queued bytes is disconnected. One application reading slowly meets its own queue limit;
   * this protects the box when many fall behind at once. Returns the sessions it closed.
   */
  shedQueuedBytes(budget: number): number[] {
    const closed: number[] = [];
    const queued = this.sessions()
      .filter((s) => s.info.transport !== "internal")
      .map((s) => ({ session: s, bytes: s.port.queuedBytes() }))
      .sort((a, b) => b.bytes - a.bytes);
    let total = queued.reduce((sum, q) => sum + q.bytes, 0);
    for (const { session, bytes } of queued) {
      if (total <= budget) break;
      this.#counters.shedForMemory++;
      this.#log.warn("application disconnected: the total queue budget is exceeded", {
        session: session.id,
        remote: session.info.remote,
        queuedBytes: bytes,
        totalQueuedBytes: total,
        budget,
      });
      session.port.close(`not reading: total queued bytes ${total} exceed the budget ${budget}`, "memory");
      closed.push(session.id);
      total -= bytes;
    }
    return closed;
  }

  // ---- status -----------------------------------------------------------------------------------

  status() {
    const now = this.#clock.now();
    const { monitors, lostMonitors, licenceRefusals, lastLicenceRefusal, ...monitorCounters } = this.#monitors
      .status();
    return {
      applications: this.sessions().map((s) => ({
        id: s.id,
        transport: s.info.transport,
        remote: s.info.remote,
        user: s.info.user ?? null,
        connectedAt: s.connectedAt,
        monitors: s.subscriptionCount,
        requestsInFlight: s.requestsInFlight,
        queuedBytes: s.port.queuedBytes(),
        ...s.counters(),
        owns: this.#exclusive.ownedBy(s),
      })),
      systemStatus: this.systemStatus(),
      monitors,
      lostMonitors,
      ...this.#exclusive.status(),
      eventsInPerSecond: this.#eventsIn.perSecond(now),
      eventsOutPerSecond: this.#eventsOut.perSecond(now),
      lastLicenceRefusal,
      ...this.#counters,
      ...monitorCounters,
      licenceRefusals,
    };
  }
}
