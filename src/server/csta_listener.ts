// A CSTA listener (plain TCP or TLS) as a service: accepts applications and serves each connection on
// its own, so a failure to bind is reported for this listener alone.

import type { FrameTrace } from "../trace/frame_trace.ts";
import type { CstaUsers } from "../accounts/csta_users.ts";
import type { LoginThrottle } from "../accounts/login_throttle.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { AllowList } from "../net/allow_list.ts";
import { sendAtOnce } from "../net/no_delay.ts";
import { WriteWindow } from "../net/write_window.ts";
import type { Logger } from "../log/logger.ts";
import { SummarisedWarning } from "../log/summarised_log.ts";
import type { ListenerInfo, Service, ServiceStatus } from "../service.ts";
import type { Switchboard } from "../switchboard/switchboard.ts";
import { type ConnectionContext, serveApplication } from "./application_connection.ts";

export interface CstaListenerLimits {
  maxFrameBytes: number;
  outboundQueueBytes: number;
  drainTimeoutSeconds: number;
  writeCoalesceMs: number;
  frameCompletionSeconds: number;
}

/** What the listener needs of a socket listener: `Deno.Listener`, `Deno.TlsListener` or the hot-swap one. */
export interface AcceptingListener {
  readonly addr: Deno.Addr;
  accept(): Promise<Deno.Conn>;
  close(): void;
}

export interface CstaListenerOptions {
  name: string;
  transport: "tcp" | "tls";
  /** Opens the listening socket with the current settings (TLS: with the current certificate). */
  listen: () => AcceptingListener | Promise<AcceptingListener>;
  switchboard: Switchboard;
  users: CstaUsers;
  throttle: LoginThrottle;
  loginRequired: () => boolean;
  /** Source addresses that may connect, read at each accept; none = anyone (TLS: its login decides). */
  allowedSources?: () => AllowList;
  limits: () => CstaListenerLimits;
  log: Logger;
  onListen?: (listener: ListenerInfo) => void;
  handshakeTimeoutMs?: number;
  /** The CSTA trace handed to every connection. */
  trace?: FrameTrace;
}

/** What a CSTA listener reports in its status `details`; the pages import this type. */
export interface CstaListenerDetails {
  transport: "tcp" | "tls";
  connections: number;
  accepted: number;
  loginFailed: number;
  refused: number;
  droppedSlow: number;
  closedMalformed: number;
  /** Connections closed because a frame was not completed within limits.frameCompletionSeconds. */
  closedIncompleteFrame: number;
  /** Connections closed unanswered: their source address is not in the allow-list. */
  refusedSource: number;
  /** Whether an application must log in here, and who may connect (empty = any address). */
  loginRequired: boolean;
  allowedSources: string[];
}

export class CstaListener implements Service<CstaListenerDetails> {
  readonly name: string;
  #options: CstaListenerOptions;
  #lifecycle = new Lifecycle();
  #listener?: AcceptingListener;
  #info?: ListenerInfo;
  #window?: WriteWindow;
  #connections = new Set<Deno.Conn>();
  #served = new Set<Promise<void>>();
  #acceptLoop?: Promise<void>;
  #counters = {
    accepted: 0,
    loginFailed: 0,
    refused: 0,
    droppedSlow: 0,
    closedMalformed: 0,
    closedIncompleteFrame: 0,
    refusedSource: 0,
  };
  /** Addresses whose refusal was logged, so a connection flood from one does not flood the log. */
  #refusalsLogged = new Set<string>();

  #refusedLogins: SummarisedWarning;

  constructor(options: CstaListenerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#refusedLogins = new SummarisedWarning(
      options.log,
      "CSTA login refused: too many failed attempts",
      "address",
    );
  }

  async start(): Promise<void> {
    this.#lifecycle.set("starting");
    const listener = await this.#options.listen();
    this.#listener = listener;
    const addr = listener.addr as Deno.NetAddr;
    this.#info = { name: this.name, hostname: addr.hostname, port: addr.port };
    this.#lifecycle.set("running");
    this.#options.onListen?.(this.#info);
    this.#acceptLoop = this.#accept(listener);
  }

  async stop(): Promise<void> {
    this.#lifecycle.set("stopping");
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    this.#listener = undefined;
    for (const conn of this.#connections) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
    await this.#acceptLoop;
    await Promise.all(this.#served);
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus<CstaListenerDetails> {
    return this.#lifecycle.snapshot<CstaListenerDetails>({
      listeners: this.#info && this.#listener ? [this.#info] : [],
      details: {
        transport: this.#options.transport,
        connections: this.#connections.size,
        ...this.#counters,
        loginRequired: this.#options.loginRequired(),
        allowedSources: [...(this.#options.allowedSources?.().entries ?? [])],
      },
    });
  }

  async #accept(listener: AcceptingListener): Promise<void> {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#listener !== listener) return; // closed by stop()
        if (error instanceof Deno.errors.BadResource) return;
        // A failed TLS handshake or a reset during accept concerns that peer only.
        this.#options.log.debug("accept failed", { error });
        continue;
      }
      if (!this.#admits(conn)) continue;
      this.#counters.accepted++;
      sendAtOnce(conn);
      this.#connections.add(conn);
      const served = serveApplication(conn, this.#context()).finally(() => {
        this.#connections.delete(conn);
        this.#served.delete(served);
      });
      this.#served.add(served);
    }
  }

  /** Closes a connection from an address the allow-list does not name, before a byte is read. */
  #admits(conn: Deno.Conn): boolean {
    const allowed = this.#options.allowedSources?.();
    const address = (conn.remoteAddr as Deno.NetAddr).hostname;
    if (!allowed || allowed.allows(address)) return true;
    this.#counters.refusedSource++;
    if (!this.#refusalsLogged.has(address)) {
      if (this.#refusalsLogged.size >= 1000) this.#refusalsLogged.clear();
      this.#refusalsLogged.add(address);
      this.#options.log.warn("application refused: source address not in cstaServer.tcpAllowedSources", {
        remote: address,
        note: "further refusals of this address are counted, not logged",
      });
    }
    try {
      conn.close();
    } catch {
      // already closed by the peer
    }
    return false;
  }

  /** One window for all of this listener's connections, so they flush together; none at 0 ms. */
  #writeWindow(ms: number): WriteWindow | undefined {
    if (ms <= 0) return undefined;
    if (this.#window?.ms !== ms) this.#window = new WriteWindow(ms);
    return this.#window;
  }

  #context(): ConnectionContext {
    const limits = this.#options.limits();
    return {
      transport: this.#options.transport,
      switchboard: this.#options.switchboard,
      users: this.#options.users,
      throttle: this.#options.throttle,
      log: this.#options.log,
      refusedLogins: this.#refusedLogins,
      loginRequired: this.#options.loginRequired(),
      maxFrameBytes: limits.maxFrameBytes,
      outboundQueueBytes: limits.outboundQueueBytes,
      drainTimeoutMs: limits.drainTimeoutSeconds * 1000,
      writeWindow: this.#writeWindow(limits.writeCoalesceMs),
      handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? 10_000,
      frameCompletionMs: limits.frameCompletionSeconds * 1000,
      count: (what) => this.#counters[what]++,
      trace: this.#options.trace,
    };
  }
}
