// A TLS listener whose certificate can be replaced while it runs: new connections get the new
// certificate, established ones carry on untouched. Built on node:tls `setSecureContext()`, which swaps
// atomically on the same listening socket (no moment without a listener, no port to re-acquire).
// Deno.listenTls cannot do this: its SNI callback caches per host name, and a re-listen leaves a gap.

import { createServer, type Server, type TLSSocket } from "node:tls";
import { ListenError, toListenError } from "../net/listen_error.ts";
import { NodeTlsConn } from "./node_tls_conn.ts";
import { errorText } from "../log/error_text.ts";

export interface HotSwapTlsListenerOptions {
  /** Address to listen on; all IPv4 interfaces by default. */
  hostname?: string;
  port: number;
  /** Server certificate followed by its chain (PEM). */
  certPem: string;
  /** Unencrypted private key (PEM). */
  keyPem: string;
  /** How long a client may take to finish the TLS handshake, in ms (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Connections waiting for `accept()`; beyond this new ones are closed (default 128). */
  maxPendingAccepts?: number;
  /** ALPN protocols offered, if any. */
  alpnProtocols?: string[];
  /**
   * Told about each failed handshake (wrong protocol, client refused the certificate, timeout), and
   * about errors of the listening socket itself after it opened (then `remote` has an empty hostname).
   */
  onHandshakeError?: (error: Error, remote: { hostname: string; port: number }) => void;
}

/**
 * Yields `Deno.TlsConn`s (see `NodeTlsConn`) whose handshake has completed. `close()` stops accepting
 * and leaves accepted connections open, like `Deno.Listener`.
 */
export class HotSwapTlsListener implements AsyncIterable<Deno.TlsConn> {
  readonly addr: Deno.NetAddr;
  #server: Server;
  #options: HotSwapTlsListenerOptions;
  #queue: NodeTlsConn[] = [];
  #waiting: { resolve: (conn: Deno.TlsConn) => void; reject: (error: Error) => void }[] = [];
  #closed = false;
  #swaps = 0;

  private constructor(server: Server, addr: Deno.NetAddr, options: HotSwapTlsListenerOptions) {
    this.#server = server;
    this.addr = addr;
    this.#options = options;
    server.on("secureConnection", (socket: TLSSocket) => this.#accepted(socket));
    server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
      this.#options.onHandshakeError?.(error, {
        hostname: socket.remoteAddress ?? "",
        port: socket.remotePort ?? 0,
      });
      socket.destroy();
    });
    // After listening, server errors (e.g. EMFILE on accept) must not end the process.
    server.on("error", (error: Error) => {
      this.#options.onHandshakeError?.(error, { hostname: "", port: 0 });
    });
  }

  /** Opens the port; throws `ListenError` (port in use, no permission, unknown address). */
  static listen(options: HotSwapTlsListenerOptions): Promise<HotSwapTlsListener> {
    const hostname = options.hostname ?? "0.0.0.0";
    let server: Server;
    try {
      server = createServer({
        cert: options.certPem,
        key: options.keyPem,
        handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
        ALPNProtocols: options.alpnProtocols,
      });
    } catch (error) {
      return Promise.reject(new ListenError("other", hostname, options.port, errorText(error)));
    }
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(toListenError(error, hostname, options.port));
      server.once("error", onError);
      server.listen(options.port, hostname, () => {
        server.off("error", onError);
        const address = server.address();
        const port = typeof address === "object" && address ? address.port : options.port;
        resolve(
          new HotSwapTlsListener(server, { transport: "tcp", hostname, port }, { ...options, hostname }),
        );
      });
    });
  }

  /** New connections from now on are served with this pair; established ones keep theirs. */
  setCertificate(pair: { certPem: string; keyPem: string }): void {
    this.#server.setSecureContext({ cert: pair.certPem, key: pair.keyPem });
    this.#swaps++;
  }

  /** How many times the certificate was replaced (for status). */
  get swaps(): number {
    return this.#swaps;
  }

  accept(): Promise<Deno.TlsConn> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #accepted(socket: TLSSocket): void {
    const conn = new NodeTlsConn(socket);
    if (this.#closed) return conn.close();
    const waiter = this.#waiting.shift();
    if (waiter) return waiter.resolve(conn);
    if (this.#queue.length >= (this.#options.maxPendingAccepts ?? 128)) return conn.close();
    this.#queue.push(conn);
  }

  /** Stops listening; connections already accepted stay open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const conn of this.#queue.splice(0)) conn.close();
    for (const waiter of this.#waiting.splice(0)) {
      waiter.reject(new Deno.errors.BadResource("listener closed"));
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Deno.TlsConn> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource && this.#closed) return;
        throw error;
      }
    }
  }
}
