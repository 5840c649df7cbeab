// Serves the Hono app on the web UI's HTTP port with Deno.serve, reporting the real bound address.

import type { Hono } from "hono";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import type { ListenerInfo, Service, ServiceStatus } from "../service.ts";
import { toListenError } from "../net/listen_error.ts";
import type { HttpEnv, RequestEnv } from "./context.ts";

export interface HttpServiceOptions {
  /**
   * Built at each start, once the services it calls exist. `closing` is aborted when the service stops,
   * before the server shuts down, so long-lived answers (live feeds) end instead of holding it up.
   */
  app: (closing: AbortSignal) => Hono<HttpEnv>;
  log: Logger;
  /** Read at every start, so a restart after a settings change picks up the new address. */
  address: () => { hostname: string; port: number };
  /** Called once the listener is bound, with the real port when 0 was asked. */
  onListen?: (listener: ListenerInfo) => void;
}

/** What the web server reports in its status `details`. */
export interface HttpDetails {
  requests: number;
}

export class HttpService implements Service<HttpDetails> {
  readonly name = "http";
  #lifecycle = new Lifecycle();
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #listener?: ListenerInfo;
  #requests = 0;
  #closing?: AbortController;

  constructor(private readonly options: HttpServiceOptions) {}

  start(): Promise<void> {
    this.#lifecycle.set("starting");
    const { hostname, port } = this.options.address();
    this.#closing = new AbortController();
    const app = this.options.app(this.#closing.signal);
    // Deno.serve throws synchronously when the address is taken: the registry records that reason.
    try {
      this.#server = this.#serve(hostname, port, app);
    } catch (error) {
      throw toListenError(error, hostname, port);
    }
    const addr = this.#server.addr;
    this.#listener = { name: "http", hostname: addr.hostname, port: addr.port };
    this.#lifecycle.set("running");
    this.options.onListen?.(this.#listener);
    return Promise.resolve();
  }

  #serve(
    hostname: string,
    port: number,
    app: ReturnType<HttpServiceOptions["app"]>,
  ): Deno.HttpServer<Deno.NetAddr> {
    const { log } = this.options;
    return Deno.serve({
      hostname,
      port,
      onListen: () => {},
      onError: (error) => {
        log.error("unhandled HTTP error", { error });
        return new Response("internal error", { status: 500 });
      },
    }, (request, info) => {
      this.#requests++;
      const env: RequestEnv = { remoteAddress: info.remoteAddr.hostname, secure: false };
      return app.fetch(request, env);
    });
  }

  async stop(): Promise<void> {
    this.#closing?.abort();
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      this.#lifecycle.set("stopping");
      await server.shutdown();
    }
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus<HttpDetails> {
    return this.#lifecycle.snapshot<HttpDetails>({
      listeners: this.#listener && this.#server ? [this.#listener] : [],
      details: { requests: this.#requests },
    });
  }
}
