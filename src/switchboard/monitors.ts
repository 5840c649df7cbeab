// The multiplexer's monitors: MonitorStart, MonitorStop and ChangeMonitorFilter from applications, one
// shared PBX monitor per device with licence seats, the starts waiting for it, a MonitorStop from the PBX,
// the re-creation of every monitor under the applications' old crossRefs after a reconnect (§13), and
// the recovery of lost ones: a late answer is adopted or stopped, a lost monitor is retried with back-off.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
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
import type { ApduPeek, InvokePeek } from "../csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId } from "../csta/rewrite.ts";
import { noDataAnswer } from "../csta/rose.ts";
import type { SeatPool, SeatRefusal } from "../licensing/seat_pool.ts";
import type { Logger } from "../log/logger.ts";
import { backoffDelay, type BackoffPolicy } from "../net/backoff.ts";
import type { Upstream, UpstreamOutcome } from "../pbx/upstream.ts";
import { appXrefOctets } from "./app_xref.ts";
import { deviceWords } from "../csta/device_key.ts";
import type { DeviceDirectory } from "./device_directory.ts";
import {
  failureAnswer,
  linkDownFailure,
  mistypedArgumentFailure,
  noLicenceFailure,
  unknownCrossRefFailure,
} from "./local_answers.ts";
import { type Monitor, MonitorTable, type Subscription } from "./monitor_table.ts";
import { answerFor, describeOutcome, requestOnce } from "./pbx_requests.ts";
import type { Session } from "./session.ts";

export interface MonitorsOptions {
  upstream: Upstream;
  log: Logger;
  directory: DeviceDirectory;
  /** Licence seats; without it every monitor is allowed (tests, unlicensed builds). */
  seats?: SeatPool;
  /** Delays between tries of a lost monitor: from `minMs` doubling to `maxMs` (pbx.monitorRetry*). */
  retry?: () => BackoffPolicy;
  /** Called whenever monitors are lost or recovered, so applications can be told. */
  onLostChange?: () => void;
  clock?: Clock;
  /** [0, 1) random numbers for the retry jitter. */
  random?: () => number;
}

/** A monitor the PBX does not carry while applications still hold it: what status shows. */
export interface LostMonitor {
  device: string;
  /** Why: the link went down, the PBX refused or did not answer the (re-)start. */
  reason: string;
  since: string;
  subscribers: number;
  /** Tries since it was lost (a reconnect starts again at 0). */
  retries: number;
  /** The next try, or null while one is in flight or the link is down. */
  nextRetryAt: string | null;
}

/** The default retry policy: estos' "Retry MonitorStart" interval as a floor, doubling to 5 minutes. */
const DEFAULT_RETRY: BackoffPolicy = { minMs: 30_000, maxMs: 300_000 };

/** A lost monitor's next try. */
interface Retry {
  attempts: number;
  timer?: TimerHandle;
  at?: number;
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
  #retries = new Map<Monitor, Retry>();
  /** The lost monitors, kept as they change so status and every SystemStatus cost no table walk. */
  #lost = new Set<Monitor>();
  #clock: Clock;
  #licenceRefusals = 0;
  #lastLicenceRefusal?: SeatRefusal;
  #counters = { lateAnswersAdopted: 0, lateAnswersStopped: 0, retries: 0 };

  constructor(options: MonitorsOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
  }

  /** Monitors applications hold that the PBX does not carry (lost, or being tried again). */
  lost(): LostMonitor[] {
    const lost: LostMonitor[] = [];
    for (const monitor of this.#lost) {
      const retry = this.#retries.get(monitor);
      lost.push({
        device: monitor.key,
        reason: monitor.lastRefusal ?? "not started in the PBX",
        since: new Date(monitor.lostSince ?? this.#clock.now()).toISOString(),
        subscribers: monitor.subscribers.size,
        retries: retry?.attempts ?? 0,
        nextRetryAt: retry?.at === undefined ? null : new Date(retry.at).toISOString(),
      });
    }
    return lost;
  }

  /** How many monitors applications hold that the PBX does not carry. */
  get lostCount(): number {
    return this.#lost.size;
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
      : `c:${request.objectElement.toHex()}`;
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
    if (!subscription || subscription.session !== session) {
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
    if (!subscription || subscription.session !== session) {
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
      const session = subscription.session;
      if (session.closed) continue;
      session.removeSubscription(subscription);
      session.port.deliver(
        replaceCrossRefId(replaceInvokeId(apdu, session.nextInvokeId()), appXrefOctets(subscription.appXref)),
      );
    }
    for (const subscription of [...monitor.subscribers.values()]) {
      if (!subscription.session.closed) {
        this.#options.seats?.release(monitor.key, subscription.session.holderId);
      }
    }
    this.#cancelRetry(monitor);
    this.#table.remove(monitor);
    this.#track(monitor);
  }

  // ---- link state -------------------------------------------------------------------------------

  /**
   * The link is down: the PBX's monitors went with its association; subscribers keep their crossRefs and
   * the monitors wait for the link (no retries meanwhile).
   */
  linkLost(reason: string): void {
    const now = this.#clock.now();
    for (const monitor of this.#table.monitors()) {
      this.#table.markLost(monitor, `PBX link down: ${reason}`, now);
      this.#track(monitor);
    }
    for (const retry of this.#retries.values()) this.#clock.clearTimeout(retry.timer);
    this.#retries.clear();
  }

  /**
   * The link is (back) up: re-creates every monitor that has subscribers, under their old crossRefs;
   * resolves when each is settled (active, or lost with a retry planned).
   */
  linkReady(): Promise<void> {
    const restarts = [...this.#table.monitors()]
      .filter((m) => m.state !== "starting" && m.subscribers.size > 0)
      .map((m) => this.#startInPbx(m));
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
        lostSince: m.lostSince === undefined ? null : new Date(m.lostSince).toISOString(),
      })),
      lostMonitors: this.lost(),
      ...this.#counters,
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

  /**
   * Starts (or re-starts) a monitor in the PBX and settles everyone waiting for it. An answer after the
   * timeout is reconciled by {@link #lateAnswer}: the PBX carried the start out anyway.
   */
  #startInPbx(monitor: Monitor): Promise<void> {
    const retry = this.#retries.get(monitor);
    if (retry) {
      this.#clock.clearTimeout(retry.timer);
      retry.timer = retry.at = undefined;
    }
    monitor.state = "starting";
    return requestOnce(
      this.#options.upstream,
      monitorStartInvoke(0, monitor.deviceElement),
      (outcome) => this.#settleStart(monitor, outcome),
      (apdu, peek) => this.#lateAnswer(monitor, apdu, peek),
    );
  }

  #settleStart(monitor: Monitor, outcome: UpstreamOutcome): void {
    const crossRef = outcome.kind === "answer" && outcome.peek.kind === "returnResult"
      ? outcome.peek.crossRef
      : null;
    if (this.#table.byDevice(monitor.key) !== monitor || monitor.state === "active") {
      // Superseded: a late answer was adopted meanwhile, or every holder left. A second PBX monitor
      // for the device is not kept.
      if (crossRef && !sameXref(monitor, crossRef.id)) this.#stopInPbx(crossRef.id.slice(), monitor.key);
      return;
    }
    const waiting = this.#waiting.get(monitor) ?? [];
    this.#waiting.delete(monitor);
    if (crossRef) {
      const wasLost = monitor.lostSince !== undefined;
      this.#activate(monitor, crossRef.id);
      for (const start of waiting) this.#admit(monitor, start);
      if (wasLost) this.#log.info("monitor active again", { device: deviceWords(monitor.key) });
      if (wasLost) this.#options.onLostChange?.();
      return;
    }
    const reason = describeOutcome(outcome);
    for (const start of waiting) {
      this.#releaseSeat(start.session, monitor.key);
      if (!start.session.closed) start.session.port.deliver(answerFor(start.invokeId, outcome));
    }
    if (monitor.subscribers.size === 0) {
      this.#log.warn("the PBX did not start a monitor", { device: deviceWords(monitor.key), reason });
      this.#cancelRetry(monitor);
      this.#table.remove(monitor);
      this.#track(monitor);
      return;
    }
    const wasLost = monitor.lostSince !== undefined;
    const sameReason = monitor.lastRefusal === reason;
    this.#table.markLost(monitor, reason, this.#clock.now());
    this.#track(monitor);
    // The link going down re-creates everything when it returns; anything else is tried again.
    if (outcome.kind === "linkDown") return;
    // Each retry that fails the same way is logged at debug level: a device the PBX keeps refusing
    // would otherwise warn at every try.
    const fields = { device: deviceWords(monitor.key), reason, subscribers: monitor.subscribers.size };
    if (wasLost && sameReason) this.#log.debug("lost monitor still not started", fields);
    else this.#log.warn("monitor lost: the PBX did not (re-)start it", fields);
    this.#scheduleRetry(monitor);
    if (!wasLost) this.#options.onLostChange?.();
  }

  /**
   * The PBX answered a MonitorStart after it timed out: it monitors the device after all. Adopted when
   * the device's monitor is still wanted and not active; otherwise stopped at the PBX, so the device is
   * not left monitored there (a later MonitorStart would be refused as a duplicate).
   */
  #lateAnswer(monitor: Monitor, _apdu: Uint8Array, peek: ApduPeek): void {
    const crossRef = peek.kind === "returnResult" ? peek.crossRef : null;
    if (!crossRef) {
      this.#log.debug("late MonitorStart answer without a monitor", {
        device: deviceWords(monitor.key),
        kind: peek.kind,
      });
      return;
    }
    const current = this.#table.byDevice(monitor.key);
    const wanted = current !== undefined && current.state !== "active" &&
      (current.subscribers.size > 0 || this.#waiting.has(current));
    if (current && wanted) {
      this.#counters.lateAnswersAdopted++;
      const wasLost = isLost(current);
      const waiting = this.#waiting.get(current) ?? [];
      this.#waiting.delete(current);
      this.#activate(current, crossRef.id);
      for (const start of waiting) this.#admit(current, start);
      this.#log.info("late MonitorStart answer adopted", { device: deviceWords(monitor.key) });
      if (wasLost) this.#options.onLostChange?.();
      return;
    }
    if (current && sameXref(current, crossRef.id)) return;
    this.#counters.lateAnswersStopped++;
    this.#log.info("late MonitorStart answer for a monitor no longer wanted: stopped at the PBX", {
      device: deviceWords(monitor.key),
    });
    this.#stopInPbx(crossRef.id.slice(), monitor.key);
  }

  #activate(monitor: Monitor, pbxXref: Uint8Array): void {
    this.#cancelRetry(monitor);
    this.#table.activate(monitor, pbxXref);
    this.#track(monitor);
  }

  /** Keeps {@link #lost} true to the monitor's state after a change. */
  #track(monitor: Monitor): void {
    if (isLost(monitor) && this.#table.byDevice(monitor.key) === monitor) this.#lost.add(monitor);
    else this.#lost.delete(monitor);
  }

  #admit(monitor: Monitor, start: WaitingStart): void {
    if (start.session.closed) return this.#releaseSeat(start.session, monitor.key);
    const subscription = this.#table.subscribe(monitor, start.session, start.filter);
    start.session.addSubscription(subscription);
    start.session.port.deliver(
      monitorStartAnswer(start.invokeId, appXrefOctets(subscription.appXref), start.filterElement),
    );
  }

  /** Plans the next try of a lost monitor, with back-off from pbx.monitorRetrySeconds. */
  #scheduleRetry(monitor: Monitor): void {
    if (!this.#options.upstream.ready) return;
    const retry = this.#retries.get(monitor) ?? { attempts: 0 };
    this.#retries.set(monitor, retry);
    this.#clock.clearTimeout(retry.timer);
    const policy = this.#options.retry?.() ?? DEFAULT_RETRY;
    const delay = backoffDelay(retry.attempts, policy, this.#options.random ?? Math.random);
    retry.at = this.#clock.now() + delay;
    retry.timer = this.#clock.setTimeout(() => {
      retry.timer = retry.at = undefined;
      const stillLost = this.#table.byDevice(monitor.key) === monitor && monitor.state === "lost";
      if (!stillLost || monitor.subscribers.size === 0 || !this.#options.upstream.ready) return;
      retry.attempts++;
      this.#counters.retries++;
      // Debug: the loss was warned once, and a recovery is logged; a try every back-off step is noise.
      this.#log.debug("trying a lost monitor again", {
        device: deviceWords(monitor.key),
        attempt: retry.attempts,
      });
      void this.#startInPbx(monitor);
    }, delay);
  }

  #cancelRetry(monitor: Monitor): void {
    const retry = this.#retries.get(monitor);
    if (!retry) return;
    this.#clock.clearTimeout(retry.timer);
    this.#retries.delete(monitor);
  }

  /** Stops a PBX monitor nobody holds (a late or superseded start); a link loss took it anyway. */
  #stopInPbx(pbxXref: Uint8Array, device: string): void {
    if (!this.#options.upstream.ready) return;
    void this.#options.upstream.request(monitorStopInvoke(0, pbxXref)).then((outcome) => {
      // A link that went down meanwhile took the PBX's monitors with its association: nothing is left
      // to stop (and at shutdown every device would otherwise warn).
      if (outcome.kind === "linkDown") return;
      if (outcome.kind !== "answer" || outcome.peek.kind !== "returnResult") {
        this.#log.warn("the PBX did not confirm a MonitorStop", {
          device: deviceWords(device),
          reason: describeOutcome(outcome),
        });
      }
    });
  }

  #unsubscribe(session: Session, subscription: Subscription): void {
    session.removeSubscription(subscription);
    const { monitor } = subscription;
    const pbxXref = monitor.pbxXref;
    const wasLost = isLost(monitor);
    // Starts waiting for the monitor keep it; their answer settles it.
    const wasLast = this.#table.unsubscribe(subscription, this.#waiting.has(monitor));
    this.#track(monitor);
    this.#releaseSeat(session, monitor.key);
    if (!wasLast) return;
    if (!this.#waiting.has(monitor)) this.#cancelRetry(monitor);
    if (pbxXref) this.#stopInPbx(pbxXref, monitor.key);
    if (wasLost) this.#options.onLostChange?.();
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
      device: deviceWords(key),
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

/** Held by applications but not carried by the PBX: lost, or being tried again after a loss. */
function isLost(monitor: Monitor): boolean {
  return monitor.subscribers.size > 0 && monitor.state !== "active";
}

function sameXref(monitor: Monitor, pbxXref: Uint8Array): boolean {
  return monitor.pbxXrefKey !== undefined && monitor.pbxXrefKey === pbxXref.toHex();
}
