// Local mode: collectors connect to cstabox. Each one first gets the replay history, then every new
// record, through its own bounded writer; one that stops reading is cut off and counted, never waited for.

import { type Clock, systemClock } from "../clock.ts";
import type { Logger } from "../log/logger.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import { listenTcp } from "../net/listen_error.ts";
import type { ListenerInfo } from "../service.ts";
import type { AllowList } from "../net/allow_list.ts";
import { errorText } from "../log/error_text.ts";

export interface LocalServerOptions {
  bind: string;
  port: number;
  allowList: AllowList;
  maxCollectors: number;
  /** Bytes that may wait for one collector (history included) before it counts as not reading. */
  queueBytes: number;
  /** How long one write to a collector may stall before it counts as not reading. */
  drainTimeoutMs: number;
  /** The replay history as wire bytes, read when a collector is admitted. */
  history: () => Uint8Array;
  /** Bytes per record, to report records sent from bytes written. */
  recordBytes: number;
  log: Logger;
  clock?: Clock;
}

/** A connected collector as status shows it. */
export interface CollectorInfo {
  address: string;
  port: number;
  /** ISO time it connected. */
  since: string;
  /** Records written to it so far (history included). */
  sent: number;
  /** Bytes waiting for it. */
  queuedBytes: number;
}

/** Why a connection was turned away at accept. */
export type RefusalReason = "notAllowed" | "tooMany";

export interface LocalServerStatus {
  listening: ListenerInfo | null;
  collectors: CollectorInfo[];
  refused: Record<RefusalReason, number>;
  /** Collectors disconnected because they stopped reading. */
  slowDisconnects: number;
}

interface Collector {
  conn: Deno.TcpConn;
  address: string;
  port: number;
  since: string;
  writer: QueuedWriter;
}

export class LocalServer {
  #options: LocalServerOptions;
  #clock: Clock;
  #listener?: Deno.TcpListener;
  #info: ListenerInfo | null = null;
  #collectors = new Set<Collector>();
  #refused: Record<RefusalReason, number> = { notAllowed: 0, tooMany: 0 };
  #slowDisconnects = 0;
  #closing = false;
  #acceptLoop?: Promise<void>;

  constructor(options: LocalServerOptions) {
    this.#options = { ...options };
    this.#clock = options.clock ?? systemClock;
  }

  /** Opens the listening socket; throws (e.g. address in use) without leaving anything open. */
  start(): ListenerInfo {
    const listener = listenTcp(this.#options.bind, this.#options.port);
    this.#listener = listener;
    this.#closing = false;
    const addr = listener.addr as Deno.NetAddr;
    this.#info = { name: "smdr", hostname: addr.hostname, port: addr.port };
    this.#acceptLoop = this.#accept(listener);
    return this.#info;
  }

  /** Queues one record's bytes for every collector; a collector whose queue is full is cut off. */
  broadcast(bytes: Uint8Array): void {
    for (const collector of this.#collectors) collector.writer.enqueue(bytes);
  }

  get collectorCount(): number {
    return this.#collectors.size;
  }

  /**
   * Applies a new allow-list and limit to connections from now on, and disconnects collectors the new
   * allow-list no longer admits. Collectors above a lowered limit stay until they leave.
   */
  setPolicy(allowList: AllowList, maxCollectors: number): void {
    this.#options.allowList = allowList;
    this.#options.maxCollectors = maxCollectors;
    for (const collector of this.#collectors) {
      if (!allowList.allows(collector.address)) {
        this.#drop(collector, "no longer in smdr.allowedSources", "policy");
      }
    }
  }

  /** Closes the listener and every collector connection. */
  async stop(): Promise<void> {
    this.#closing = true;
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    for (const collector of [...this.#collectors]) this.#drop(collector, "cstabox stopped SMDR", "policy");
    await this.#acceptLoop;
    this.#listener = undefined;
    this.#info = null;
  }

  status(): LocalServerStatus {
    return {
      listening: this.#info,
      collectors: [...this.#collectors].map((c) => ({
        address: c.address,
        port: c.port,
        since: c.since,
        sent: Math.floor(c.writer.bytesWritten / this.#options.recordBytes),
        queuedBytes: c.writer.queuedBytes,
      })),
      refused: { ...this.#refused },
      slowDisconnects: this.#slowDisconnects,
    };
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closing || error instanceof Deno.errors.BadResource) return;
        // E.g. out of file descriptors: say so, pause briefly instead of spinning, keep serving.
        this.#options.log.error("SMDR listener could not accept a connection", { error });
        await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, 100));
        continue;
      }
      this.#admit(conn);
    }
  }

  #admit(conn: Deno.TcpConn): void {
    sendAtOnce(conn);
    const remote = conn.remoteAddr as Deno.NetAddr;
    const { allowList, maxCollectors } = this.#options;
    if (!allowList.allows(remote.hostname)) {
      return this.#refuse(conn, remote, "notAllowed", "source address not in smdr.allowedSources");
    }
    if (this.#collectors.size >= maxCollectors) {
      return this.#refuse(
        conn,
        remote,
        "tooMany",
        `already ${maxCollectors} collectors (smdr.maxCollectors)`,
      );
    }
    const collector: Collector = {
      conn,
      address: remote.hostname,
      port: remote.port,
      since: new Date(this.#clock.now()).toISOString(),
      writer: new QueuedWriter(conn, {
        maxQueuedBytes: this.#options.queueBytes,
        drainTimeoutMs: this.#options.drainTimeoutMs,
        clock: this.#clock,
        onFailure: (failure) => this.#drop(collector, describeWriterFailure(failure), "slow"),
      }),
    };
    this.#collectors.add(collector);
    const history = this.#options.history();
    this.#options.log.info("SMDR collector connected", {
      address: collector.address,
      port: collector.port,
      history: Math.floor(history.length / this.#options.recordBytes),
      collectors: this.#collectors.size,
    });
    if (history.length > 0) collector.writer.enqueue(history);
    void this.#watch(collector);
  }

  #refuse(conn: Deno.TcpConn, remote: Deno.NetAddr, reason: RefusalReason, words: string): void {
    this.#refused[reason]++;
    this.#options.log.warn("SMDR collector refused", {
      address: remote.hostname,
      port: remote.port,
      reason: words,
    });
    try {
      conn.close();
    } catch {
      // the peer is gone already
    }
  }

  /** Reads (and discards) what the collector sends, to notice when it goes away. */
  async #watch(collector: Collector): Promise<void> {
    const buffer = new Uint8Array(1024);
    let reason = "closed by the collector";
    try {
      while ((await collector.conn.read(buffer)) !== null) {
        // Collectors have nothing to say; reading keeps the receive buffer from filling.
      }
    } catch (error) {
      reason = `connection lost: ${errorText(error)}`;
    }
    this.#drop(collector, reason, "gone");
  }

  #drop(collector: Collector, reason: string, kind: "slow" | "gone" | "policy"): void {
    if (!this.#collectors.delete(collector)) return;
    collector.writer.close();
    try {
      collector.conn.close();
    } catch {
      // closed already
    }
    const fields = {
      address: collector.address,
      port: collector.port,
      reason,
      sent: Math.floor(collector.writer.bytesWritten / this.#options.recordBytes),
    };
    if (kind === "slow") {
      this.#slowDisconnects++;
      this.#options.log.warn("SMDR collector disconnected: it stopped reading", fields);
    } else {
      this.#options.log.info("SMDR collector disconnected", fields);
    }
  }
}
