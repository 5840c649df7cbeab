// The CallTracker service: an in-process session of the Switchboard that monitors every enabled line,
// feeds the call model, hands the SMDR events to the SMDR service, keeps the live call view, keeps its
// trunk calls in the store, and re-syncs with SnapshotDevice after the PBX link returns or a restart.

import { CstaClient } from "../client/csta_client.ts";
import type { ClientEvent } from "../client/client_event.ts";
import type { IncomingInvoke, InvokeReply } from "../client/incoming_invoke.ts";
import type { SwitchboardAccess } from "../client/in_process_transport.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { snapshotConnectionStates } from "../csta/connection_state.ts";
import { Opcode } from "../csta/opcodes.ts";
import type { SystemStatusValue } from "../csta/system_services.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import type { Service, ServiceStatus } from "../service.ts";
import type { SmdrEvent } from "../smdr/smdr_event.ts";
import { CallModel, type DeviceSnapshot, liveState } from "./call_model.ts";
import { type CallRecord, callRecordOf, type PartyFormatter } from "./call_record.ts";
import { type CallView, type CallViewChange, type LiveCallSummary, liveCallSummary } from "./call_view.ts";
import { LineDirectory, type TrackedLine } from "./line_directory.ts";
import type { CallStore } from "./call_store.ts";
import { errorText } from "../log/error_text.ts";

/** Where SMDR events go (`SmdrService` fits); a refused event is counted, the service logs why. */
export interface SmdrSink {
  submit(event: SmdrEvent): { ok: boolean };
}

/** Options of a {@link CallTracker}. */
export interface CallTrackerOptions {
  switchboard: SwitchboardAccess;
  smdr: SmdrSink;
  /** The stored lines (`LineRepository.list`); read at start and at every refresh. */
  lines: () => readonly TrackedLine[];
  /** Whether a number that is no line is internal (`NumberingPlan.isInternal`). */
  isInternal?: (number: string) => boolean;
  /** The location's outside-line access code, stripped from dialled numbers of outbound calls. */
  outsideLineAccess?: () => string;
  /** How record parties are reported (number rules, canonical form); the PBX's numbers as they are without. */
  formatParty?: PartyFormatter;
  log: Logger;
  clock?: Clock;
  /** [0, 1) random numbers: the first SMDR call serial. */
  random?: () => number;
  /** How often the line store is read again to follow added, removed, enabled and disabled lines. Default 5 s. */
  lineRefreshMs?: number;
  /** How long a device whose MonitorStart failed waits before the next try. Default 30 s. */
  monitorRetryMs?: number;
  /** A call that hears no event this long is taken as ended (its end was never reported). Default 24 h. */
  idleCallLimitMs?: number;
  /**
   * Monitors the Switchboard holds but the PBX does not carry (`Switchboard.lostMonitors`), keyed
   * `n:<number>`: such lines are shown as not monitored, with the reason, until they recover.
   */
  lostMonitors?: () => readonly { device: string; reason: string }[];
  /** Per-request timeout of MonitorStart/SnapshotDevice. Default 10 s. */
  requestTimeoutMs?: number;
  /**
   * Where trunk calls in progress are kept, so that after a restart (or SIGKILL) they go on under their
   * call IDs or end with DISCONNECTED at the first re-sync. Without one, a restart forgets them.
   */
  store?: CallStore;
}

/** What the status page shows. */
export interface CallTrackerDetails {
  callsInProgress: number;
  recordsProduced: number;
  /** SMDR events the SMDR service did not store (SMDR off, store failure); see the SMDR status. */
  recordsNotStored: number;
  /** Finished-call records made (every call, internal ones too). */
  callRecords: number;
  eventsSeen: number;
  duplicateReports: number;
  monitoredLines: number;
  /** Enabled lines whose monitor could not be started, with the reason. */
  unmonitoredLines: { number: string; reason: string }[];
  pbx: "up" | "down" | "unknown";
  lastResync: { at: string; reason: string; snapshots: number; failed: number; records: number } | null;
  lastError: { at: string; message: string } | null;
}

interface Monitor {
  crossRef: Uint8Array;
}

/** SnapshotDevice requests sent at once when re-syncing, so hundreds of lines do not all wait on the link. */
const SNAPSHOT_BATCH = 16;
/** Finished-call records kept for `GET /api/call-records`; MQTT and webhooks keep every one durably. */
const RECENT_RECORDS = 500;

/** The call tracker. `calls()`/`activeCalls()` for the live view, `onChange` to hear when it changes. */
export class CallTracker implements Service<CallTrackerDetails> {
  readonly name = "call-tracker";
  readonly #options: CallTrackerOptions;
  readonly #clock: Clock;
  readonly #lifecycle = new Lifecycle();
  readonly #listeners = new Set<(change: CallViewChange) => void>();
  readonly #recordListeners = new Set<(record: CallRecord) => void>();
  /** The latest finished-call records, oldest first, for the JSON API. */
  readonly #recent: CallRecord[] = [];
  #model: CallModel;
  #directory = new LineDirectory([]);
  #client?: CstaClient;
  #loop?: Promise<void>;
  /** Monitored devices by number, and their numbers by crossRef (hex). */
  #monitors = new Map<string, Monitor>();
  #byCrossRef = new Map<string, string>();
  #starting = new Set<string>();
  #failures = new Map<string, { reason: string; retryAt: number }>();
  #refreshTimer?: TimerHandle;
  #idleTimer?: TimerHandle;
  #pbx: "up" | "down" | "unknown" = "unknown";
  #everUp = false;
  #resyncing?: Promise<void>;
  /** Why another resync was asked for while one ran (the latest reason is the one reported). */
  #resyncAgain?: string;
  #serial: number;
  /** Calls taken back from the store at start, until the first re-sync continues or ends them. */
  #restored = 0;
  #counters = { recordsProduced: 0, recordsNotStored: 0, callRecords: 0 };
  #lastResync: CallTrackerDetails["lastResync"] = null;
  #lastError: CallTrackerDetails["lastError"] = null;
  #notifiedVersion = -1;

  constructor(options: CallTrackerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    // A random start keeps call IDs of calls that start in the same second apart across restarts.
    this.#serial = Math.floor((options.random ?? Math.random)() * 100_000_000);
    this.#model = this.#newModel();
  }

  // ---- the live view ----------------------------------------------------------------------------

  /** The calls in progress, oldest first. */
  calls(): CallView[] {
    return this.#model.calls();
  }

  /** The calls in progress as the web UI's live call list shows them. */
  activeCalls(): LiveCallSummary[] {
    return this.#model.calls().map(liveCallSummary);
  }

  /**
   * Calls `listener` after every change of the calls with what changed (the calls an event named, or `all`
   * after a re-sync); returns the unsubscribe function.
   */
  onChange(listener: (change: CallViewChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The latest `limit` finished-call records, newest first (kept in memory: the last 500). */
  recentRecords(limit: number): CallRecord[] {
    return this.#recent.slice(-Math.max(0, limit)).reverse();
  }

  /** Calls `listener` with the record of every call that ends; returns the unsubscribe function. */
  onRecord(listener: (record: CallRecord) => void): () => void {
    this.#recordListeners.add(listener);
    return () => this.#recordListeners.delete(listener);
  }

  /** Reads the line store now and starts or stops monitors to match (the periodic refresh does the same). */
  refreshLines(): Promise<void> {
    return this.#syncMonitors();
  }

  // ---- service ----------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.#lifecycle.set("starting");
    this.#model = this.#newModel();
    this.#restoreCalls();
    this.#monitors.clear();
    this.#byCrossRef.clear();
    this.#failures.clear();
    this.#pbx = "unknown";
    this.#everUp = false;
    let client: CstaClient;
    try {
      client = CstaClient.inProcess(this.#options.switchboard, {
        name: "call-tracker",
        seatKind: "call-tracking",
        requestTimeoutMs: this.#options.requestTimeoutMs,
        eventBufferSize: 100_000,
        clock: this.#clock,
        onInvoke: (invoke) => this.#onInvoke(invoke),
        onError: (error, context) => this.#error(`${context}: ${errorText(error)}`),
      });
    } catch (error) {
      this.#lifecycle.set("failed", errorText(error));
      throw error;
    }
    this.#client = client;
    this.#loop = this.#consume(client);
    client.onSystemStatus((status, previous) => {
      if (status !== previous) this.#onSystemStatus(status, previous);
    });
    this.#lifecycle.set("running");
    await this.#syncMonitors();
    this.#scheduleRefresh();
    this.#scheduleIdleCheck();
  }

  async stop(): Promise<void> {
    if (this.#lifecycle.state === "stopped") return;
    this.#lifecycle.set("stopping");
    if (this.#refreshTimer !== undefined) this.#clock.clearTimeout(this.#refreshTimer);
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer);
    this.#refreshTimer = this.#idleTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    // Detaching the session stops its monitors in the Switchboard (and frees nothing else: no seats).
    await client?.close();
    await this.#loop;
    await this.#resyncing;
    this.#monitors.clear();
    this.#byCrossRef.clear();
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus<CallTrackerDetails> {
    const lost = this.#lostLines();
    const details: CallTrackerDetails = {
      callsInProgress: this.#model.size,
      recordsProduced: this.#counters.recordsProduced,
      recordsNotStored: this.#counters.recordsNotStored,
      callRecords: this.#counters.callRecords,
      eventsSeen: this.#model.counters.events,
      duplicateReports: this.#model.counters.duplicates,
      monitoredLines: this.#monitors.size - lost.length,
      unmonitoredLines: [
        ...[...this.#failures].map(([number, f]) => ({ number, reason: f.reason })),
        ...lost,
      ],
      pbx: this.#pbx,
      lastResync: this.#lastResync,
      lastError: this.#lastError,
    };
    const snapshot = this.#lifecycle.snapshot({ details });
    if (snapshot.state !== "running") return snapshot;
    if (this.#pbx === "down") return { ...snapshot, state: "degraded", reason: "the PBX link is down" };
    const unmonitored = details.unmonitoredLines;
    if (unmonitored.length > 0) {
      // Named, so the dashboard says which lines (the first few; the rest are counted).
      const named = unmonitored.slice(0, 5).map((l) => `${l.number} (${l.reason})`).join(", ");
      const more = unmonitored.length > 5 ? ` and ${unmonitored.length - 5} more` : "";
      const count = unmonitored.length === 1 ? "1 line" : `${unmonitored.length} lines`;
      return { ...snapshot, state: "degraded", reason: `${count} not monitored: ${named}${more}` };
    }
    return snapshot;
  }

  /** Lines whose monitor this tracker holds but the PBX lost (no events reach it until it recovers). */
  #lostLines(): { number: string; reason: string }[] {
    const lost = this.#options.lostMonitors?.() ?? [];
    if (lost.length === 0) return [];
    const byDevice = new Map(lost.map((m) => [m.device, m.reason]));
    const lines: { number: string; reason: string }[] = [];
    for (const number of this.#monitors.keys()) {
      const reason = byDevice.get(`n:${number}`);
      if (reason !== undefined) lines.push({ number, reason: `monitor lost: ${reason}` });
    }
    return lines;
  }

  // ---- events -----------------------------------------------------------------------------------

  async #consume(client: CstaClient): Promise<void> {
    for await (const report of client.events()) this.#onEvent(report);
  }

  #onEvent(report: ClientEvent): void {
    if (!report.event) {
      if (report.decodeError) this.#error(`unreadable event: ${report.decodeError.message}`);
      return;
    }
    const observer = this.#byCrossRef.get(report.crossRef.toHex());
    let records: SmdrEvent[];
    try {
      records = this.#model.apply(report.event, this.#now(), observer);
    } catch (error) {
      this.#error(`event ${report.name ?? report.event.kind} not applied: ${errorText(error)}`);
      return;
    }
    this.#submit(records);
    this.#notify();
  }

  #submit(records: SmdrEvent[]): void {
    for (const record of records) {
      let stored = false;
      try {
        stored = this.#options.smdr.submit(record).ok;
      } catch (error) {
        this.#error(`SMDR event not submitted: ${errorText(error)}`);
      }
      if (stored) this.#counters.recordsProduced++;
      else this.#counters.recordsNotStored++;
    }
    this.#keepCalls(records);
    for (const finished of this.#model.takeFinished()) {
      this.#counters.callRecords++;
      const record = callRecordOf(finished, this.#options.formatParty);
      this.#recent.push(record);
      if (this.#recent.length > RECENT_RECORDS) this.#recent.shift();
      for (const listener of this.#recordListeners) {
        try {
          listener(record);
        } catch (error) {
          this.#options.log.error("call record listener failed", { error });
        }
      }
    }
  }

  /** Saves the trunk calls `records` are about (or forgets those that ended) in the store. */
  #keepCalls(records: SmdrEvent[]): void {
    const store = this.#options.store;
    if (!store || records.length === 0) return;
    try {
      const { going, ended } = this.#model.trunkCallsOf(records);
      store.save(going, ended);
    } catch (error) {
      this.#error(`calls in progress not stored (a restart would not continue them): ${errorText(error)}`);
    }
  }

  /** Takes back the trunk calls of the last run; the first re-sync continues or ends them. */
  #restoreCalls(): void {
    const store = this.#options.store;
    if (!store) return;
    try {
      const calls = store.load();
      if (calls.length === 0) return;
      const highest = this.#model.restore(calls, this.#now());
      // New calls are numbered on from the restored ones, so no call ID repeats one still in use.
      this.#serial = highest;
      this.#restored = calls.length;
      this.#options.log.info("trunk calls in progress before the restart taken back", {
        calls: calls.length,
      });
    } catch (error) {
      this.#error(`calls in progress before the restart not read: ${errorText(error)}`);
    }
  }

  #notify(): void {
    const version = this.#model.version;
    if (version === this.#notifiedVersion) return;
    this.#notifiedVersion = version;
    const touched = this.#model.takeTouched();
    if (this.#listeners.size === 0) return;
    let change: CallViewChange = { all: true };
    if (touched !== "all") {
      // The views are made when a listener reads them (during its call): with integrations off the feed
      // only notes that it fell behind, and no view is made for it.
      let split: { calls: CallView[]; ended: string[] } | undefined;
      const views = () => split ??= this.#views(touched);
      change = {
        all: false,
        get calls() {
          return views().calls;
        },
        get ended() {
          return views().ended;
        },
      };
    }
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#options.log.error("call view listener failed", { error });
      }
    }
  }

  /** The touched calls still in progress (their views now) and those that ended or were merged away. */
  #views(touched: readonly string[]): { calls: CallView[]; ended: string[] } {
    const calls: CallView[] = [];
    const ended: string[] = [];
    for (const key of touched) {
      const view = this.#model.view(key);
      if (view) calls.push(view);
      else ended.push(key);
    }
    return { calls, ended };
  }

  /** The switch stopped a monitor itself (§6 **): the line is monitored again at the next try. */
  #onInvoke(invoke: IncomingInvoke): InvokeReply | void {
    if (invoke.opcode !== Opcode.monitorStop || invoke.typed?.operation !== "monitorStop") return;
    const crossRef = invoke.typed.argument.crossRefIdentifier.toHex();
    const number = this.#byCrossRef.get(crossRef);
    if (number === undefined) return;
    this.#byCrossRef.delete(crossRef);
    this.#monitors.delete(number);
    this.#failures.set(number, { reason: "the PBX stopped the monitor", retryAt: this.#clock.now() });
    this.#options.log.warn("the PBX stopped a line's monitor", { line: number });
  }

  /**
   * A change of what the Switchboard tells applications. partiallyDisabled means the link is up with
   * some monitors lost (the status names the lines); normal after it means they recovered, and calls
   * that changed meanwhile are found by a resync.
   */
  #onSystemStatus(status: SystemStatusValue, previous?: SystemStatusValue): void {
    if (status === "normal" && previous === "partiallyDisabled" && this.#pbx === "up") {
      this.#resync("lost monitors recovered");
      return;
    }
    if (status === "partiallyDisabled" && this.#pbx === "up") {
      this.#options.log.warn("some lines' monitors are lost; call tracking misses their events", {
        lines: this.#lostLines().map((l) => l.number),
      });
      return;
    }
    if (status !== "normal" && status !== "partiallyDisabled") {
      if (this.#pbx !== "down") this.#options.log.info("call tracking waits for the PBX link", { status });
      this.#pbx = "down";
      return;
    }
    const returned = this.#pbx === "down" && this.#everUp;
    const first = !this.#everUp;
    this.#pbx = "up";
    this.#everUp = true;
    // Monitors that failed while the link was down are tried again at once.
    for (const failure of this.#failures.values()) failure.retryAt = 0;
    void this.#syncMonitors().then(() => {
      if (returned) this.#resync("the PBX link returned");
      // Calls already up when tracking begins are shown too (they make records from their next event on).
      else if (first) this.#resync("calls in progress when tracking started");
    });
  }

  // ---- monitors ---------------------------------------------------------------------------------

  async #syncMonitors(): Promise<void> {
    const client = this.#client;
    if (!client || this.#lifecycle.state !== "running") return;
    try {
      this.#directory = new LineDirectory(this.#options.lines(), this.#options.isInternal);
    } catch (error) {
      this.#error(`lines not read: ${errorText(error)}`);
      return;
    }
    const wanted = new Set(this.#directory.monitored);
    const now = this.#clock.now();
    const stops = [...this.#monitors].filter(([number]) => !wanted.has(number));
    for (const number of this.#failures.keys()) if (!wanted.has(number)) this.#failures.delete(number);
    const starts = [...wanted].filter((number) =>
      !this.#monitors.has(number) && !this.#starting.has(number) &&
      (this.#failures.get(number)?.retryAt ?? 0) <= now
    );
    await Promise.all([
      ...stops.map(([number, monitor]) => this.#stopMonitor(client, number, monitor)),
      ...starts.map((number) => this.#startMonitor(client, number)),
    ]);
  }

  async #startMonitor(client: CstaClient, number: string): Promise<void> {
    this.#starting.add(number);
    try {
      const crossRef = await client.monitorStart(number);
      if (this.#client !== client || !this.#directory.monitored.includes(number)) {
        await client.monitorStop(crossRef).catch(() => {});
        return;
      }
      this.#monitors.set(number, { crossRef });
      this.#byCrossRef.set(crossRef.toHex(), number);
      if (this.#failures.delete(number)) this.#options.log.info("line monitored again", { line: number });
    } catch (error) {
      const reason = errorText(error);
      const retryMs = this.#options.monitorRetryMs ?? 30_000;
      if (!this.#failures.has(number)) this.#options.log.warn("line not monitored", { line: number, reason });
      this.#failures.set(number, { reason, retryAt: this.#clock.now() + retryMs });
    } finally {
      this.#starting.delete(number);
    }
  }

  async #stopMonitor(client: CstaClient, number: string, monitor: Monitor): Promise<void> {
    this.#monitors.delete(number);
    this.#byCrossRef.delete(monitor.crossRef.toHex());
    try {
      await client.monitorStop(monitor.crossRef);
    } catch (error) {
      this.#options.log.debug("MonitorStop of a removed line failed", {
        line: number,
        reason: errorText(error),
      });
    }
  }

  #scheduleRefresh(): void {
    const ms = this.#options.lineRefreshMs ?? 5_000;
    this.#refreshTimer = this.#clock.setTimeout(() => {
      if (this.#lifecycle.state !== "running") return;
      void this.#syncMonitors().finally(() => {
        if (this.#lifecycle.state === "running") this.#scheduleRefresh();
      });
    }, ms);
  }

  #scheduleIdleCheck(): void {
    const limit = this.#options.idleCallLimitMs ?? 24 * 3600_000;
    this.#idleTimer = this.#clock.setTimeout(() => {
      if (this.#lifecycle.state !== "running") return;
      const records = this.#model.expireIdle(this.#now(), limit);
      if (records.length > 0) {
        this.#options.log.warn("calls without events for the idle limit taken as ended", {
          records: records.length,
        });
      }
      this.#submit(records);
      this.#notify();
      this.#scheduleIdleCheck();
    }, Math.min(limit, 10 * 60_000));
  }

  // ---- re-sync ----------------------------------------------------------------------------------

  /** Snapshots every monitored line and reconciles the model; one at a time, repeated if asked again. */
  #resync(reason: string): void {
    if (this.#resyncing) {
      this.#resyncAgain = reason;
      return;
    }
    this.#resyncing = this.#runResync(reason).finally(() => {
      this.#resyncing = undefined;
      const again = this.#resyncAgain;
      this.#resyncAgain = undefined;
      if (again !== undefined && this.#lifecycle.state === "running") this.#resync(again);
    });
  }

  async #runResync(reason: string): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#model.snapshotsStarted(this.#now());
    const snapshots: DeviceSnapshot[] = [];
    const unsure = new Set<string>();
    const numbers = [...this.#monitors.keys()];
    for (let i = 0; i < numbers.length; i += SNAPSHOT_BATCH) {
      await Promise.all(
        numbers.slice(i, i + SNAPSHOT_BATCH).map(async (number) => {
          try {
            const result = await client.snapshotDevice(number);
            const data = result.crossRefIDorSnapshotData;
            if (data.kind !== "snapshotData") throw new Error("the PBX answered with a segmented snapshot");
            snapshots.push({
              device: number,
              calls: data.value.map((entry) => ({
                connection: entry.connectionIdentifier,
                state: liveState(snapshotConnectionStates(entry.localCallState).own),
              })),
            });
          } catch (error) {
            unsure.add(number);
            this.#options.log.warn("SnapshotDevice failed during re-sync", {
              line: number,
              reason: errorText(error),
            });
          }
        }),
      );
    }
    if (this.#client !== client) return;
    for (const number of this.#failures.keys()) unsure.add(number);
    const records = this.#model.reconcile(snapshots, this.#now(), { unsure });
    this.#submit(records);
    if (this.#restored > 0) {
      const closed = records.filter((r) => r.event === "DISCONNECTED").length;
      this.#options.log.info("trunk calls from before the restart: those the PBX no longer has are closed", {
        restored: this.#restored,
        closed,
      });
      this.#restored = 0;
    }
    this.#lastResync = {
      at: this.#now().toISOString(),
      reason,
      snapshots: snapshots.length,
      failed: unsure.size,
      records: records.length,
    };
    this.#options.log.info("calls re-synchronised with the PBX", this.#lastResync);
    this.#notify();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  #newModel(): CallModel {
    return new CallModel({
      directory: {
        kindOf: (n) => this.#directory.kindOf(n),
        numberOfDevice: (n) => this.#directory.numberOfDevice(n),
      },
      outsideLineAccess: this.#options.outsideLineAccess,
      nextSerial: () => (this.#serial = (this.#serial + 1) % 100_000_000),
    });
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }

  #error(message: string): void {
    this.#lastError = { at: this.#now().toISOString(), message };
    this.#options.log.error("call tracking problem", { message });
  }
}
