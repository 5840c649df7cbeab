// The multiplexer's monitors: MonitorStart, MonitorStop and ChangeMonitorFilter from applications, one
// shared PBX monitor per device with licence seats, the starts waiting for it, a MonitorStop from the PBX,
// and the re-creation of every monitor under the applications' old crossRefs after a reconnect (§13).

import { CstaDecodeError } from "../csta/decode_error.ts";
import type { MonitorFilter } from "../csta/monitor_filter.ts";
import { readChangeMonitorFilter, readMonitorStart } from "../csta/monitor_request.ts";
import {
  changeMonitorFilterAnswer,
  monitorStartAnswer,
  monitorStartInvoke,
  monitorStopInvoke,
} from "../csta/monitoring.ts";
import { Opcode } from "../csta/opcodes.ts";
import type { InvokePeek } from "../csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId } from "../csta/rewrite.ts";
import { noDataAnswer } from "../csta/rose.ts";
import type { SeatPool, SeatRefusal } from "../licensing/seat_pool.ts";
import type { Logger } from "../log/logger.ts";
import type { Upstream, UpstreamOutcome } from "../pbx/upstream.ts";
import { appXrefOctets } from "./app_xref.ts";
import type { DeviceDirectory } from "./device_directory.ts";
import {
  failureAnswer,
  linkDownFailure,
  mistypedArgumentFailure,
  noLicenceFailure,
  unknownCrossRefFailure,
} from "./local_answers.ts";
import { type Monitor, MonitorTable, type Subscription, xrefKey } from "./monitor_table.ts";
import { answerFor, describeOutcome, requestOnce } from "./pbx_requests.ts";
import type { Session } from "./session.ts";

export interface MonitorsOptions {
  upstream: Upstream;
  log: Logger;
  directory: DeviceDirectory;
  /** Licence seats; without it every monitor is allowed (tests, unlicensed builds). */
  seats?: SeatPool;
  /** The attached session with this ID, if it is still attached. */
  sessionOf(id: number): Session | undefined;
}

/** A MonitorStart waiting for the PBX to answer the first request for the same device. */
interface WaitingStart {
  session: Session;
  invokeId: number;
  filterElement?: Uint8Array;
  filter: MonitorFilter;
}

export class Monitors {
  #options: MonitorsOptions;
  #log: Logger;
  #table = new MonitorTable();
  #waiting = new Map<Monitor, WaitingStart[]>();
  #licenceRefusals = 0;
  #lastLicenceRefusal?: SeatRefusal;

  constructor(options: MonitorsOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** The monitor the PBX knows under `pbxXref`: the fan-out's lookup. */
  byPbxXref(pbxXref: Uint8Array): Monitor | undefined {
    return this.#table.byPbxXref(pbxXref);
  }

  // ---- from applications ----------------------------------------------------------------------

  /** MonitorStart: shares the device's PBX monitor, starting it when it is the first. §13 point 2 */
  start(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
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
    const { monitor, created } = this.#table.monitorFor(key, request.objectElement);
    const waiting: WaitingStart = {
      session,
      invokeId: peek.invokeId,
      filter: request.filter,
      filterElement: request.filterElement,
    };
    if (monitor.state === "active") return this.#admit(monitor, waiting);
    if (!this.#options.upstream.ready) {
      if (created) this.#table.remove(monitor);
      this.#releaseSeat(session, key);
      return session.port.deliver(failureAnswer(peek.invokeId, linkDownFailure));
    }
    this.#waiting.set(monitor, [...(this.#waiting.get(monitor) ?? []), waiting]);
    if (created || monitor.state === "lost") void this.#startInPbx(monitor);
  }

  /** Whether the application's MonitorStart `invokeId` still waits for the PBX (a reuse is a duplicate). */
  isWaiting(session: Session, invokeId: number): boolean {
    for (const waiting of this.#waiting.values()) {
      if (waiting.some((w) => w.session === session && w.invokeId === invokeId)) return true;
    }
    return false;
  }

  /** MonitorStop: the application's subscription ends; the last one stops the PBX monitor. */
  stop(session: Session, peek: InvokePeek): void {
    const subscription = peek.crossRef ? this.#table.subscription(peek.crossRef.id) : undefined;
    if (!subscription || subscription.sessionId !== session.id) {
      return session.port.deliver(failureAnswer(peek.invokeId, unknownCrossRefFailure));
    }
    this.#unsubscribe(session, subscription);
    // Answered here whether or not the PBX monitor goes: the application's monitor is gone. §13 point 4
    session.port.deliver(noDataAnswer(peek.invokeId, Opcode.monitorStop));
  }

  /** ChangeMonitorFilter: the PBX monitor is shared and unfiltered; the filter is applied here. §13 point 3 */
  changeFilter(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    const request = peek.argumentStart === null
      ? new CstaDecodeError("ChangeMonitorFilter", 0, "no argument")
      : readChangeMonitorFilter(apdu.subarray(peek.argumentStart, peek.argumentEnd!));
    if (request instanceof CstaDecodeError) {
      return session.port.deliver(failureAnswer(peek.invokeId, mistypedArgumentFailure));
    }
    const subscription = this.#table.subscription(request.crossRef);
    if (!subscription || subscription.sessionId !== session.id) {
      return session.port.deliver(failureAnswer(peek.invokeId, unknownCrossRefFailure));
    }
    subscription.filter = request.filter;
    session.port.deliver(changeMonitorFilterAnswer(peek.invokeId, request.filterElement));
  }

  /** The application is gone: its subscriptions end, and with the last one each PBX monitor. */
  dropSession(session: Session): void {
    for (const subscription of session.subscriptions()) this.#unsubscribe(session, subscription);
  }

  // ---- from the PBX -----------------------------------------------------------------------------

  /** The PBX stopped a monitor itself: every subscriber hears it under its own crossRef. §6 ** */
  stoppedByPbx(apdu: Uint8Array, peek: InvokePeek): void {
    this.#options.upstream.send(noDataAnswer(peek.invokeId, Opcode.monitorStop));
    const monitor = peek.crossRef ? this.#table.byPbxXref(peek.crossRef.id) : undefined;
    if (!monitor) return;
    for (const subscription of [...monitor.subscribers.values()]) {
      const session = this.#options.sessionOf(subscription.sessionId);
      if (!session) continue;
      session.removeSubscription(subscription);
      session.port.deliver(
        replaceCrossRefId(replaceInvokeId(apdu, session.nextInvokeId()), appXrefOctets(subscription.appXref)),
      );
    }
    for (const subscription of [...monitor.subscribers.values()]) {
      const session = this.#options.sessionOf(subscription.sessionId);
      if (session) this.#options.seats?.release(monitor.key, session.holderId);
    }
    this.#table.remove(monitor);
  }

  // ---- link state -------------------------------------------------------------------------------

  /** The link is down: the PBX's monitors went with its association; subscribers keep their crossRefs. */
  linkLost(reason: string): void {
    for (const monitor of this.#table.monitors()) {
      this.#table.markLost(monitor, `PBX link down: ${reason}`);
    }
  }

  /** The link is (back) up: re-creates every monitor that has subscribers, under their old crossRefs. */
  linkReady(): Promise<void> {
    const restarts = [...this.#table.monitors()]
      .filter((m) => m.state !== "starting" && m.subscribers.size > 0)
      .map((m) => this.#restart(m));
    return Promise.all(restarts).then(() => undefined);
  }

  // ---- status -----------------------------------------------------------------------------------

  status() {
    return {
      monitors: [...this.#table.monitors()].map((m) => ({
        device: m.key,
        state: m.state,
        subscribers: m.subscribers.size,
        lastRefusal: m.lastRefusal ?? null,
      })),
      licenceRefusals: this.#licenceRefusals,
      lastLicenceRefusal: this.#lastLicenceRefusal
        ? {
          device: this.#lastLicenceRefusal.deviceKey,
          reason: this.#lastLicenceRefusal.message,
          at: new Date(this.#lastLicenceRefusal.at).toISOString(),
        }
        : null,
    };
  }

  // ---- inside -----------------------------------------------------------------------------------

  /** Starts (or re-starts) a monitor in the PBX and settles everyone waiting for it. */
  #startInPbx(monitor: Monitor): Promise<void> {
    return this.#requestStart(monitor, (outcome) => this.#settleStart(monitor, outcome));
  }

  #requestStart(monitor: Monitor, settle: (outcome: UpstreamOutcome) => void): Promise<void> {
    monitor.state = "starting";
    return requestOnce(this.#options.upstream, monitorStartInvoke(0, monitor.deviceElement), settle);
  }

  #settleStart(monitor: Monitor, outcome: UpstreamOutcome): void {
    const waiting = this.#waiting.get(monitor) ?? [];
    this.#waiting.delete(monitor);
    const crossRef = outcome.kind === "answer" && outcome.peek.kind === "returnResult"
      ? outcome.peek.crossRef
      : null;
    if (crossRef) {
      this.#table.activate(monitor, crossRef.id);
      for (const start of waiting) this.#admit(monitor, start);
      return;
    }
    const reason = describeOutcome(outcome);
    this.#log.warn("the PBX did not start a monitor", { device: monitor.key, reason });
    for (const start of waiting) {
      this.#releaseSeat(start.session, monitor.key);
      if (!start.session.closed) start.session.port.deliver(answerFor(start.invokeId, outcome));
    }
    if (monitor.subscribers.size === 0) this.#table.remove(monitor);
    else this.#table.markLost(monitor, reason);
  }

  #admit(monitor: Monitor, start: WaitingStart): void {
    if (start.session.closed) return this.#releaseSeat(start.session, monitor.key);
    const subscription = this.#table.subscribe(monitor, start.session.id, start.filter);
    start.session.addSubscription(subscription);
    start.session.port.deliver(
      monitorStartAnswer(start.invokeId, appXrefOctets(subscription.appXref), start.filterElement),
    );
  }

  #restart(monitor: Monitor): Promise<void> {
    return this.#requestStart(monitor, (outcome) => this.#settleRestart(monitor, outcome));
  }

  #settleRestart(monitor: Monitor, outcome: UpstreamOutcome): void {
    const crossRef = outcome.kind === "answer" && outcome.peek.kind === "returnResult"
      ? outcome.peek.crossRef
      : null;
    if (crossRef) return this.#table.activate(monitor, crossRef.id);
    this.#table.markLost(monitor, describeOutcome(outcome));
    this.#log.warn("monitor not re-created after reconnect", {
      device: monitor.key,
      reason: describeOutcome(outcome),
    });
  }

  #unsubscribe(session: Session, subscription: Subscription): void {
    session.removeSubscription(subscription);
    const { monitor } = subscription;
    const pbxXref = monitor.pbxXref;
    const wasLast = this.#table.unsubscribe(subscription);
    this.#releaseSeat(session, monitor.key);
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

  #acquireSeat(session: Session, key: string): boolean {
    const seats = this.#options.seats;
    if (!seats) return true;
    const grant = seats.acquire(key, session.holderId, session.info.seatKind);
    if (grant.ok) return true;
    this.#licenceRefusals++;
    this.#lastLicenceRefusal = grant;
    this.#log.warn("MonitorStart refused: no licence", {
      session: session.id,
      device: key,
      reason: grant.message,
    });
    return false;
  }

  /** Gives the device's seat back unless another subscription of the session still holds it. */
  #releaseSeat(session: Session, key: string): void {
    if (session.holdsDevice(key)) return;
    this.#options.seats?.release(key, session.holderId);
  }
}
