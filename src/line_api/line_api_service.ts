// The line API service: an in-process Switchboard session (seat kind `line`) that monitors the lines API
// clients open, follows their calls, publishes lineState/callState/addressState messages, keeps leases,
// re-syncs with SnapshotDevice after the PBX link returns and periodically, and retries lost monitors.

import { CstaClient } from "../client/csta_client.ts";
import type { ClientEvent } from "../client/client_event.ts";
import type { IncomingInvoke, InvokeReply } from "../client/incoming_invoke.ts";
import type { SwitchboardAccess } from "../client/in_process_transport.ts";
import { CstaFailureError } from "../client/client_errors.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { CallEvent } from "../calls/call_event.ts";
import type { CallPartyNumbering } from "../calls/party_numbers.ts";
import type { PartyDirectory } from "../calls/party.ts";
import { snapshotConnectionStates } from "../csta/connection_state.ts";
import { dialingNumber, identifierDigits } from "../csta/device_id.ts";
import { Opcode } from "../csta/opcodes.ts";
import type { SystemStatusValue } from "../csta/system_services.ts";
import type { SeatRefusal } from "../licensing/seat_pool.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Line } from "../lines/line.ts";
import type { Logger } from "../log/logger.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { errorText } from "../log/error_text.ts";
import { forwardingKind } from "./forwarding_kinds.ts";
import { LineApiError, lineErrorOf } from "./line_errors.ts";
import { LineCalls } from "./line_calls.ts";
import type { LineMessage, SnapshotMessage } from "./line_messages.ts";
import { type LineClient, OpenLine } from "./open_line.ts";

/** The `lineApi` settings section. */
export interface LineApiSettings {
  /** An open line without renewal or event WebSocket closes after this long. */
  leaseSeconds: number;
  /** Periodic SnapshotDevice of open lines (seed 3.1 "Snapshot for active calls"); 0 = off. */
  snapshotSeconds: number;
  /** A lost monitor is started again at this interval (seed 3.1 "Retry MonitorStart"). */
  monitorRetrySeconds: number;
  /** Lines one client may hold open. */
  linesPerClient: number;
}

export interface LineApiOptions {
  switchboard: SwitchboardAccess;
  /** The stored line of a number (`LineRepository.get`). */
  line: (number: string) => Line | undefined;
  /** The Super-Twin partner the line's configuration names, if any. */
  partnerOf: (line: Line) => string | undefined;
  directory: () => PartyDirectory;
  numbering: CallPartyNumbering;
  settings: () => LineApiSettings;
  /** The seat pool's last refusal (licensing keeps it): the words for a refused lineOpen. */
  lastSeatRefusal: () => Pick<SeatRefusal, "reason" | "linesLicensed" | "linesInUse"> | null | undefined;
  log: Logger;
  clock?: Clock;
  requestTimeoutMs?: number;
}

/** An open line as the Lines page and lineGetAddressStatus show it. */
export interface OpenLineView {
  line: string;
  partner: string | null;
  openedAt: string;
  monitor: OpenLine["monitor"];
  problem: string | null;
  holders: { client: string; sockets: number; leaseSecondsLeft: number }[];
  calls: number;
}

const SNAPSHOT_BATCH = 16;

export class LineApiService implements Service {
  readonly name = "line-api";
  readonly #options: LineApiOptions;
  readonly #clock: Clock;
  readonly #lifecycle = new Lifecycle();
  readonly #lines = new Map<string, OpenLine>();
  readonly #byCrossRef = new Map<string, OpenLine>();
  readonly #opening = new Map<string, Promise<OpenLine>>();
  readonly #listeners = new Set<(message: LineMessage) => void>();
  readonly #bootTag = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, "0");
  #client?: CstaClient;
  #loop?: Promise<void>;
  #pbx: "up" | "down" | "unknown" = "unknown";
  #everUp = false;
  #nextCall = 1;
  #sweepTimer?: TimerHandle;
  #sockets: (clientId: string, line: string) => number = () => 0;
  #socketStats?: () => Record<string, number>;
  #snapshotTimer?: TimerHandle;
  #counters = { opens: 0, refusedOpens: 0, leaseExpiries: 0, events: 0, requests: 0, failedRequests: 0 };
  #lastRefusal: { at: string; line: string; client: string; reason: string } | null = null;

  constructor(options: LineApiOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The session's client, for the operations (requests go through the Switchboard like any application). */
  get client(): CstaClient {
    if (!this.#client || this.#lifecycle.state !== "running") {
      throw new LineApiError("LINEERR_NODRIVER", "the line API is not running");
    }
    return this.#client;
  }

  /** How long an open line lasts without renewal or event WebSocket. */
  get leaseSeconds(): number {
    return this.#options.settings().leaseSeconds;
  }

  get pbx(): "up" | "down" | "unknown" {
    return this.#pbx;
  }

  /** Calls `listener` with every message of every line; returns the unsubscribe function. */
  onMessage(listener: (message: LineMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- service ----------------------------------------------------------------------------------

  start(): Promise<void> {
    this.#lifecycle.set("starting");
    this.#pbx = "unknown";
    this.#everUp = false;
    try {
      this.#client = CstaClient.inProcess(this.#options.switchboard, {
        name: "line-api",
        seatKind: "line",
        requestTimeoutMs: this.#options.requestTimeoutMs,
        eventBufferSize: 100_000,
        clock: this.#clock,
        onInvoke: (invoke) => this.#onInvoke(invoke),
        onError: (error, context) => this.#options.log.error("line API session problem", { context, error }),
      });
    } catch (error) {
      this.#lifecycle.set("failed", errorText(error));
      throw error;
    }
    this.#loop = this.#consume(this.#client);
    this.#client.onSystemStatus((status, previous) => this.#onSystemStatus(status, previous));
    this.#lifecycle.set("running");
    this.#scheduleSweep();
    this.#scheduleSnapshot();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.#lifecycle.state === "stopped") return;
    this.#lifecycle.set("stopping");
    for (const timer of [this.#sweepTimer, this.#snapshotTimer]) {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
    this.#sweepTimer = this.#snapshotTimer = undefined;
    for (const line of [...this.#lines.values()]) this.#forget(line, "cstabox stops");
    const client = this.#client;
    this.#client = undefined;
    // Detaching the session stops its monitors in the Switchboard and frees their seats.
    await client?.close();
    await this.#loop;
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus {
    const lines = [...this.#lines.values()];
    const retrying = lines.filter((l) => l.monitor === "retrying");
    const snapshot = this.#lifecycle.snapshot({
      details: {
        openLines: lines.length,
        clients: new Set(lines.flatMap((l) => [...l.holders.keys()])).size,
        calls: lines.reduce((sum, l) => sum + l.calls.list().length, 0),
        pbx: this.#pbx,
        unmonitoredLines: retrying.map((l) => ({ line: l.number, reason: l.problem?.reason ?? "" })),
        lastRefusal: this.#lastRefusal,
        ...this.#counters,
        ...(this.#socketStats ? { eventSockets: this.#socketStats() } : {}),
      },
    });
    if (snapshot.state !== "running") return snapshot;
    if (retrying.length > 0) {
      return { ...snapshot, state: "degraded", reason: `${retrying.length} open line(s) not monitored` };
    }
    return snapshot;
  }

  // ---- lines ------------------------------------------------------------------------------------

  /** The open lines, for the Lines and Licences pages. */
  openLines(): OpenLineView[] {
    const now = this.#clock.monotonic();
    return [...this.#lines.values()].map((line) => ({
      line: line.number,
      partner: line.calls.devices.partner ?? null,
      openedAt: line.openedAt,
      monitor: line.monitor,
      problem: line.problem?.reason ?? null,
      holders: [...line.holders.values()].map((h) => ({
        client: h.client.label,
        sockets: this.#sockets(h.client.id, line.number),
        leaseSecondsLeft: Math.max(0, Math.round((h.leaseUntil - now) / 1000)),
      })),
      calls: line.calls.list().length,
    }));
  }

  /** The open line `number` if `client` holds it; otherwise why not (404 unknown line, 409 not open). */
  lineOf(client: LineClient, number: string): OpenLine {
    const line = this.#lines.get(number);
    if (line?.holders.has(client.id)) return line;
    if (!this.#options.line(number)) {
      throw new LineApiError("LINEERR_BADDEVICEID", `no line ${number} is configured`);
    }
    throw new LineApiError(
      "LINEERR_INVALLINEHANDLE",
      `line ${number} is not open for ${client.label}: open it first`,
    );
  }

  /** A call on a line `client` holds open, by callId. */
  callOf(
    client: LineClient,
    callId: string,
  ): { line: OpenLine; call: NonNullable<ReturnType<LineCalls["byCallId"]>> } {
    for (const line of this.#lines.values()) {
      if (!line.holders.has(client.id)) continue;
      const call = line.calls.byCallId(callId);
      if (call) return { line, call };
    }
    throw new LineApiError("LINEERR_INVALCALLHANDLE", `no call ${callId} on a line open for ${client.label}`);
  }

  /** Whether `client` holds `number` open. */
  holds(client: LineClient, number: string): boolean {
    return this.#lines.get(number)?.holders.has(client.id) ?? false;
  }

  /** Renews `client`'s lease on a line it holds (any request on the line does). */
  renew(client: LineClient, line: OpenLine): void {
    line.hold(client, this.#clock.monotonic(), this.#leaseMs());
  }

  /**
   * lineOpen: monitors the line (one licence seat per device, shared with CSTA applications) and makes
   * `client` a holder, or renews its lease when it holds the line already.
   */
  async open(client: LineClient, number: string): Promise<OpenLine> {
    const existing = this.#lines.get(number);
    if (existing) {
      if (!existing.holders.has(client.id)) this.#checkClientLimit(client, number);
      const fresh = !existing.holders.has(client.id);
      existing.hold(client, this.#clock.monotonic(), this.#leaseMs());
      if (fresh) this.#lineState(existing, "opened", undefined, client.label);
      return existing;
    }
    this.#checkClientLimit(client, number);
    let pending = this.#opening.get(number);
    if (!pending) {
      pending = this.#monitorLine(client, number).finally(() => this.#opening.delete(number));
      this.#opening.set(number, pending);
    }
    const line = await pending;
    const fresh = !line.holders.has(client.id);
    line.hold(client, this.#clock.monotonic(), this.#leaseMs());
    if (fresh) this.#lineState(line, "opened", undefined, client.label);
    this.#counters.opens++;
    return line;
  }

  /** lineClose: `client` lets go of the line; the last holder's close stops the monitor and frees the seat. */
  close(client: LineClient, number: string, reason = "closed by the client"): void {
    const line = this.lineOf(client, number);
    this.#release(line, client.id, reason);
  }

  /**
   * Tells the service how many event WebSockets of a client are subscribed to a line (the WebSocket hub
   * counts them): while one is, the line stays open whatever its lease.
   */
  attachSockets(
    count: (clientId: string, line: string) => number,
    stats?: () => Record<string, number>,
  ): void {
    this.#sockets = count;
    this.#socketStats = stats;
  }

  /** An event WebSocket of `clientId` went away: its lines get a whole lease to reconnect. */
  socketGone(clientId: string, lines: Iterable<string>): void {
    const until = this.#clock.monotonic() + this.#leaseMs();
    for (const number of lines) {
      const holder = this.#lines.get(number)?.holders.get(clientId);
      if (holder) holder.leaseUntil = Math.max(holder.leaseUntil, until);
    }
  }

  /** The line's calls now, as a snapshot message. */
  snapshot(number: string): SnapshotMessage {
    const line = this.#lines.get(number);
    const at = this.#now();
    return {
      type: "snapshot",
      line: number,
      open: line !== undefined,
      calls: line ? line.calls.list().map((call) => line.calls.view(call, at)) : [],
      at: at.toISOString(),
    };
  }

  /** Publishes call events an operation produced at once (MakeCall's new call, consultation calls). */
  publish(events: CallEvent[]): void {
    for (const event of events) this.#emit({ type: "callState", ...event });
  }

  /** A SnapshotDevice of the line now, reconciled into its calls (lineGetAddressStatus, re-sync). */
  async resync(line: OpenLine): Promise<void> {
    const result = await this.client.snapshotDevice(line.number);
    const data = result.crossRefIDorSnapshotData;
    if (data.kind !== "snapshotData") throw new Error("the PBX answered with a segmented snapshot");
    const entries = data.value.map((entry) => ({
      connection: entry.connectionIdentifier,
      ...snapshotConnectionStates(entry.localCallState),
    }));
    if (!this.#lines.has(line.number)) return;
    this.publish(line.calls.reconcile(entries, this.#now()));
  }

  // ---- opening and closing ----------------------------------------------------------------------

  async #monitorLine(client: LineClient, number: string): Promise<OpenLine> {
    const stored = this.#options.line(number);
    const refuse = (error: LineApiError) => {
      this.#counters.refusedOpens++;
      this.#lastRefusal = {
        at: this.#now().toISOString(),
        line: number,
        client: client.label,
        reason: error.message,
      };
      this.#options.log.warn("lineOpen refused", {
        line: number,
        client: client.label,
        reason: error.message,
      });
      return error;
    };
    if (!stored) throw refuse(new LineApiError("LINEERR_BADDEVICEID", `no line ${number} is configured`));
    if (!stored.enabled) {
      throw refuse(
        new LineApiError(
          "LINEERR_OPERATIONUNAVAIL",
          `line ${number} is disabled in the line list; enable it first`,
        ),
      );
    }
    if (this.#pbx === "down") {
      throw refuse(
        new LineApiError("LINEERR_NODRIVER", `line ${number} cannot be opened: the PBX link is down`),
      );
    }
    let crossRef: Uint8Array;
    try {
      crossRef = await this.client.monitorStart(dialingNumber(number));
    } catch (error) {
      throw refuse(this.#openFailure(error, number));
    }
    const partner = this.#options.partnerOf(stored);
    const line = new OpenLine(
      number,
      new LineCalls({
        devices: { number, ...(partner ? { partner } : {}) },
        directory: this.#options.directory(),
        numbering: this.#options.numbering,
        newCallId: () => `${this.#bootTag}-${(this.#nextCall++).toString(36)}`,
      }),
      this.#now().toISOString(),
    );
    line.crossRef = crossRef;
    this.#lines.set(number, line);
    this.#byCrossRef.set(crossRef.toHex(), line);
    this.#options.log.info("line opened", { line: number, client: client.label });
    // The calls already up at the line: a client never starts from a stale (empty) view.
    await this.resync(line).catch((error) =>
      this.#options.log.warn("SnapshotDevice after lineOpen failed", {
        line: number,
        reason: errorText(error),
      })
    );
    return line;
  }

  #openFailure(error: unknown, number: string): LineApiError {
    if (
      error instanceof CstaFailureError && error.failure?.kind === "subscribedResourceAvailability"
    ) {
      const refusal = this.#options.lastSeatRefusal();
      if (refusal) {
        const why = refusal.reason === "no-free-licence"
          ? `all ${refusal.linesLicensed} licensed lines are in use (${refusal.linesInUse} of ${refusal.linesLicensed})`
          : refusal.reason === "trial-ended"
          ? "the 45-day trial has ended and no licence key is entered"
          : "every licence key has expired";
        return new LineApiError("LINEERR_RESOURCEUNAVAIL", `line ${number} cannot be opened: ${why}`);
      }
    }
    const mapped = lineErrorOf(error, { operation: "lineOpen", line: number });
    if (mapped.code === "LINEERR_NODRIVER" || mapped.code === "LINEERR_TIMEOUT") return mapped;
    if (mapped.code === "LINEERR_RESOURCEUNAVAIL") return mapped;
    return new LineApiError(
      "LINEERR_OPERATIONFAILED",
      `line ${number} cannot be opened: the PBX refused to monitor it (${errorText(error)})`,
    );
  }

  #checkClientLimit(client: LineClient, number: string): void {
    const limit = this.#options.settings().linesPerClient;
    const held = [...this.#lines.values()].filter((l) => l.holders.has(client.id)).length;
    if (held >= limit) {
      throw new LineApiError(
        "LINEERR_RESOURCEUNAVAIL",
        `line ${number} cannot be opened: ${client.label} holds ${held} lines, the limit per client (lineApi.linesPerClient)`,
      );
    }
  }

  #release(line: OpenLine, clientId: string, reason: string): void {
    const holder = line.holders.get(clientId);
    if (!holder) return;
    line.holders.delete(clientId);
    this.#options.log.info("line closed for a client", {
      line: line.number,
      client: holder.client.label,
      reason,
    });
    this.#lineState(line, "closed", reason, holder.client.label);
    if (line.holders.size === 0) this.#forget(line, reason);
  }

  /** Stops the line's monitor (the Switchboard frees the seat when no one else monitors the device). */
  #forget(line: OpenLine, reason: string): void {
    this.#lines.delete(line.number);
    if (line.crossRef) this.#byCrossRef.delete(line.crossRef.toHex());
    this.publish(line.calls.clear(this.#now()));
    const crossRef = line.crossRef;
    line.crossRef = undefined;
    if (crossRef && this.#client) {
      this.#client.monitorStop(crossRef).catch((error) =>
        this.#options.log.debug("MonitorStop of a closed line failed", {
          line: line.number,
          reason: errorText(error),
        })
      );
    }
    this.#options.log.info("line closed", { line: line.number, reason });
  }

  // ---- timers -----------------------------------------------------------------------------------

  #leaseMs(): number {
    return this.#options.settings().leaseSeconds * 1000;
  }

  /** Leases and monitor retries are checked a few times per lease, at least every 5 s. */
  #scheduleSweep(): void {
    const every = Math.min(5_000, Math.max(100, this.#leaseMs() / 4));
    this.#sweepTimer = this.#clock.setTimeout(() => {
      if (this.#lifecycle.state !== "running") return;
      this.#sweep();
      this.#scheduleSweep();
    }, every);
  }

  #sweep(): void {
    const now = this.#clock.monotonic();
    const leaseSeconds = this.#options.settings().leaseSeconds;
    for (const line of [...this.#lines.values()]) {
      for (const holder of line.expired(now, this.#sockets)) {
        this.#counters.leaseExpiries++;
        this.#release(
          line,
          holder.client.id,
          `lease expired: no renewal for ${leaseSeconds} s and no event WebSocket`,
        );
      }
      if (line.monitor === "retrying" && this.#pbx === "up" && (line.problem?.retryAt ?? 0) <= now) {
        void this.#retryMonitor(line);
      }
    }
  }

  #scheduleSnapshot(): void {
    const seconds = this.#options.settings().snapshotSeconds;
    // Off (0): look again in a minute whether it was switched on.
    this.#snapshotTimer = this.#clock.setTimeout(() => {
      if (this.#lifecycle.state !== "running") return;
      const run = seconds > 0 && this.#pbx === "up"
        ? this.#resyncAll("periodic snapshot")
        : Promise.resolve();
      void run.finally(() => {
        if (this.#lifecycle.state === "running") this.#scheduleSnapshot();
      });
    }, seconds > 0 ? seconds * 1000 : 60_000);
  }

  async #retryMonitor(line: OpenLine): Promise<void> {
    const retryMs = this.#options.settings().monitorRetrySeconds * 1000;
    line.problem = { reason: line.problem?.reason ?? "", retryAt: this.#clock.monotonic() + retryMs };
    try {
      const crossRef = await this.client.monitorStart(dialingNumber(line.number));
      if (this.#lines.get(line.number) !== line) {
        await this.client.monitorStop(crossRef).catch(() => {});
        return;
      }
      const old = line.crossRef;
      line.crossRef = crossRef;
      this.#byCrossRef.set(crossRef.toHex(), line);
      if (old) {
        this.#byCrossRef.delete(old.toHex());
        await this.client.monitorStop(old).catch(() => {});
      }
      line.monitor = "monitored";
      line.problem = undefined;
      this.#options.log.info("line monitored again", { line: line.number });
      this.#lineState(line, "monitored");
      await this.resync(line).catch(() => {});
      this.#emit(this.snapshot(line.number));
    } catch (error) {
      line.problem = { reason: errorText(error), retryAt: this.#clock.monotonic() + retryMs };
    }
  }

  // ---- events -----------------------------------------------------------------------------------

  async #consume(client: CstaClient): Promise<void> {
    for await (const report of client.events()) {
      try {
        this.#onEvent(report);
      } catch (error) {
        this.#options.log.error("line event not applied", { event: report.name, error });
      }
    }
  }

  #onEvent(report: ClientEvent): void {
    const line = this.#byCrossRef.get(report.crossRef.toHex());
    if (!line || !report.event) return;
    this.#counters.events++;
    const event = report.event;
    const at = this.#now();
    if (event.kind === "forwarding") {
      const kind = event.forwardingType === undefined ? undefined : forwardingKind(event.forwardingType);
      if (!kind) return;
      this.#emit({
        type: "addressState",
        line: line.number,
        address: 0,
        forwarding: {
          ...kind,
          on: event.forwardStatus,
          to: event.forwardTo ? identifierDigits(event.forwardTo.deviceIdentifier) ?? null : null,
        },
        at: at.toISOString(),
      });
      return;
    }
    if (event.kind === "doNotDisturb") {
      line.doNotDisturb = event.doNotDisturbOn;
      this.#emit({
        type: "addressState",
        line: line.number,
        address: 0,
        doNotDisturb: event.doNotDisturbOn,
        at: at.toISOString(),
      });
      return;
    }
    this.publish(line.calls.apply(event, at));
  }

  /** The switch stopped a line's monitor itself (§6): the line is monitored again at the retry interval. */
  #onInvoke(invoke: IncomingInvoke): InvokeReply | void {
    if (invoke.opcode !== Opcode.monitorStop || invoke.typed?.operation !== "monitorStop") return;
    const key = invoke.typed.argument.crossRefIdentifier.toHex();
    const line = this.#byCrossRef.get(key);
    if (!line) return;
    this.#byCrossRef.delete(key);
    line.crossRef = undefined;
    this.#lost(line, "the PBX stopped the line's monitor");
  }

  #lost(line: OpenLine, reason: string): void {
    line.monitor = "retrying";
    line.problem = {
      reason,
      retryAt: this.#clock.monotonic() + this.#options.settings().monitorRetrySeconds * 1000,
    };
    this.#options.log.warn("an open line is not monitored", { line: line.number, reason });
    this.#lineState(line, "monitorLost", reason);
  }

  /**
   * What the Switchboard tells its sessions: partiallyDisabled is a link that is up with some monitors
   * lost (the Switchboard retries them); normal after it means they recovered, so calls are read afresh.
   */
  #onSystemStatus(status: SystemStatusValue, previous?: SystemStatusValue): void {
    if (status === "normal" && previous === "partiallyDisabled" && this.#pbx === "up") {
      void this.#resyncAll("lost monitors recovered");
      return;
    }
    if (status !== "normal" && status !== "partiallyDisabled") {
      if (this.#pbx === "down") return;
      this.#pbx = "down";
      for (const line of this.#lines.values()) {
        if (line.monitor === "monitored") line.monitor = "linkDown";
        this.#lineState(line, "linkDown", "the PBX link is down; the line stays open");
      }
      return;
    }
    const returned = this.#pbx === "down" && this.#everUp;
    this.#pbx = "up";
    this.#everUp = true;
    if (!returned) return;
    for (const line of this.#lines.values()) {
      if (line.monitor === "linkDown") line.monitor = "monitored";
      this.#lineState(line, "linkUp");
    }
    // The Switchboard re-created the monitors under the same crossRefs; the calls are read afresh.
    void this.#resyncAll("the PBX link returned", true);
  }

  async #resyncAll(reason: string, announce = false): Promise<void> {
    const lines = [...this.#lines.values()].filter((l) => l.monitor === "monitored");
    for (let i = 0; i < lines.length; i += SNAPSHOT_BATCH) {
      await Promise.all(
        lines.slice(i, i + SNAPSHOT_BATCH).map(async (line) => {
          try {
            await this.resync(line);
          } catch (error) {
            // The device answers no snapshot: its monitor is taken as lost and started again.
            if (announce) this.#lost(line, `SnapshotDevice failed after ${reason}: ${errorText(error)}`);
            else {this.#options.log.warn("SnapshotDevice failed", {
                line: line.number,
                reason: errorText(error),
              });}
          }
          if (announce && this.#lines.get(line.number) === line) this.#emit(this.snapshot(line.number));
        }),
      );
    }
  }

  // ---- output -----------------------------------------------------------------------------------

  #lineState(
    line: OpenLine,
    state: "opened" | "closed" | "linkDown" | "linkUp" | "monitorLost" | "monitored",
    reason?: string,
    by?: string,
  ): void {
    this.#emit({
      type: "lineState",
      line: line.number,
      state,
      ...(reason ? { reason } : {}),
      ...(by ? { by } : {}),
      at: this.#now().toISOString(),
    });
  }

  #emit(message: LineMessage): void {
    for (const listener of this.#listeners) {
      try {
        listener(message);
      } catch (error) {
        this.#options.log.error("line message listener failed", { error });
      }
    }
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }
}
