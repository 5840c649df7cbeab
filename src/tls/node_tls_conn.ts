// A node:tls server socket presented as a `Deno.TlsConn`, so the CSTA server handles TLS connections from
// the hot-swap listener exactly like the `Deno.Conn`s of its plain TCP listener.

import type { TLSSocket } from "node:tls";

/** Received bytes held before the socket is paused (back-pressure to the peer). */
const pauseAboveBytes = 256 * 1024;

/**
 * `Deno.TlsConn` over a node:tls socket whose handshake is already complete.
 *
 * Differences from Deno's own connections, all on closing: `close()` may be called twice; a `read()`
 * pending when `close()` is called resolves `null`; a later `read()` throws `BadResource`.
 */
export class NodeTlsConn implements Deno.TlsConn {
  readonly localAddr: Deno.NetAddr;
  readonly remoteAddr: Deno.NetAddr;
  #socket: TLSSocket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void)[] = [];
  #readable: ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
  #writable: WritableStream<Uint8Array<ArrayBufferLike>> | undefined;

  constructor(socket: TLSSocket) {
    this.#socket = socket;
    this.localAddr = { transport: "tcp", hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 };
    this.remoteAddr = {
      transport: "tcp",
      hostname: socket.remoteAddress ?? "",
      port: socket.remotePort ?? 0,
    };
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > pauseAboveBytes) socket.pause();
      this.#wakeReaders();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wakeReaders();
    });
    // Without an 'error' listener node would throw and end the process: every socket gets one here.
    socket.on("error", (error: Error) => {
      this.#error ??= error;
      this.#wakeReaders();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wakeReaders();
    });
  }

  #wakeReaders(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const wake of waiting) wake();
  }

  async read(p: Uint8Array): Promise<number | null> {
    for (;;) {
      if (this.#closed) throw new Deno.errors.BadResource("connection closed");
      if (this.#chunks.length > 0) return this.#take(p);
      if (this.#error) throw mapSocketError(this.#error);
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
      if (this.#closed) return null;
    }
  }

  #take(p: Uint8Array): number {
    let n = 0;
    while (n < p.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0];
      const count = Math.min(chunk.length, p.length - n);
      p.set(chunk.subarray(0, count), n);
      n += count;
      if (count === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(count);
    }
    this.#buffered -= n;
    if (this.#buffered <= pauseAboveBytes / 2 && this.#socket.isPaused()) this.#socket.resume();
    return n;
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#closed || this.#socket.destroyed) {
      return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
    }
    return new Promise((resolve, reject) => {
      this.#socket.write(p, (error?: Error | null) => {
        if (error) reject(mapSocketError(error));
        else resolve(p.length);
      });
    });
  }

  closeWrite(): Promise<void> {
    if (this.#closed || this.#socket.destroyed) {
      return Promise.reject(new Deno.errors.NotConnected("connection closed"));
    }
    return new Promise((resolve) => this.#socket.end(() => resolve()));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#wakeReaders();
  }

  ref(): void {
    this.#socket.ref();
  }

  unref(): void {
    this.#socket.unref();
  }

  /** The handshake finished before the listener handed this connection out. */
  handshake(): Promise<Deno.TlsHandshakeInfo> {
    const alpn = this.#socket.alpnProtocol;
    return Promise.resolve({ alpnProtocol: typeof alpn === "string" ? alpn : null });
  }

  get readable(): ReadableStream<Uint8Array<ArrayBuffer>> {
    this.#readable ??= new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        const buffer = new Uint8Array(16 * 1024);
        let n: number | null;
        try {
          n = await this.read(buffer);
        } catch (error) {
          controller.error(error);
          return;
        }
        if (n === null) controller.close();
        else controller.enqueue(buffer.subarray(0, n));
      },
      cancel: () => this.close(),
    });
    return this.#readable;
  }

  get writable(): WritableStream<Uint8Array<ArrayBufferLike>> {
    this.#writable ??= new WritableStream<Uint8Array<ArrayBufferLike>>({
      write: async (chunk) => {
        await this.write(chunk);
      },
      close: () => this.closeWrite(),
      abort: () => this.close(),
    });
    return this.#writable;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function mapSocketError(error: Error): Error {
  const code = (error as { code?: string }).code;
  if (code === "ECONNRESET") return new Deno.errors.ConnectionReset(error.message);
  if (code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END") {
    return new Deno.errors.BrokenPipe(error.message);
  }
  return error;
}
