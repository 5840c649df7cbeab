// The simulated PBX's TCP side: one listening socket, one association at a time (§13: "one server PC per
// PBX"), 2-byte length framing (§1), a bounded writer per client, and what a second client meets.

import { encodeAareRejected } from "../csta/acse.ts";
import { encodeFrame, FrameReassembler } from "../csta/framing.ts";
import type { Logger } from "../log/logger.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import { Association, type AssociationOptions } from "./association.ts";
import { errorText } from "../log/error_text.ts";
import { closeQuietly, writeAll } from "../net/conn_io.ts";

/** What a second client gets while an association is up (§13, §16.4: unknown on Panasonic [?]). */
export type SecondClientPolicy =
  /** The TCP connection is accepted and closed at once (default: the least a client can rely on). */
  | "close"
  /** Its AARQ is answered with an AARE rejected-permanent (no-reason-given), then it is closed. */
  | "reject"
  /** The first client is dropped and the new one served. */
  | "dropFirst";

/** Options of a {@link SimServer}. */
export interface SimServerOptions extends AssociationOptions {
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default 0 (any free port). */
  port?: number;
  secondClient?: SecondClientPolicy;
  /** Bytes that may wait for a slow client before it is cut off. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** How long one write may stall. Default 30 s. */
  drainTimeoutMs?: number;
  logger?: Logger;
}

/** A client connection and its association. */
interface Client {
  readonly conn: Deno.TcpConn;
  readonly association: Association;
  readonly writer: QueuedWriter;
  readonly remote: string;
}

const READ_BUFFER = 64 * 1024;
const REJECT_READ_TIMEOUT_MS = 5000;

/** Listens for CSTA clients and serves one association at a time. */
export class SimServer {
  readonly #options: SimServerOptions;
  #listener?: Deno.TcpListener;
  #client?: Client;
  #connections = new Set<Deno.TcpConn>();
  #tasks = new Set<Promise<void>>();
  #associationsServed = 0;
  #refused = 0;

  constructor(options: SimServerOptions) {
    this.#options = options;
  }

  /** The bound port (after start). */
  get port(): number {
    const addr = this.#listener?.addr;
    if (!addr) throw new Error("simulator server is not listening");
    return addr.port;
  }

  get hostname(): string {
    return this.#options.hostname ?? "127.0.0.1";
  }

  /** The current association, if a client is connected. */
  get association(): Association | undefined {
    return this.#client?.association;
  }

  get associationsServed(): number {
    return this.#associationsServed;
  }

  /** Second clients turned away so far. */
  get refused(): number {
    return this.#refused;
  }

  /** Binds and starts accepting; resolves once listening. */
  start(): Promise<void> {
    if (this.#listener) return Promise.resolve();
    this.#listener = Deno.listen({
      hostname: this.hostname,
      port: this.#options.port ?? 0,
      transport: "tcp",
    });
    this.#track(this.#acceptLoop(this.#listener));
    return Promise.resolve();
  }

  /** Stops listening and closes every connection. */
  async stop(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    try {
      listener?.close();
    } catch {
      // already closed
    }
    this.#client?.association.end("simulator stopping");
    for (const conn of this.#connections) closeQuietly(conn);
    await Promise.allSettled([...this.#tasks]);
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      sendAtOnce(conn);
      this.#connections.add(conn);
      this.#track(this.#onConnection(conn));
    }
  }

  async #onConnection(conn: Deno.TcpConn): Promise<void> {
    const remote = `${conn.remoteAddr.hostname}:${conn.remoteAddr.port}`;
    try {
      if (this.#client) {
        const policy = this.#options.secondClient ?? "close";
        if (policy === "dropFirst") {
          this.#options.logger?.info("second client: dropping the first", {
            remote,
            first: this.#client.remote,
          });
          const first = this.#client;
          first.association.drop("replaced by a new client");
          await drainedOrTimeout(first.writer, 1000);
          closeQuietly(first.conn);
        } else {
          this.#refused++;
          this.#options.logger?.info("second client refused", { remote, policy });
          if (policy === "reject") await this.#rejectAssociation(conn);
          return;
        }
      }
      await this.#serve(conn, remote);
    } finally {
      this.#connections.delete(conn);
      closeQuietly(conn);
    }
  }

  /** Reads the second client's first frame and answers an AARQ with a rejecting AARE. */
  async #rejectAssociation(conn: Deno.TcpConn): Promise<void> {
    const reassembler = new FrameReassembler();
    const buffer = new Uint8Array(READ_BUFFER);
    let first: Uint8Array | undefined;
    const timeout = setTimeout(() => closeQuietly(conn), REJECT_READ_TIMEOUT_MS);
    try {
      while (!first) {
        const n = await conn.read(buffer);
        if (n === null) return;
        reassembler.push(buffer.subarray(0, n), (apdu) => first ??= apdu.slice());
      }
      if (first[0] === 0x60) {
        const frame = encodeFrame(encodeAareRejected({ kind: "acseServiceUser", value: "noReasonGiven" }));
        await writeAll(conn, frame);
      }
    } catch {
      // the client went away or sent garbage: it is refused either way
    } finally {
      clearTimeout(timeout);
    }
  }

  async #serve(conn: Deno.TcpConn, remote: string): Promise<void> {
    let closing = false;
    const writer = new QueuedWriter(conn, {
      maxQueuedBytes: this.#options.maxQueuedBytes ?? 4 * 1024 * 1024,
      drainTimeoutMs: this.#options.drainTimeoutMs ?? 30_000,
      onFailure: (failure) => {
        this.#options.logger?.warn("client cut off", { remote, reason: describeWriterFailure(failure) });
        association.end(describeWriterFailure(failure));
        closeQuietly(conn);
      },
    });
    const association: Association = new Association(this.#options, {
      send: (apdu) => void writer.enqueue(encodeFrame(apdu)),
      close: () => {
        if (closing) return;
        closing = true;
        // Let the last APDUs (RLRE, ABRT, AARE rejected) reach the client before the close.
        writer.drained().then(() => closeQuietly(conn));
      },
    });
    const client: Client = { conn, association, writer, remote };
    this.#client = client;
    this.#associationsServed++;
    this.#options.logger?.info("client connected", { remote });
    const reassembler = new FrameReassembler();
    const buffer = new Uint8Array(READ_BUFFER);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        // Frames are views of `buffer`; the association finishes with each before the next read.
        reassembler.push(buffer.subarray(0, n), (apdu) => association.receive(apdu));
        if (association.state === "closed") break;
      }
    } catch (error) {
      if (!closing) this.#options.logger?.debug("client read ended", { remote, error: errorText(error) });
      // A broken length prefix is a framing violation: the PBX gives up on that client.
      if (!closing && association.state !== "closed") association.drop(`framing error: ${error}`);
    } finally {
      association.end("connection closed");
      if (this.#client === client) this.#client = undefined;
      await drainedOrTimeout(writer, 1000);
      writer.close();
      this.#options.logger?.info("client disconnected", { remote });
    }
  }

  #track(task: Promise<void>): void {
    const guarded = task.catch((error) =>
      this.#options.logger?.error("simulator connection task failed", { error })
    );
    this.#tasks.add(guarded);
    guarded.finally(() => this.#tasks.delete(guarded));
  }
}

/** Waits for the writer to empty, but not longer than `ms` (a peer that stopped reading). */
async function drainedOrTimeout(writer: QueuedWriter, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([writer.drained(), new Promise<void>((resolve) => timer = setTimeout(resolve, ms))]);
  } finally {
    clearTimeout(timer);
  }
}
