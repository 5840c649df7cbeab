// The SMDR service: turns the call tracker's events into records, commits each to the outbox, and
// serves local collectors and the push collector from it. Settings changes apply part by part.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import type { ListenerInfo, Service, ServiceStatus } from "../service.ts";
import type { SmdrSettings } from "./smdr_options.ts";
import { AllowList } from "../net/allow_list.ts";
import type { BackoffPolicy } from "../net/backoff.ts";
import type { StoreHealth } from "../store/store_service.ts";
import type { GroupCommit } from "../store/group_commit.ts";
import { LocalServer, type LocalServerStatus } from "./local_server.ts";
import { NameDirectory } from "./name_directory.ts";
import { RecordHistory } from "./record_history.ts";
import { Outbox, type Retention, type StoredRecord } from "./outbox.ts";
import { PushClient, type PushStatus } from "./push_client.ts";
import { checkPaddingCharacter, formatRecord, RECORD_LINE_END, RECORD_WIRE_BYTES } from "./record.ts";
import { checkSmdrEvent, type SmdrEvent } from "./smdr_event.ts";
import { errorText } from "../log/error_text.ts";

export type { SmdrSettings };

/** The number rules: a number after a list's rules, or null when a rule suppresses it. */
export type NumberRewriter = (list: "incoming" | "outgoing", number: string) => string | null;

export interface SmdrServiceOptions {
  /** The `smdr` settings section; read at start and by `reconfigure()` without an argument. */
  settings: () => SmdrSettings;
  /** The store's database (throws while the store is not running). */
  db: () => DatabaseSync;
  log: Logger;
  clock?: Clock;
  /** [0, 1) random numbers for the push backoff jitter. */
  random?: () => number;
  /** Applies the incoming (IN) or outgoing (OUT) number rules to the external number. */
  rewriteNumber?: NumberRewriter;
  /** Bytes queued for one collector before it is cut off; raised to hold the replay history twice. */
  queueBytes?: number;
  /** A collector whose write stalls this long is cut off. */
  drainTimeoutMs?: number;
  /** Push mode tuning: settle time before a written record counts as delivered, backoff, timeouts. */
  push?: { settleMs?: number; replayBytes?: number; backoff?: BackoffPolicy; connectTimeoutMs?: number };
  /** Called when the local listener opens (for `cstabox listening smdr host:port`). */
  onListen?: (listener: ListenerInfo) => void;
  /** Told of records the store refused; a full disk degrades SMDR until the store can write again. */
  store?: StoreHealth;
  /**
   * Records made within the group's interval are committed together and only then sent (the appliance's
   * `smdr.commitIntervalMs`); without it each record is committed as it is made.
   */
  commits?: GroupCommit;
}

/**
 * What `submit` did with an event: stored at a position, queued for the next group commit (sent once
 * committed; a failed commit is counted as lost then), or not stored and why.
 */
export type SubmitResult =
  | { ok: true; position: number; record: string }
  | { ok: true; queued: true; record: string }
  | { ok: false; reason: "disabled" | "invalid" | "store"; message: string };

/** A settings change was refused; the running configuration stays. */
export class SmdrSettingsError extends Error {
  override readonly name = "SmdrSettingsError";
}

const encoder = new TextEncoder();
/** Records committed between two prunings of the outbox, so pruning is not paid on every record. */
const PRUNE_EVERY = 64;

interface OutboxFigures {
  recordsToday: number;
  lastPosition: number;
  backlog: number;
  acknowledgedPosition: number | null;
  /** Through here the push collector was shown to have read; the rest up to the acknowledged position is sent again on reconnect. */
  readPosition: number | null;
  drops: number;
  history: { stored: number; limit: number };
  backlogLimit: number;
  /** The searchable history: records kept in the store and the retention settings. */
  kept: { records: number; keepDays: number; keepRecords: number };
}

/** The outbox's figures, or (none of them and) why the store could not give them. */
export type SmdrStoreFigures =
  | OutboxFigures & { storeProblem?: undefined }
  | { [K in keyof OutboxFigures]?: undefined } & { storeProblem: string };

/** What the SMDR service reports in its status `details`; the pages import this type. */
export type SmdrDetails = SmdrStoreFigures & {
  enabled: boolean;
  lost: number;
  lastLoss: string | null;
  local: {
    listening: string | null;
    collectors: LocalServerStatus["collectors"];
    maxCollectors: number;
    refused: LocalServerStatus["refused"];
    slowDisconnects: number;
  } | null;
  push: PushStatus | null;
};

export class SmdrService implements Service<SmdrDetails> {
  readonly name = "smdr";
  readonly outbox: Outbox;
  readonly contacts: NameDirectory;
  /** The searchable record history (what the outbox keeps, by `keepDays` and `keepRecords`). */
  readonly history: RecordHistory;
  readonly ddiNames: NameDirectory;
  #options: SmdrServiceOptions;
  #clock: Clock;
  #lifecycle = new Lifecycle();
  #settings: SmdrSettings;
  #local?: LocalServer;
  #push?: PushClient;
  #listeners = new Set<(record: StoredRecord) => void>();
  #lost = 0;
  #lastLoss: string | null = null;
  #sincePrune = 0;

  constructor(options: SmdrServiceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#settings = options.settings();
    this.outbox = new Outbox(options.db, this.#clock);
    this.history = new RecordHistory(options.db, () => this.#settings.paddingCharacter);
    this.contacts = new NameDirectory("contacts", options.db);
    this.ddiNames = new NameDirectory("ddiNames", options.db);
  }

  /** The settings in force. */
  get settings(): SmdrSettings {
    return this.#settings;
  }

  start(): Promise<void> {
    return this.#startWith(this.#options.settings());
  }

  async stop(): Promise<void> {
    if (this.#lifecycle.state === "stopped" && !this.#local && !this.#push) return;
    // Records waiting for their commit are committed and sent before the collectors go.
    await this.#options.commits?.flush();
    this.#lifecycle.set("stopping");
    await this.#stopParts();
    this.#lifecycle.set("stopped");
  }

  /**
   * Applies a new `smdr` section while running: only the parts whose settings changed restart (a new
   * port reopens the listener, a new push target reconnects); padding, history and backlog cap apply to
   * the next record. Throws `SmdrSettingsError` and keeps the running configuration if a value is unusable.
   */
  async reconfigure(next: SmdrSettings = this.#options.settings()): Promise<void> {
    const allowList = checkSettings(next);
    const previous = this.#settings;
    if (this.#lifecycle.state !== "running" || next.enabled !== previous.enabled) {
      if (this.#lifecycle.state === "running") await this.stop();
      this.#settings = next;
      if (next.enabled || previous.enabled) await this.#startWith(next);
      return;
    }
    this.#settings = next;
    const localChanged = next.localEnabled !== previous.localEnabled || next.bind !== previous.bind ||
      next.localPort !== previous.localPort;
    if (localChanged) {
      await this.#local?.stop();
      this.#local = undefined;
      if (next.localEnabled) this.#startLocal(next, allowList);
    } else {
      this.#local?.setPolicy(allowList, next.maxCollectors);
    }
    const pushChanged = next.pushEnabled !== previous.pushEnabled || next.pushHost !== previous.pushHost ||
      next.pushPort !== previous.pushPort;
    if (pushChanged) {
      await this.#push?.stop();
      this.#push = undefined;
      this.#preparePushCursor(next);
      if (next.pushEnabled) this.#startPush(next);
    }
    this.#capBacklog();
    this.outbox.prune(next.historySize, retentionOf(next));
  }

  /**
   * Turns one call event into a record and commits it to the outbox before it goes to any collector.
   * Never throws: a refused or unstorable event is counted, logged and reported in the result. While
   * the service restarts, records are still stored and go out once it runs again.
   */
  submit(event: SmdrEvent): SubmitResult {
    const settings = this.#settings;
    if (!settings.enabled) return { ok: false, reason: "disabled", message: "SMDR is off (smdr.enabled)" };
    let resolved: SmdrEvent;
    let record: string;
    try {
      checkSmdrEvent(event);
    } catch (error) {
      return this.#lose("invalid", error, event);
    }
    try {
      resolved = this.#resolve(event);
    } catch (error) {
      return this.#lose("store", error, event);
    }
    try {
      record = formatRecord(resolved, { padding: settings.paddingCharacter });
    } catch (error) {
      return this.#lose("invalid", error, event);
    }
    const commits = this.#options.commits;
    if (commits) {
      commits.write(
        () => this.outbox.append(record),
        (stored) => this.#deliver(stored),
        (error) => this.#lose("store", error, event),
      );
      return { ok: true, queued: true, record };
    }
    let stored: StoredRecord;
    try {
      stored = this.outbox.append(record);
    } catch (error) {
      return this.#lose("store", error, event);
    }
    this.#deliver(stored);
    return { ok: true, position: stored.position, record };
  }

  /** The latest records (up to the history size), oldest first, for the live tail. */
  latestRecords(limit: number): StoredRecord[] {
    return this.outbox.latest(Math.max(0, Math.min(limit, this.#settings.historySize)));
  }

  /** Calls `listener` for every record stored from now on; returns the unsubscribe function. */
  onRecord(listener: (record: StoredRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  status(): ServiceStatus<SmdrDetails> {
    const settings = this.#settings;
    const local = this.#local?.status();
    const push = this.#push?.status();
    const details = this.#details(settings, local, push);
    if (this.#lifecycle.state !== "running") {
      return this.#lifecycle.snapshot({ details });
    }
    const diskFull = this.#options.store?.writeProblem();
    const problem = diskFull ? `records cannot be stored: ${diskFull}` : this.#pushProblem(settings, push);
    const snapshot = this.#lifecycle.snapshot({
      listeners: local?.listening ? [local.listening] : undefined,
      details,
    });
    return problem ? { ...snapshot, state: "degraded", reason: problem } : snapshot;
  }

  /** Why push mode is not delivering, once that is more than the first connection attempt. */
  #pushProblem(
    settings: SmdrSettings,
    push: ReturnType<PushClient["status"]> | undefined,
  ): string | undefined {
    if (!settings.pushEnabled) return undefined;
    if (!push) {
      return "push mode is on but smdr.pushHost or smdr.pushPort is not set; records wait in the backlog";
    }
    if (push.state === "connected" || push.attempts === 0) return undefined;
    return `push collector ${push.target} unreachable${push.lastError ? `: ${push.lastError}` : ""}`;
  }

  #details(
    settings: SmdrSettings,
    local: LocalServerStatus | undefined,
    push: PushStatus | undefined,
  ): SmdrDetails {
    let store: SmdrStoreFigures;
    try {
      store = {
        recordsToday: this.outbox.recordsToday(),
        lastPosition: this.outbox.lastPosition(),
        backlog: this.outbox.backlog(),
        acknowledgedPosition: this.outbox.pushCursor(),
        readPosition: this.outbox.pushReadPosition(),
        drops: this.outbox.dropped(),
        history: {
          stored: Math.min(this.outbox.storedCount(), settings.historySize),
          limit: settings.historySize,
        },
        backlogLimit: settings.backlogLimit,
        kept: {
          records: this.outbox.storedCount(),
          keepDays: settings.keepDays,
          keepRecords: settings.keepRecords,
        },
      };
    } catch (error) {
      store = { storeProblem: errorText(error) };
    }
    return {
      enabled: settings.enabled,
      ...store,
      lost: this.#lost,
      lastLoss: this.#lastLoss,
      local: settings.localEnabled && local
        ? {
          listening: local.listening ? `${local.listening.hostname}:${local.listening.port}` : null,
          collectors: local.collectors,
          maxCollectors: settings.maxCollectors,
          refused: local.refused,
          slowDisconnects: local.slowDisconnects,
        }
        : null,
      push: settings.pushEnabled && push ? push : null,
    };
  }

  /** Number rules and directory names, applied before formatting. */
  #resolve(event: SmdrEvent): SmdrEvent {
    const rewrite = this.#options.rewriteNumber;
    const list = event.direction === "IN" ? "incoming" : "outgoing";
    const callerNumber = rewrite ? rewrite(list, event.callerNumber) ?? "" : event.callerNumber;
    // Names are looked up for inbound calls: the seed's outbound example shows no contact name for the
    // very number that is named on inbound calls (docs/smdr.md, "Contact and DDI names").
    const inbound = event.direction === "IN";
    return {
      ...event,
      callerNumber,
      contactName: event.contactName ?? (inbound ? this.contacts.nameFor(callerNumber) : undefined),
      ddiName: event.ddiName ?? (inbound ? this.ddiNames.nameFor(event.ddi) : undefined),
    };
  }

  #deliver(stored: StoredRecord): void {
    if (this.#lifecycle.state === "running") {
      this.#local?.broadcast(encoder.encode(stored.record + RECORD_LINE_END));
      this.#capBacklog();
      this.#push?.wake();
    }
    if (++this.#sincePrune >= PRUNE_EVERY) {
      this.#sincePrune = 0;
      this.#prune();
    }
    for (const listener of this.#listeners) {
      try {
        listener(stored);
      } catch (error) {
        this.#options.log.error("SMDR record listener failed", { error });
      }
    }
  }

  #capBacklog(): void {
    const dropped = this.outbox.capBacklog(this.#settings.pushEnabled ? this.#settings.backlogLimit : 0);
    if (dropped > 0) {
      this.#options.log.warn("SMDR push backlog full: oldest undelivered records dropped", {
        dropped,
        totalDropped: this.outbox.dropped(),
        backlogLimit: this.#settings.backlogLimit,
      });
    }
  }

  #prune(): void {
    try {
      this.outbox.prune(this.#settings.historySize, retentionOf(this.#settings));
    } catch (error) {
      this.#options.log.warn("SMDR outbox could not be pruned", { error });
    }
  }

  #lose(reason: "invalid" | "store", error: unknown, event: SmdrEvent): SubmitResult {
    if (reason === "store") this.#options.store?.noteWriteError(error);
    this.#lost++;
    this.#lastLoss = errorText(error);
    this.#options.log.error(reason === "invalid" ? "SMDR event refused" : "SMDR record could not be stored", {
      error: this.#lastLoss,
      event: event?.event,
      callSerial: event?.callSerial,
    });
    return { ok: false, reason, message: this.#lastLoss };
  }

  /** Push mode on: resume at the stored cursor, or start at the newest record. Off: keep no backlog. */
  #preparePushCursor(settings: SmdrSettings): void {
    const cursor = this.outbox.pushCursor();
    if (settings.pushEnabled && cursor === null) this.outbox.setPushCursor(this.outbox.lastPosition());
    if (!settings.pushEnabled && cursor !== null) this.outbox.setPushCursor(null);
  }

  #startLocal(settings: SmdrSettings, allowList: AllowList): void {
    const historyBytes = settings.historySize * RECORD_WIRE_BYTES;
    const local = new LocalServer({
      bind: settings.bind,
      port: settings.localPort,
      allowList,
      maxCollectors: settings.maxCollectors,
      queueBytes: Math.max(this.#options.queueBytes ?? settings.collectorQueueBytes, 2 * historyBytes),
      drainTimeoutMs: this.#options.drainTimeoutMs ?? 30_000,
      history: () => this.#historyBytes(),
      recordBytes: RECORD_WIRE_BYTES,
      log: this.#options.log,
      clock: this.#clock,
    });
    const info = local.start();
    this.#local = local;
    this.#options.onListen?.(info);
  }

  #historyBytes(): Uint8Array {
    const records = this.outbox.latest(this.#settings.historySize);
    return encoder.encode(records.map((r) => r.record + RECORD_LINE_END).join(""));
  }

  #startPush(settings: SmdrSettings): void {
    // Without a target the backlog still fills (nothing is lost) and status says what is missing.
    if (settings.pushHost === "" || settings.pushPort === 0) return;
    const outbox = this.outbox;
    this.#push = new PushClient({
      host: settings.pushHost,
      port: settings.pushPort,
      source: {
        after: (position, limit) => outbox.after(position, limit),
        pushCursor: () => outbox.pushCursor(),
        backlog: () => outbox.backlog(),
        acknowledge: (position) => {
          const moved = outbox.acknowledge(position);
          if (moved) this.#prune();
          return moved;
        },
        readPosition: () => outbox.pushReadPosition(),
        markRead: (position) => {
          const moved = outbox.markRead(position);
          if (moved) this.#prune();
          return moved;
        },
      },
      log: this.#options.log,
      clock: this.#clock,
      random: this.#options.random,
      backoff: this.#options.push?.backoff,
      settleMs: this.#options.push?.settleMs ?? settings.pushSettleSeconds * 1000,
      replayBytes: this.#options.push?.replayBytes ?? settings.pushReplayBytes,
      connectTimeoutMs: this.#options.push?.connectTimeoutMs,
      queueBytes: this.#options.queueBytes ?? settings.collectorQueueBytes,
      drainTimeoutMs: this.#options.drainTimeoutMs,
    });
    this.#capBacklog();
    this.#push.start();
  }

  async #startWith(settings: SmdrSettings): Promise<void> {
    this.#lifecycle.set("starting");
    let allowList: AllowList;
    try {
      allowList = checkSettings(settings);
    } catch (error) {
      this.#lifecycle.set("failed", errorText(error));
      throw error;
    }
    this.#settings = settings;
    if (!settings.enabled) {
      this.#lifecycle.set("stopped", "SMDR is off (smdr.enabled)");
      return;
    }
    try {
      this.#preparePushCursor(settings);
      this.outbox.prune(settings.historySize, retentionOf(settings));
      if (settings.localEnabled) this.#startLocal(settings, allowList);
      if (settings.pushEnabled) this.#startPush(settings);
    } catch (error) {
      await this.#stopParts();
      this.#lifecycle.set("failed", errorText(error));
      throw error;
    }
    this.#lifecycle.set("running");
  }

  async #stopParts(): Promise<void> {
    const push = this.#push;
    const local = this.#local;
    this.#push = undefined;
    this.#local = undefined;
    await Promise.all([push?.stop(), local?.stop()]);
  }
}

/** Checks the values the schema cannot; returns the parsed allow-list. */
function checkSettings(settings: SmdrSettings): AllowList {
  try {
    checkPaddingCharacter(settings.paddingCharacter);
    return AllowList.parse(settings.allowedSources, "smdr.allowedSources");
  } catch (error) {
    throw new SmdrSettingsError(`smdr settings refused: ${errorText(error)}`);
  }
}

/** The history's retention from the settings. */
function retentionOf(settings: SmdrSettings): Retention {
  return { days: settings.keepDays, records: settings.keepRecords };
}
