// The multiplexer's brain, without sockets: sessions, invoke-ID mapping, the shared monitor table with
// per-application cross-references and filters, event fan-out, exclusive services (CDR, hotel), and what
// happens to all of it when the PBX link drops and returns (PROTOCOL.md §13).

import { CstaDecodeError } from "../csta/decode_error.ts";
import { filterSuppresses, type MonitorFilter } from "../csta/monitor_filter.ts";
import { Opcode } from "../csta/opcodes.ts";
import { type ApduPeek, type InvokePeek, peekApdu, type ReturnResultPeek } from "../csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId } from "../csta/rewrite.ts";
import { EventCopies } from "./event_copies.ts";
import type { SeatPool, SeatRefusal } from "../licensing/seat_pool.ts";
import type { Logger } from "../log/logger.ts";
import type { Upstream, UpstreamOutcome } from "../pbx/upstream.ts";
import type { DeviceDirectory } from "./device_directory.ts";
import { eventNameOf } from "../csta/event_name.ts";
import { stopCdrInvoke } from "../csta/call_detail_records.ts";
import { isHotelEscape } from "../csta/kme_private_data.ts";
import {
  changeMonitorFilterAnswer,
  monitorStartAnswer,
  monitorStartInvoke,
  monitorStopInvoke,
} from "../csta/monitoring.ts";
import { firstOctetString, readChangeMonitorFilter, readMonitorStart } from "../csta/monitor_request.ts";
import { noDataAnswer } from "../csta/rose.ts";
import { systemStatusInvoke } from "../csta/system_services.ts";
import {
  exclusiveServiceTakenFailure,
  failureAnswer,
  linkDownFailure,
  malformedReject,
  mistypedArgumentFailure,
  noLicenceFailure,
  timeoutFailure,
  tooManyRequestsReject,
  unknownCrossRefFailure,
  unrecognizedOperationReject,
} from "./local_answers.ts";
import { APP_XREF_OCTETS, appXrefOctets } from "./app_xref.ts";
import { type Monitor, MonitorTable, type Subscription, xrefKey } from "./monitor_table.ts";
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
  now?: () => number;
}

/** Why an application could not be attached. */
export interface AttachRefusal {
  refused: string;
}

/** A MonitorStart waiting for the PBX to answer the first request for the same device. */
interface WaitingStart {
  session: Session;
  invokeId: number;
  filterElement?: Uint8Array;
  filter: MonitorFilter;
}

/** An exclusive service (CDR, hotel) and who owns it. */
interface ExclusiveOwner {
  session: Session;
  /** CDR: the StartCDR invoke, re-sent after a reconnect. */
  startInvoke?: Uint8Array;
  /** CDR: the PBX's current cdrCrossRefID. */
  pbxCrossRef?: Uint8Array;
}

export class Switchboard {
  #options: SwitchboardOptions;
  #log: Logger;
  #sessions = new Map<number, Session>();
  #nextSessionId = 1;
  #monitors = new MonitorTable();
  /** Each fan-out copy's crossRef octets, copied into the application's queue at once. */
  #appXrefScratch = new Uint8Array(APP_XREF_OCTETS);
  #waiting = new Map<Monitor, WaitingStart[]>();
  #cdr?: ExclusiveOwner;
  #hotel?: ExclusiveOwner;
  /** serviceCrossRefID of a GetSwitchingFunctionDevices -> the session that asked. §9 */
  #deviceListRequests = new Map<string, Session>();
  /** The last session that sent an escape: KME linked replies go to it. §11 [?] */
  #escapeRequester?: Session;
  #eventsIn = new RateMeter();
  #eventsOut = new RateMeter();
  #counters = {
    requests: 0,
    eventsUnknownXref: 0,
    eventsFiltered: 0,
    refusedAttaches: 0,
    licenceRefusals: 0,
    shedForMemory: 0,
  };
  #lastLicenceRefusal?: SeatRefusal;
  #now: () => number;

  constructor(options: SwitchboardOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
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
    const session = new Session(this.#nextSessionId++, info, port);
    this.#sessions.set(session.id, session);
    this.#log.info("application attached", {
      session: session.id,
      remote: info.remote,
      transport: info.transport,
      user: info.user,
    });
    return session;
  }

  /** Tells a newly attached application how the PBX is, as the PBX does after its AARE. §2.3 [C-pbx] */
  greet(session: Session): void {
    const status = this.#options.upstream.ready ? "normal" : "disabled";
    session.port.deliver(systemStatusInvoke(session.nextInvokeId(), status));
  }

  /** The application is gone: its monitors stop, its exclusive services end, its PBX invokes are acked. */
  detach(session: Session, reason: string): void {
    if (session.closed) return;
    session.closed = true;
    this.#sessions.delete(session.id);
    for (const subscription of [...session.subscriptions]) this.#unsubscribe(session, subscription);
    for (const forwarded of session.forwardedInvokes.values()) {
      this.#options.upstream.send(noDataAnswer(forwarded.pbxInvokeId, forwarded.opcode));
    }
    session.forwardedInvokes.clear();
    if (this.#cdr?.session === session) this.#endCdr("its owner disconnected");
    if (this.#hotel?.session === session) this.#hotel = undefined;
    if (this.#escapeRequester === session) this.#escapeRequester = undefined;
    for (const [key, owner] of this.#deviceListRequests) {
      if (owner === session) this.#deviceListRequests.delete(key);
    }
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
    if (peek instanceof CstaDecodeError) return this.#malformed(session, peek);
    session.consecutiveMalformed = 0;
    switch (peek.kind) {
      case "invoke":
        return this.#onApplicationInvoke(session, apdu, peek);
      case "returnResult":
      case "returnError":
      case "reject":
        return this.#onApplicationAnswer(session, apdu, peek.invokeId);
      default:
        this.#log.debug("ACSE APDU inside an association ignored", { session: session.id, kind: peek.kind });
    }
  }

  #malformed(session: Session, error: CstaDecodeError): void {
    session.counters.malformed++;
    session.consecutiveMalformed++;
    session.port.deliver(malformedReject());
    const limit = this.#options.limits().malformedFramesBeforeClose;
    if (session.consecutiveMalformed === 1) {
      this.#log.warn("malformed frame from an application", { session: session.id, error: error.message });
    }
    if (session.consecutiveMalformed >= limit) {
      session.port.close(`${limit} malformed frames in a row (last: ${error.message})`);
    }
  }

  #onApplicationInvoke(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    session.counters.requests++;
    this.#counters.requests++;
    switch (peek.opcode) {
      case Opcode.systemStatus:
        // Heartbeats from applications are answered here, never forwarded. §13 point 7
        return session.port.deliver(noDataAnswer(peek.invokeId, Opcode.systemStatus));
      case Opcode.monitorStart:
        return this.#monitorStart(session, apdu, peek);
      case Opcode.monitorStop:
        return this.#monitorStop(session, peek);
      case Opcode.changeMonitorFilter:
        return this.#changeMonitorFilter(session, apdu, peek);
      case Opcode.startCDRTransmission:
        return this.#startCdr(session, apdu, peek);
      case Opcode.stopCDRTransmission:
        return this.#stopCdr(session, peek);
      case Opcode.escape:
        return this.#escape(session, apdu, peek);
      case Opcode.getSwitchingFunctionDevices:
        return this.#forward(session, apdu, peek, (result, answer) => {
          const crossRef = firstOctetString(resultValue(result, answer));
          if (crossRef) this.#rememberDeviceListRequest(xrefKey(crossRef), session);
        });
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
    if (session.requestsInFlight >= this.#options.limits().requestsInFlightPerApplication) {
      session.counters.rejected++;
      return session.port.deliver(tooManyRequestsReject(peek.invokeId));
    }
    session.requestsInFlight++;
    void this.#request(apdu, (outcome) => {
      session.requestsInFlight--;
      if (session.closed) return;
      if (outcome.kind === "answer" && outcome.peek.kind === "returnResult") {
        onResult?.(outcome.peek, outcome.apdu);
      }
      session.port.deliver(this.#answerFor(peek.invokeId, outcome));
    });
  }

  /**
   * Sends an invoke to the PBX and calls `settle` exactly once: as soon as the answer is read, before
   * any later frame from the PBX is routed (the answer may be followed at once by events under a new
   * crossRef, or device-list segments), or with the timeout or link-down outcome.
   */
  #request(invoke: Uint8Array, settle: (outcome: UpstreamOutcome) => void): Promise<void> {
    let settled = false;
    const onAnswer = (apdu: Uint8Array, peek: ApduPeek) => {
      settled = true;
      settle({ kind: "answer", apdu, peek });
    };
    return this.#options.upstream.request(invoke, { onAnswer }).then((outcome) => {
      if (!settled) settle(outcome);
    });
  }

  /** The application's answer for an upstream outcome: the PBX's own bytes with the ID put back. */
  #answerFor(invokeId: number, outcome: UpstreamOutcome): Uint8Array {
    switch (outcome.kind) {
      case "answer":
        return replaceInvokeId(outcome.apdu, invokeId);
      case "timeout":
        return failureAnswer(invokeId, timeoutFailure);
      case "linkDown":
        return failureAnswer(invokeId, linkDownFailure);
      case "busy":
        return tooManyRequestsReject(invokeId);
    }
  }

  /** An application answers an invoke the PBX sent it (CDR report, KME reply): pass it up. */
  #onApplicationAnswer(session: Session, apdu: Uint8Array, invokeId: number | null): void {
    if (invokeId === null) return;
    const forwarded = session.forwardedInvokes.get(invokeId);
    if (!forwarded) return; // answers to events and broadcasts are swallowed
    session.forwardedInvokes.delete(invokeId);
    this.#options.upstream.send(replaceInvokeId(apdu, forwarded.pbxInvokeId));
  }

  // ---- monitors -------------------------------------------------------------------------------

  #monitorStart(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    const request = peek.argumentStart === null
      ? new CstaDecodeError("MonitorStart", 0, "no argument")
      : readMonitorStart(apdu.subarray(peek.argumentStart, peek.argumentEnd!));
    if (request instanceof CstaDecodeError) {
      this.#log.warn("MonitorStart argument not understood", { session: session.id, error: request.message });
      return session.port.deliver(failureAnswer(peek.invokeId, mistypedArgumentFailure));
    }
    const key = request.device
      ? this.#options.directory.keyOf(request.device)
      : `c:${xrefKey(request.objectElement)}`;
    if (!this.#acquireSeat(session, key)) {
      return session.port.deliver(failureAnswer(peek.invokeId, noLicenceFailure));
    }
    const { monitor, created } = this.#monitors.monitorFor(key, request.objectElement);
    const waiting: WaitingStart = {
      session,
      invokeId: peek.invokeId,
      filter: request.filter,
      filterElement: request.filterElement,
    };
    if (monitor.state === "active") return this.#admit(monitor, waiting);
    if (!this.#options.upstream.ready) {
      if (created) this.#monitors.remove(monitor);
      this.#releaseSeat(session, key);
      return session.port.deliver(failureAnswer(peek.invokeId, linkDownFailure));
    }
    this.#waiting.set(monitor, [...(this.#waiting.get(monitor) ?? []), waiting]);
    if (created || monitor.state === "lost") void this.#startInPbx(monitor);
  }

  /** Starts (or re-starts) a monitor in the PBX and settles everyone waiting for it. */
  #startInPbx(monitor: Monitor): Promise<void> {
    monitor.state = "starting";
    return this.#request(
      monitorStartInvoke(0, monitor.deviceElement),
      (outcome) => this.#settleStart(monitor, outcome),
    );
  }

  #settleStart(monitor: Monitor, outcome: UpstreamOutcome): void {
    const waiting = this.#waiting.get(monitor) ?? [];
    this.#waiting.delete(monitor);
    const crossRef = outcome.kind === "answer" && outcome.peek.kind === "returnResult"
      ? outcome.peek.crossRef
      : null;
    if (crossRef) {
      this.#monitors.activate(monitor, crossRef.id);
      for (const start of waiting) this.#admit(monitor, start);
      return;
    }
    const reason = describeOutcome(outcome);
    this.#log.warn("the PBX did not start a monitor", { device: monitor.key, reason });
    for (const start of waiting) {
      this.#releaseSeat(start.session, monitor.key);
      if (!start.session.closed) start.session.port.deliver(this.#answerFor(start.invokeId, outcome));
    }
    if (monitor.subscribers.size === 0) this.#monitors.remove(monitor);
    else this.#monitors.markLost(monitor, reason);
  }

  #admit(monitor: Monitor, start: WaitingStart): void {
    if (start.session.closed) return this.#releaseSeat(start.session, monitor.key);
    const subscription = this.#monitors.subscribe(monitor, start.session.id, start.filter);
    start.session.subscriptions.add(subscription);
    start.session.port.deliver(
      monitorStartAnswer(start.invokeId, appXrefOctets(subscription.appXref), start.filterElement),
    );
  }

  #monitorStop(session: Session, peek: InvokePeek): void {
    const subscription = peek.crossRef ? this.#monitors.subscription(peek.crossRef.id) : undefined;
    if (!subscription || subscription.sessionId !== session.id) {
      return session.port.deliver(failureAnswer(peek.invokeId, unknownCrossRefFailure));
    }
    this.#unsubscribe(session, subscription);
    // Answered here whether or not the PBX monitor goes: the application's monitor is gone. §13 point 4
    session.port.deliver(noDataAnswer(peek.invokeId, Opcode.monitorStop));
  }

  #unsubscribe(session: Session, subscription: Subscription): void {
    session.subscriptions.delete(subscription);
    const { monitor } = subscription;
    const pbxXref = monitor.pbxXref;
    const wasLast = this.#monitors.unsubscribe(subscription);
    const stillHolds = [...session.subscriptions].some((s) => s.monitor.key === monitor.key);
    if (!stillHolds) this.#releaseSeat(session, monitor.key);
    if (wasLast && pbxXref && this.#options.upstream.ready) {
      void this.#options.upstream.request(monitorStopInvoke(0, pbxXref)).then((outcome) => {
        // A link that went down meanwhile took the PBX's monitors with its association: nothing is left
        // to stop (and at shutdown every device would otherwise warn).
        if (outcome.kind === "linkDown") return;
        if (outcome.kind !== "answer" || outcome.peek.kind !== "returnResult") {
          this.#log.warn("the PBX did not confirm a MonitorStop", {
            device: monitor.key,
            reason: describeOutcome(outcome),
          });
        }
      });
    }
  }

  #changeMonitorFilter(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    const request = peek.argumentStart === null
      ? new CstaDecodeError("ChangeMonitorFilter", 0, "no argument")
      : readChangeMonitorFilter(apdu.subarray(peek.argumentStart, peek.argumentEnd!));
    if (request instanceof CstaDecodeError) {
      return session.port.deliver(failureAnswer(peek.invokeId, mistypedArgumentFailure));
    }
    const subscription = this.#monitors.subscription(request.crossRef);
    if (!subscription || subscription.sessionId !== session.id) {
      return session.port.deliver(failureAnswer(peek.invokeId, unknownCrossRefFailure));
    }
    // The PBX monitor is shared and unfiltered; the filter is applied here. §13 point 3
    subscription.filter = request.filter;
    session.port.deliver(changeMonitorFilterAnswer(peek.invokeId, request.filterElement));
  }

  #acquireSeat(session: Session, key: string): boolean {
    const seats = this.#options.seats;
    if (!seats) return true;
    const grant = seats.acquire(key, session.holderId, session.info.seatKind);
    if (grant.ok) return true;
    this.#counters.licenceRefusals++;
    this.#lastLicenceRefusal = grant;
    this.#log.warn("MonitorStart refused: no licence", {
      session: session.id,
      device: key,
      reason: grant.message,
    });
    return false;
  }

  #releaseSeat(session: Session, key: string): void {
    if ([...session.subscriptions].some((s) => s.monitor.key === key)) return;
    this.#options.seats?.release(key, session.holderId);
  }

  // ---- exclusive services -----------------------------------------------------------------------

  #startCdr(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    if (this.#cdr && this.#cdr.session !== session) {
      // One CDR application at a time, answered as estos does. §10, §13 point 8
      return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
    }
    // Kept to re-register after a reconnect; copied now because `apdu` is a view of a read buffer.
    const startInvoke = apdu.slice();
    this.#forward(session, apdu, peek, (result, answer) => {
      this.#cdr = {
        session,
        startInvoke,
        pbxCrossRef: firstOctetString(resultValue(result, answer)),
      };
      this.#log.info("CDR owner set", { session: session.id });
    });
  }

  #stopCdr(session: Session, peek: InvokePeek): void {
    if (this.#cdr?.session !== session) {
      return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
    }
    this.#endCdr("its owner stopped it");
    session.port.deliver(noDataAnswer(peek.invokeId, Opcode.stopCDRTransmission));
  }

  #endCdr(why: string): void {
    const owner = this.#cdr;
    this.#cdr = undefined;
    if (owner?.pbxCrossRef && this.#options.upstream.ready) {
      void this.#options.upstream.request(stopCdrInvoke(0, owner.pbxCrossRef));
    }
    this.#log.info("CDR transmission stopped", { reason: why });
  }

  #escape(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    if (isHotelEscape(apdu, peek)) {
      if (this.#hotel && this.#hotel.session !== session) {
        return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
      }
      this.#hotel = { session };
    }
    this.#escapeRequester = session;
    this.#forward(session, apdu, peek);
  }

  #rememberDeviceListRequest(key: string, session: Session): void {
    if (this.#deviceListRequests.size >= 100) {
      this.#deviceListRequests.delete(this.#deviceListRequests.keys().next().value!);
    }
    this.#deviceListRequests.set(key, session);
  }

  // ---- from the PBX -----------------------------------------------------------------------------

  /** A frame from the PBX that the link does not handle itself. */
  fromPbx(apdu: Uint8Array, peek: ApduPeek): void {
    if (peek.kind !== "invoke") return;
    switch (peek.opcode) {
      case Opcode.cSTAEventReport:
        return this.#fanOut(apdu, peek);
      case Opcode.monitorStop:
        return this.#pbxMonitorStop(apdu, peek);
      case Opcode.systemStatus:
        // Not normal (the link answers and keeps normal ones): every application hears it. §13 [?]
        return this.#broadcast(apdu);
      case Opcode.swFunctionDevicesChanged:
      case Opcode.swFunctionCapsChanged:
        this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
        return this.#broadcast(apdu);
      case Opcode.switchingFunctionDevices:
        return this.#deviceListSegment(apdu, peek);
      case Opcode.cDRReport:
      case Opcode.cDRNotification:
        return this.#toOwnerOrAck(this.#cdr?.session, apdu, peek);
      case Opcode.stopCDRTransmission: {
        const owner = this.#cdr?.session;
        this.#cdr = undefined;
        this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
        if (owner) owner.port.deliver(replaceInvokeId(apdu, owner.nextInvokeId()));
        return;
      }
      case Opcode.escape:
        return this.#toOwnerOrAck(this.#escapeRequester, apdu, peek);
      default:
        this.#log.warn("unexpected invoke from the PBX rejected", { opcode: peek.opcode });
        this.#options.upstream.send(unrecognizedOperationReject(peek.invokeId));
    }
  }

  #fanOut(apdu: Uint8Array, peek: InvokePeek): void {
    this.#eventsIn.add(this.#now());
    const monitor = peek.crossRef ? this.#monitors.byPbxXref(peek.crossRef.id) : undefined;
    if (!monitor) {
      this.#counters.eventsUnknownXref++;
      return;
    }
    const event = eventNameOf(apdu, peek);
    const copies = new EventCopies(apdu);
    let copied = 0;
    for (const subscription of monitor.subscribers.values()) {
      const session = this.#sessions.get(subscription.sessionId);
      if (!session) continue;
      if (event && filterSuppresses(subscription.filter, event)) {
        session.counters.eventsFiltered++;
        this.#counters.eventsFiltered++;
        continue;
      }
      // Only the invoke ID and crossRef change; private data stays byte for byte, and each copy is
      // written straight into the session's queue. §13 points 2 and 5
      session.counters.eventsSent++;
      const appXref = appXrefOctets(subscription.appXref, this.#appXrefScratch);
      session.deliverCopy(copies.addressedTo(session.nextInvokeId(), appXref));
      copied++;
    }
    this.#eventsOut.add(this.#now(), copied);
  }

  /** The PBX stopped a monitor itself: every subscriber hears it under its own crossRef. §6 ** */
  #pbxMonitorStop(apdu: Uint8Array, peek: InvokePeek): void {
    this.#options.upstream.send(noDataAnswer(peek.invokeId, Opcode.monitorStop));
    const monitor = peek.crossRef ? this.#monitors.byPbxXref(peek.crossRef.id) : undefined;
    if (!monitor) return;
    for (const subscription of [...monitor.subscribers.values()]) {
      const session = this.#sessions.get(subscription.sessionId);
      if (!session) continue;
      session.subscriptions.delete(subscription);
      session.port.deliver(
        replaceCrossRefId(replaceInvokeId(apdu, session.nextInvokeId()), appXrefOctets(subscription.appXref)),
      );
    }
    for (const subscription of [...monitor.subscribers.values()]) {
      const session = this.#sessions.get(subscription.sessionId);
      if (session) this.#options.seats?.release(monitor.key, session.holderId);
    }
    this.#monitors.remove(monitor);
  }

  #deviceListSegment(apdu: Uint8Array, peek: InvokePeek): void {
    const argument = peek.argumentStart === null
      ? undefined
      : apdu.subarray(peek.argumentStart, peek.argumentEnd!);
    const crossRef = argument && firstOctetString(argument);
    const session = crossRef && this.#deviceListRequests.get(xrefKey(crossRef));
    if (!session || session.closed) return; // no answer is due for 205. §9
    session.port.deliver(replaceInvokeId(apdu, session.nextInvokeId()));
  }

  /** Passes a PBX invoke that needs an answer to its owner, or answers it here when there is none. */
  #toOwnerOrAck(owner: Session | undefined, apdu: Uint8Array, peek: InvokePeek): void {
    if (!owner || owner.closed) {
      // Acknowledged even when nobody takes it, so the PBX never waits. §10 [C-pbx]
      this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
      return;
    }
    const id = owner.nextInvokeId();
    owner.forwardedInvokes.set(id, { pbxInvokeId: peek.invokeId, opcode: peek.opcode });
    owner.port.deliver(replaceInvokeId(apdu, id));
  }

  #broadcast(apdu: Uint8Array): void {
    for (const session of this.#sessions.values()) {
      session.port.deliver(replaceInvokeId(apdu, session.nextInvokeId()));
    }
  }

  // ---- link state -------------------------------------------------------------------------------

  /** The link is down: applications stay, hear SystemStatus(disabled), monitors wait to be re-created. */
  pbxLost(reason: string): void {
    for (const monitor of this.#monitors.monitors()) {
      this.#monitors.markLost(monitor, `PBX link down: ${reason}`);
    }
    for (const session of this.#sessions.values()) {
      session.forwardedInvokes.clear();
      session.port.deliver(systemStatusInvoke(session.nextInvokeId(), "disabled"));
    }
  }

  /**
   * The link is (back) up: re-create every monitor that has subscribers under the applications' old
   * crossRefs, re-register CDR, then tell applications SystemStatus(normal). §13 keepalive
   */
  async pbxReady(): Promise<void> {
    const restarts = [...this.#monitors.monitors()]
      .filter((m) => m.state !== "starting" && m.subscribers.size > 0)
      .map((m) => this.#restart(m));
    const cdr = this.#cdr;
    if (cdr?.startInvoke) {
      restarts.push(
        this.#request(cdr.startInvoke, (outcome) => {
          if (outcome.kind === "answer" && outcome.peek.kind === "returnResult") {
            cdr.pbxCrossRef = firstOctetString(resultValue(outcome.peek, outcome.apdu));
          } else this.#log.warn("CDR could not be re-registered", { reason: describeOutcome(outcome) });
        }),
      );
    }
    await Promise.all(restarts);
    for (const session of this.#sessions.values()) {
      session.port.deliver(systemStatusInvoke(session.nextInvokeId(), "normal"));
    }
  }

  #restart(monitor: Monitor): Promise<void> {
    monitor.state = "starting";
    return this.#request(
      monitorStartInvoke(0, monitor.deviceElement),
      (outcome) => this.#settleRestart(monitor, outcome),
    );
  }

  #settleRestart(monitor: Monitor, outcome: UpstreamOutcome): void {
    const crossRef = outcome.kind === "answer" && outcome.peek.kind === "returnResult"
      ? outcome.peek.crossRef
      : null;
    if (crossRef) return this.#monitors.activate(monitor, crossRef.id);
    this.#monitors.markLost(monitor, describeOutcome(outcome));
    this.#log.warn("monitor not re-created after reconnect", {
      device: monitor.key,
      reason: describeOutcome(outcome),
    });
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
      session.port.close(`not reading: total queued bytes ${total} exceed the budget ${budget}`);
      closed.push(session.id);
      total -= bytes;
    }
    return closed;
  }

  // ---- status -----------------------------------------------------------------------------------

  status() {
    const now = this.#now();
    return {
      applications: this.sessions().map((s) => ({
        id: s.id,
        transport: s.info.transport,
        remote: s.info.remote,
        user: s.info.user ?? null,
        connectedAt: s.connectedAt,
        monitors: s.subscriptions.size,
        requestsInFlight: s.requestsInFlight,
        queuedBytes: s.port.queuedBytes(),
        ...s.counters,
        owns: [this.#cdr?.session === s ? "cdr" : "", this.#hotel?.session === s ? "hotel" : ""].filter(
          Boolean,
        ),
      })),
      monitors: [...this.#monitors.monitors()].map((m) => ({
        device: m.key,
        state: m.state,
        subscribers: m.subscribers.size,
        lastRefusal: m.lastRefusal ?? null,
      })),
      cdrOwner: this.#cdr?.session.id ?? null,
      hotelOwner: this.#hotel?.session.id ?? null,
      eventsInPerSecond: this.#eventsIn.perSecond(now),
      eventsOutPerSecond: this.#eventsOut.perSecond(now),
      lastLicenceRefusal: this.#lastLicenceRefusal
        ? {
          device: this.#lastLicenceRefusal.deviceKey,
          reason: this.#lastLicenceRefusal.message,
          at: new Date(this.#lastLicenceRefusal.at).toISOString(),
        }
        : null,
      ...this.#counters,
    };
  }
}

/** The result value element of a ReturnResult (after its opcode). */
function resultValue(result: ReturnResultPeek, apdu: Uint8Array): Uint8Array {
  if (result.resultStart === null) return new Uint8Array(0);
  return apdu.subarray(result.resultStart, result.resultEnd!);
}

function describeOutcome(outcome: UpstreamOutcome): string {
  switch (outcome.kind) {
    case "answer":
      return `the PBX answered ${outcome.peek.kind}`;
    case "timeout":
      return "the PBX did not answer in time";
    case "linkDown":
      return "the PBX link is down";
    case "busy":
      return "too many requests in flight at the PBX";
  }
}
