// Push mode: cstabox connects to one collector and sends it the backlog in order, then new records. A
// record counts as delivered once it was written to a connection that then stayed healthy for the
// settle time; it counts as read once `replayBytes` more bytes were written after it (no buffer between
// cstabox and the collector can still hold it). A new connection first sends again what was delivered
// but never shown to be read, since a hung collector that is killed loses its buffers (docs/smdr.md).

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { Logger } from "../log/logger.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from "../net/backoff.ts";
import { RECORD_LINE_END } from "./record.ts";
import { errorText } from "../log/error_text.ts";
import { unacknowledgedBytes } from "../net/tcp_send_queue.ts";
import { closeQuietly } from "../net/conn_io.ts";

/** What the push client reads from and acknowledges into: the outbox. */
export interface PushSource {
  /** Up to `limit` records after `position`, oldest first. */
  after(position: number, limit: number): { position: number; record: string }[];
  /** The acknowledged position (null when push mode is off). */
  pushCursor(): number | null;
  /** Moves the acknowledged position forward. */
  acknowledge(position: number): boolean;
  /** The position through which the collector was shown to have read (null when push mode is off). */
  readPosition(): number | null;
  /** Moves the read position (and the acknowledged one with it) forward. */
  markRead(position: number): boolean;
  /** Records not acknowledged yet. */
  backlog(): number;
}

export type PushConnectionState = "disconnected" | "connecting" | "connected";

export interface PushStatus {
  target: string;
  state: PushConnectionState;
  /** ISO time of the last state change. */
  since: string;
  /** Why the last connection failed or ended, in plain words. */
  lastError: string | null;
  /** The wait before the next attempt, while disconnected. */
  retryInMs: number | null;
  nextAttemptAt: string | null;
  /** Consecutive failed attempts. */
  attempts: number;
  /** Records written on the current connection. */
  sentOnConnection: number;
  /** Records sent again at the start of the current connection (delivered before, never shown read). */
  replayedOnConnection: number;
}

export interface PushClientOptions {
  host: string;
  port: number;
  source: PushSource;
  log: Logger;
  clock?: Clock;
  /** Returns a number in [0, 1); drives the backoff jitter. */
  random?: () => number;
  backoff?: BackoffPolicy;
  /** How long a connection must stay healthy after a write before its records count as delivered. */
  settleMs?: number;
  /**
   * Bytes the buffers between cstabox and the collector's process can hold (this host's send buffer, the
   * collector host's receive buffer): a record counts as read once this many bytes followed it.
   */
  replayBytes?: number;
  connectTimeoutMs?: number;
  /** Bytes that may wait for the collector before it counts as not reading. */
  queueBytes?: number;
  drainTimeoutMs?: number;
  /** Records read from the store and written at once while catching up. */
  batchRecords?: number;
  /** Opens the connection; Deno.connect by default. */
  connect?: (host: string, port: number) => Promise<Deno.Conn>;
}

const encoder = new TextEncoder();

export class PushClient {
  #options: Required<Omit<PushClientOptions, "host" | "port" | "source" | "log">>;
  #host: string;
  #port: number;
  #source: PushSource;
  #log: Logger;
  #stopping = false;
  /** Abandons the connect attempt in progress; called by `stop()`. */
  #abortConnect?: () => void;
  #run?: Promise<void>;
  #wake?: PromiseWithResolvers<void>;
  #status: PushStatus;
  /** Set while a connection is open; the settle timer acknowledges through it. */
  #live?: LiveConnection;

  constructor(options: PushClientOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#source = options.source;
    this.#log = options.log;
    this.#options = {
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      settleMs: options.settleMs ?? 1_000,
      replayBytes: options.replayBytes ?? 10 * 1024 * 1024,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      queueBytes: options.queueBytes ?? 1024 * 1024,
      drainTimeoutMs: options.drainTimeoutMs ?? 30_000,
      batchRecords: options.batchRecords ?? 256,
      connect: options.connect ?? ((hostname, port) => Deno.connect({ hostname, port })),
    };
    this.#status = {
      target: formatTarget(this.#host, this.#port),
      state: "disconnected",
      since: this.#isoNow(),
      lastError: null,
      retryInMs: null,
      nextAttemptAt: null,
      attempts: 0,
      sentOnConnection: 0,
      replayedOnConnection: 0,
    };
  }

  /** Starts connecting; runs until `stop()`. */
  start(): void {
    this.#stopping = false;
    this.#run ??= this.#loop().finally(() => (this.#run = undefined));
  }

  /** A new record is in the store: send it if connected. */
  wake(): void {
    this.#wake?.resolve();
  }

  /**
   * Stops sending and closes the connection. Records already written are given their settle time on a
   * healthy connection first (bounded by the settle time), so they count as delivered (a restart still
   * sends again those never shown read).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abortConnect?.();
    this.wake();
    const run = this.#run;
    if (!run) return;
    // A collector that does not read would hold a pending write for the whole drain timeout.
    let timer: TimerHandle | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = this.#options.clock.setTimeout(() => resolve("late"), this.#options.settleMs + 1_000);
    });
    if (await Promise.race([run, late]) === "late") this.#live?.close();
    this.#options.clock.clearTimeout(timer);
    await run;
  }

  status(): PushStatus {
    return {
      ...this.#status,
      sentOnConnection: this.#live?.sent ?? 0,
      replayedOnConnection: this.#live?.replayed ?? 0,
    };
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      this.#setState("connecting");
      let conn: Deno.Conn;
      try {
        conn = await this.#connect();
      } catch (error) {
        if (this.#stopping) break;
        this.#failed(errorText(error));
        await this.#pause(
          backoffDelay(this.#status.attempts - 1, this.#options.backoff, this.#options.random),
        );
        continue;
      }
      if (this.#stopping) {
        closeQuietly(conn);
        break;
      }
      sendAtOnce(conn);
      this.#status.attempts = 0;
      this.#status.retryInMs = null;
      this.#status.nextAttemptAt = null;
      this.#setState("connected");
      const ended = await this.#serve(conn);
      if (this.#stopping) break;
      this.#failed(ended);
      await this.#pause(backoffDelay(0, this.#options.backoff, this.#options.random));
    }
    this.#setState("disconnected");
  }

  async #connect(): Promise<Deno.Conn> {
    let timer: TimerHandle | undefined;
    const attempt = this.#options.connect(this.#host, this.#port);
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#options.clock.setTimeout(
        () => reject(new Error(`no answer within ${this.#options.connectTimeoutMs / 1000} s`)),
        this.#options.connectTimeoutMs,
      );
    });
    const stopped = new Promise<never>((
      _,
      reject,
    ) => (this.#abortConnect = () => reject(new Error("stopped"))));
    try {
      return await Promise.race([attempt, timeout, stopped]);
    } catch (error) {
      attempt.then(closeQuietly, () => {}); // a late connection is not used
      throw error;
    } finally {
      this.#options.clock.clearTimeout(timer);
      this.#abortConnect = undefined;
    }
  }

  /** Sends until the connection breaks or the client stops; returns why the connection ended. */
  async #serve(conn: Deno.Conn): Promise<string> {
    const live = new LiveConnection(conn, this.#options, this.#source, () => this.wake());
    this.#live = live;
    // Delivered before but never shown to be read: sent again first (the collector sees them twice).
    const replayThrough = this.#source.pushCursor() ?? 0;
    let sentThrough = Math.min(this.#source.readPosition() ?? replayThrough, replayThrough);
    this.#log.info("SMDR push connected", {
      target: this.#status.target,
      backlog: this.#source.backlog(),
      replay: replayThrough - sentThrough,
    });
    try {
      while (!this.#stopping && !live.broken) {
        const replaying = sentThrough < replayThrough;
        // A backlog cap may have moved the cursor past what this connection sent.
        if (!replaying) sentThrough = Math.max(sentThrough, this.#source.pushCursor() ?? 0);
        let batch = this.#source.after(sentThrough, this.#options.batchRecords);
        if (replaying) batch = batch.filter((r) => r.position <= replayThrough);
        if (batch.length === 0) {
          if (replaying) sentThrough = replayThrough;
          else await this.#idle();
          continue;
        }
        const bytes = encoder.encode(batch.map((r) => r.record + RECORD_LINE_END).join(""));
        live.writer.enqueue(bytes);
        await live.writer.drained();
        if (live.writer.failed || live.broken) break;
        sentThrough = batch[batch.length - 1].position;
        live.written(sentThrough, batch.length, bytes.length, replaying);
      }
      if (!live.broken) await live.settleAll();
      return live.endReason ?? "closed";
    } finally {
      live.close();
      this.#live = undefined;
    }
  }

  /** Waits for a new record, a broken connection or stop. */
  async #idle(): Promise<void> {
    this.#wake = Promise.withResolvers<void>();
    await this.#wake.promise;
    this.#wake = undefined;
  }

  /** Waits `ms` on the injected clock, or less when stopped. */
  async #pause(ms: number): Promise<void> {
    if (this.#stopping) return;
    this.#status.retryInMs = ms;
    this.#status.nextAttemptAt = new Date(this.#options.clock.now() + ms).toISOString();
    let elapsed = false;
    const handle = this.#options.clock.setTimeout(() => {
      elapsed = true;
      this.#wake?.resolve();
    }, ms);
    // New records also resolve the wake promise; keep waiting until the delay is over or we stop.
    while (!this.#stopping && !elapsed) {
      this.#wake = Promise.withResolvers<void>();
      await this.#wake.promise;
    }
    this.#options.clock.clearTimeout(handle);
    this.#wake = undefined;
  }

  #failed(reason: string): void {
    const repeated = reason === this.#status.lastError;
    this.#status.attempts++;
    this.#status.lastError = reason;
    this.#setState("disconnected");
    // The first failure, and every change of reason, is worth a line; repeats of the same are not.
    if (!repeated) this.#log.warn("SMDR push collector unreachable", { target: this.#status.target, reason });
  }

  #setState(state: PushConnectionState): void {
    if (this.#status.state !== state) {
      this.#status.state = state;
      this.#status.since = this.#isoNow();
    }
  }

  #isoNow(): string {
    return new Date(this.#options.clock.now()).toISOString();
  }
}

/** One open push connection: its writer, a reader that notices the end, and the pending acknowledgements. */
class LiveConnection {
  readonly writer: QueuedWriter;
  broken = false;
  endReason?: string;
  sent = 0;
  replayed = 0;
  #pending: { position: number; at: number }[] = [];
  /** Bytes written on this connection, and each write's last position with the offset it ends at. */
  #offset = 0;
  #unread: { position: number; end: number }[] = [];
  #lastWritten?: number;
  #timer?: TimerHandle;
  #settled?: PromiseWithResolvers<void>;

  constructor(
    private readonly conn: Deno.Conn,
    private readonly o: {
      clock: Clock;
      settleMs: number;
      replayBytes: number;
      queueBytes: number;
      drainTimeoutMs: number;
    },
    private readonly source: PushSource,
    private readonly onBroken: () => void,
  ) {
    this.writer = new QueuedWriter(conn, {
      maxQueuedBytes: o.queueBytes,
      drainTimeoutMs: o.drainTimeoutMs,
      clock: o.clock,
      onFailure: (failure) => this.#break(describeWriterFailure(failure)),
    });
    void this.#read();
  }

  /**
   * Records through `position` (`bytes` of them) were written; they count as delivered after the settle
   * time, and as read once `replayBytes` more bytes were written after them.
   */
  written(position: number, count: number, bytes: number, replayed: boolean): void {
    this.sent += count;
    if (replayed) this.replayed += count;
    this.#pending.push({ position, at: this.o.clock.now() });
    this.#schedule();
    this.#offset += bytes;
    this.#lastWritten = position;
    this.#unread.push({ position, end: this.#offset });
    let read: number | undefined;
    while (this.#unread.length > 0 && this.#unread[0].end + this.o.replayBytes <= this.#offset) {
      read = this.#unread.shift()!.position;
    }
    if (read !== undefined) this.source.markRead(read);
  }

  /** Resolves when every written record is acknowledged, or the connection broke. */
  settleAll(): Promise<void> {
    if (this.#pending.length === 0 || this.broken) return Promise.resolve();
    this.#settled ??= Promise.withResolvers<void>();
    return this.#settled.promise;
  }

  close(): void {
    this.broken = true;
    this.#pending = [];
    if (this.#timer !== undefined) this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.writer.close();
    closeQuietly(this.conn);
    this.#settled?.resolve();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#pending.length === 0) return;
    const due = this.#pending[0].at + this.o.settleMs - this.o.clock.now();
    this.#timer = this.o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#acknowledgeSettled();
    }, Math.max(0, due));
  }

  #acknowledgeSettled(): void {
    if (this.broken) return;
    const now = this.o.clock.now();
    let through: number | undefined;
    while (this.#pending.length > 0 && this.#pending[0].at + this.o.settleMs <= now) {
      through = this.#pending.shift()!.position;
    }
    if (through !== undefined) this.source.acknowledge(through);
    if (this.#pending.length === 0) {
      this.#settled?.resolve();
      this.#settled = undefined;
    }
    this.#schedule();
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(1024);
    try {
      while ((await this.conn.read(buffer)) !== null) {
        // A collector has nothing to say; reading notices the end of the connection at once.
      }
      this.#readAllBeforeClose();
      this.#break("closed by the collector");
    } catch (error) {
      this.#break(`connection lost: ${errorText(error)}`);
    }
  }

  /**
   * The collector closed the connection cleanly (FIN). Its kernel resets a connection closed with unread
   * bytes instead, so a FIN says it read all that had reached it; when the peer has acknowledged every
   * byte written (tx_queue 0), that is everything, and nothing needs to be sent again. (A collector that
   * only shuts down its sending side would be taken at its word: such a collector is cut off at once.)
   */
  #readAllBeforeClose(): void {
    if (this.#lastWritten === undefined || this.broken || this.writer.queuedBytes > 0) return;
    const unacknowledged = unacknowledgedBytes(this.conn.localAddr, this.conn.remoteAddr);
    if (unacknowledged === 0) this.source.markRead(this.#lastWritten);
  }

  #break(reason: string): void {
    if (this.broken) return;
    this.endReason = reason;
    this.broken = true;
    // Written but not settled: not acknowledged, so the next connection sends them again.
    this.#pending = [];
    if (this.#timer !== undefined) this.o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#settled?.resolve();
    this.onBroken();
  }
}

function formatTarget(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
