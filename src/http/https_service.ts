// Serves the same Hono app on the web UI's HTTPS port with the appliance certificate; a new certificate
// is taken up without a restart (the HotSwapHttpsServer re-listens on the same port).

import type { Hono } from "hono";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import type { ListenerInfo, Service, ServiceStatus } from "../service.ts";
import type { TlsPair } from "../tls/cert_store.ts";
import { HotSwapHttpsServer } from "../tls/https_server.ts";
import type { HttpEnv, RequestEnv } from "./context.ts";
import { errorText } from "../log/error_text.ts";

export interface HttpsServiceOptions {
  /** As for HttpService: built at each start; `closing` is aborted first when the service stops. */
  app: (closing: AbortSignal) => Hono<HttpEnv>;
  log: Logger;
  address: () => { hostname: string; port: number };
  certificate: () => TlsPair;
  /** Subscribes to certificate changes; returns the unsubscribe function. */
  onCertificateChange: (listener: (pair: TlsPair) => void) => () => void;
  onListen?: (listener: ListenerInfo) => void;
}

/** What the web server reports in its status `details`. */
export interface HttpsDetails {
  requests: number;
  certificateSwaps: number;
}

export class HttpsService implements Service<HttpsDetails> {
  readonly name = "https";
  #lifecycle = new Lifecycle();
  #server?: HotSwapHttpsServer;
  #listener?: ListenerInfo;
  #unsubscribe?: () => void;
  #requests = 0;
  #closing?: AbortController;
  #swaps = 0;

  constructor(private readonly options: HttpsServiceOptions) {}

  start(): Promise<void> {
    this.#lifecycle.set("starting");
    const { hostname, port } = this.options.address();
    const pair = this.options.certificate();
    this.#closing = new AbortController();
    const app = this.options.app(this.#closing.signal);
    this.#server = HotSwapHttpsServer.start({
      hostname,
      port,
      certPem: pair.fullChainPem,
      keyPem: pair.keyPem,
      handler: (request, info) => {
        this.#requests++;
        const env: RequestEnv = { remoteAddress: info.remoteAddr.hostname, secure: true };
        return app.fetch(request, env);
      },
      onError: (error) => {
        this.options.log.error("unhandled HTTPS error", { error });
        return new Response("internal error", { status: 500 });
      },
    });
    this.#unsubscribe = this.options.onCertificateChange((next) => this.#swap(next));
    this.#listener = { name: "https", hostname: this.#server.addr.hostname, port: this.#server.addr.port };
    this.#lifecycle.set("running");
    this.options.onListen?.(this.#listener);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#closing?.abort();
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      this.#lifecycle.set("stopping");
      await server.shutdown();
    }
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus<HttpsDetails> {
    return this.#lifecycle.snapshot<HttpsDetails>({
      listeners: this.#listener && this.#server ? [this.#listener] : [],
      details: { requests: this.#requests, certificateSwaps: this.#swaps },
    });
  }

  #swap(pair: TlsPair): void {
    const server = this.#server;
    if (!server) return;
    // A rejected swap must be caught here: an unhandled rejection would end the process.
    server.setCertificate({ certPem: pair.fullChainPem, keyPem: pair.keyPem }).then(
      () => {
        this.#swaps++;
        this.#lifecycle.set("running");
        this.options.log.info("HTTPS now serves the new certificate");
      },
      (error) => {
        const reason = `could not re-open the HTTPS port with the new certificate: ${errorText(error)}`;
        this.#lifecycle.set("failed", reason);
        this.options.log.error("HTTPS certificate change failed", { reason });
      },
    );
  }
}
