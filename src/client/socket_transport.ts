// APDUs over a TCP or TLS socket: the 2-byte length framing of §1 on both directions, reads reassembled
// whatever TCP does to them, writes through a bounded queue that never lets a failed write escape.

import { type Clock, systemClock } from "../clock.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import { encodeFrame, FrameReassembler, MAX_FRAME_SIZE } from "../csta/framing.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import { CstaConnectError, CstaTimeoutError } from "./client_errors.ts";
import type { ClientTransport, TransportReceiver } from "./client_transport.ts";
import { errorText } from "../log/error_text.ts";

/** Where and how to connect. */
export interface SocketTransportOptions {
  hostname: string;
  port: number;
  /** Use TLS; `caCerts` (PEM) are trusted in addition to the system roots (self-signed cstabox). */
  tls?: { caCerts?: string[] };
  /** Bound on TCP connect plus TLS handshake. */
  connectTimeoutMs: number;
  /** Largest APDU accepted and sent, 1..65535 (default 65535, §1). */
  maxFrameBytes?: number;
  /** Bytes that may wait for the peer before the connection counts as stuck (default 1 MiB). */
  maxQueuedBytes?: number;
  /** How long one write may stall before the connection counts as stuck (default 10 s). */
  drainTimeoutMs?: number;
  clock?: Clock;
}

/** Bytes one read takes; a frame larger than this is assembled from several reads by the reassembler. */
const READ_BUFFER_BYTES = 64 * 1024;

/** A connected CSTA socket; create with {@link SocketTransport.connect}. */
export class SocketTransport implements ClientTransport {
  readonly kind: "tcp" | "tls";
  readonly peer: string;
  readonly finished: Promise<void>;
  #conn: Deno.Conn;
  #writer: QueuedWriter;
  #maxFrameBytes: number;
  #receiver?: TransportReceiver;
  #closed = false;
  #finish: () => void;

  private constructor(conn: Deno.Conn, options: SocketTransportOptions) {
    this.kind = options.tls ? "tls" : "tcp";
    this.peer = `${options.hostname}:${options.port}`;
    this.#conn = conn;
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_SIZE;
    this.#writer = new QueuedWriter(conn, {
      maxQueuedBytes: options.maxQueuedBytes ?? 1 << 20,
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      clock: options.clock,
      onFailure: (failure) => this.close(describeWriterFailure(failure)),
    });
    const { promise, resolve } = Promise.withResolvers<void>();
    this.finished = promise;
    this.#finish = resolve;
  }

  /**
   * Opens the connection (and completes the TLS handshake, so a certificate problem shows here).
   * @throws CstaConnectError when it cannot be opened; CstaTimeoutError past `connectTimeoutMs`.
   */
  static async connect(options: SocketTransportOptions): Promise<SocketTransport> {
    const conn = await openConnection(options);
    sendAtOnce(conn);
    return new SocketTransport(conn, options);
  }

  start(receiver: TransportReceiver): void {
    if (this.#receiver) throw new Error("the transport is already started");
    this.#receiver = receiver;
    void this.#readLoop(receiver);
  }

  send(apdu: Uint8Array): { ok: true } | { ok: false; error: Error } {
    if (this.#closed) return { ok: false, error: new Error("the connection is closed") };
    let frame: Uint8Array;
    try {
      frame = encodeFrame(apdu, this.#maxFrameBytes);
    } catch (error) {
      return { ok: false, error: error as Error };
    }
    if (!this.#writer.enqueue(frame)) return { ok: false, error: new Error("the connection is closed") };
    return { ok: true };
  }

  flush(): Promise<void> {
    return this.#writer.drained();
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
    if (!this.#receiver) this.#finish();
    this.#receiver?.onClosed(reason);
  }

  async #readLoop(receiver: TransportReceiver): Promise<void> {
    const reassembler = new FrameReassembler({ maxFrameSize: this.#maxFrameBytes });
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    // The buffer is reused on the next read, so every APDU handed on is a copy.
    const deliver = (apdu: Uint8Array) => receiver.onApdu(apdu.slice());
    let reason = "the peer closed the connection";
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(buffer);
        if (n === null) {
          const cut = reassembler.checkEnd();
          if (cut) reason = `the peer closed the connection inside a frame (${cut.message})`;
          break;
        }
        reassembler.push(buffer.subarray(0, n), deliver);
      }
    } catch (error) {
      if (error instanceof CstaDecodeError) reason = `broken framing: ${error.message}`;
      else reason = `connection error: ${errorText(error)}`;
    }
    this.close(reason);
    this.#finish();
  }
}

async function openConnection(options: SocketTransportOptions): Promise<Deno.Conn> {
  const { hostname, port } = options;
  const clock = options.clock ?? systemClock;
  let timedOut = false;
  const opening = (async () => {
    try {
      if (!options.tls) return await Deno.connect({ hostname, port });
      const conn = await Deno.connectTls({ hostname, port, caCerts: options.tls.caCerts });
      try {
        await conn.handshake();
      } catch (error) {
        conn.close();
        throw error;
      }
      return conn;
    } catch (error) {
      throw new CstaConnectError(hostname, port, errorText(error), {
        cause: error,
      });
    }
  })();
  let timer: unknown;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      timedOut = true;
      reject(new CstaTimeoutError(`connect to ${hostname}:${port}`, options.connectTimeoutMs));
    }, options.connectTimeoutMs);
  });
  // A connection that completes after the deadline is closed at once, never leaked.
  opening.then((conn) => timedOut && conn.close(), () => {});
  try {
    return await Promise.race([opening, timeout]);
  } finally {
    clock.clearTimeout(timer);
  }
}
