// HTTPS for the web UI with a replaceable certificate: `Deno.serve` cannot change its certificate, so a
// change starts a new server on the same port as soon as the old one has stopped listening. The old one
// finishes the requests it has (downloads, SSE streams) before it goes; only the moment between the two
// listeners (a few milliseconds) refuses new connections, and browsers retry those.

import { type ListenError, toListenError } from "../net/listen_error.ts";

export interface HotSwapHttpsOptions {
  hostname?: string;
  port: number;
  certPem: string;
  keyPem: string;
  handler: Deno.ServeHandler<Deno.NetAddr>;
  onError?: (error: unknown) => Response | Promise<Response>;
  /** How long to keep trying to re-open the port after a change, in ms (default 2 s). */
  rebindTimeoutMs?: number;
}

/** `Deno.serve` over TLS whose certificate can be replaced with `setCertificate`. */
export class HotSwapHttpsServer {
  #options: HotSwapHttpsOptions & { hostname: string };
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #draining = new Set<Promise<void>>();
  #port: number;
  #changes: Promise<unknown> = Promise.resolve();
  #failure: ListenError | undefined;

  private constructor(options: HotSwapHttpsOptions & { hostname: string }) {
    this.#options = options;
    this.#port = options.port;
  }

  /** Starts listening; throws `ListenError` when the port cannot be opened. */
  static start(options: HotSwapHttpsOptions): HotSwapHttpsServer {
    const server = new HotSwapHttpsServer({ ...options, hostname: options.hostname ?? "0.0.0.0" });
    server.#server = server.#serve(options.certPem, options.keyPem);
    server.#port = server.#server.addr.port;
    return server;
  }

  get addr(): Deno.NetAddr {
    return { transport: "tcp", hostname: this.#options.hostname, port: this.#port };
  }

  /** Why the server is not listening after a failed change, if it is not. */
  get failure(): ListenError | undefined {
    return this.#failure;
  }

  /**
   * Serves new connections with this pair. Requests in progress on the old server complete; its
   * WebSockets are closed by Deno's shutdown (clients reconnect). Rejects with `ListenError` if the port
   * could not be re-opened in time (another program took it).
   */
  setCertificate(pair: { certPem: string; keyPem: string }): Promise<void> {
    const change = this.#changes.then(() => this.#swap(pair));
    this.#changes = change.catch(() => {});
    return change;
  }

  async #swap(pair: { certPem: string; keyPem: string }): Promise<void> {
    const old = this.#server;
    if (old) this.#track(old.shutdown());
    this.#server = undefined;
    const deadline = Date.now() + (this.#options.rebindTimeoutMs ?? 2_000);
    for (let attempt = 0;; attempt++) {
      try {
        this.#server = this.#serve(pair.certPem, pair.keyPem);
        this.#failure = undefined;
        return;
      } catch (error) {
        const listenError = toListenError(error, this.#options.hostname, this.#port);
        // The old listener releases the port once its pending accept is cancelled: a few ms.
        if (listenError.problem !== "address_in_use" || Date.now() > deadline) {
          this.#failure = listenError;
          throw listenError;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50)));
      }
    }
  }

  #serve(certPem: string, keyPem: string): Deno.HttpServer<Deno.NetAddr> {
    try {
      return Deno.serve({
        hostname: this.#options.hostname,
        port: this.#port,
        cert: certPem,
        key: keyPem,
        onListen: () => {},
        onError: this.#options.onError,
      }, this.#options.handler);
    } catch (error) {
      throw toListenError(error, this.#options.hostname, this.#port);
    }
  }

  #track(draining: Promise<void>): void {
    const tracked = draining.catch(() => {}).finally(() => this.#draining.delete(tracked));
    this.#draining.add(tracked);
  }

  /** Stops the current server and waits for every server (old ones too) to finish its requests. */
  async shutdown(): Promise<void> {
    await this.#changes;
    if (this.#server) this.#track(this.#server.shutdown());
    this.#server = undefined;
    await Promise.all([...this.#draining]);
  }
}
