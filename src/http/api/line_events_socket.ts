// GET /api/events: the line API's WebSocket. A client subscribes to lines (or all it may see), gets a
// snapshot of each line first, then every message of those lines, each with a per-connection `seq`. A
// client that does not read is cut off by the rules of a slow CSTA application; it never holds up others.

import { type Context, Hono } from "hono";
import { z } from "zod";
import type { LineApiService } from "../../line_api/line_api_service.ts";
import { LineApiError } from "../../line_api/line_errors.ts";
import type { LineMessage } from "../../line_api/line_messages.ts";
import type { Logger } from "../../log/logger.ts";
import type { HttpEnv } from "../context.ts";
import type { LineCaller } from "./line_api.ts";
import { lineError, lineParam } from "./line_api.ts";

export interface EventSocketLimits {
  /** Bytes queued for one client before it is cut off (`limits.outboundQueueBytes`). */
  maxQueuedBytes: number;
  /** A client whose queue does not drain this long is cut off (`limits.drainTimeoutSeconds`). */
  drainTimeoutMs: number;
  /** WebSockets open at once (`lineApi.eventSockets`). */
  maxSockets: number;
}

export interface EventSocketOptions {
  service: LineApiService;
  caller: (c: Context<HttpEnv>) => LineCaller;
  limits: () => EventSocketLimits;
  log: Logger;
}

/** What a client may send. */
export const eventSocketRequestSchema = z.union([
  z.strictObject({ subscribe: z.union([z.array(lineParam).max(10_000), z.literal("all")]) }),
  z.strictObject({ unsubscribe: z.union([z.array(lineParam).max(10_000), z.literal("all")]) }),
]);

interface Connection {
  socket: WebSocket;
  /** The server it came in on: aborted when that server stops. */
  closing?: AbortSignal;
  caller: LineCaller;
  lines: Set<string>;
  all: boolean;
  seq: number;
  /** Monotonic ms since when its queue has not been empty; undefined while it is empty. */
  backedUpSince?: number;
}

const CHECK_MS = 1_000;

/** The open event WebSockets, fed by the line API service. */
export class LineEventHub {
  readonly #options: EventSocketOptions;
  readonly #connections = new Set<Connection>();
  #timer?: ReturnType<typeof setInterval>;
  #counters = { opened: 0, cutOff: 0, messages: 0 };

  constructor(options: EventSocketOptions) {
    this.#options = options;
    options.service.onMessage((message) => this.#publish(message));
    options.service.attachSockets((clientId, line) => this.#holding(clientId, line), () => this.status());
  }

  /** The /api/events sub-app of one server; its sockets close when `closing` (that server's stop) fires. */
  routes(closing?: AbortSignal): Hono<HttpEnv> {
    closing?.addEventListener("abort", () => {
      for (const connection of this.#connections) {
        if (connection.closing === closing) connection.socket.close(1001, "the web server stops");
      }
    });
    const app = new Hono<HttpEnv>();
    app.get("/", (c) => this.handle(c, closing));
    return app;
  }

  status(): { sockets: number; opened: number; cutOff: number; messages: number } {
    // `messages`: line messages fanned out; `cutOff`: clients cut off for not reading.
    return { sockets: this.#connections.size, ...this.#counters };
  }

  /** The route handler: upgrades an authenticated request. */
  handle(c: Context<HttpEnv>, closing?: AbortSignal): Response {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return lineError(
        c,
        new LineApiError(
          "LINEERR_INVALPARAM",
          "GET /api/events is a WebSocket: send Upgrade: websocket",
          "upgrade",
        ),
      );
    }
    // A browser page of another site could open the socket with the user's cookie: the origin must match.
    if (c.get("authMethod") === "session") {
      const origin = c.req.header("origin");
      const host = c.req.header("host");
      if (origin && host && new URL(origin).host !== host) {
        return lineError(
          c,
          new LineApiError("LINEERR_NOTOWNER", `WebSocket from another site (${origin}) refused`),
        );
      }
    }
    const limits = this.#options.limits();
    if (this.#connections.size >= limits.maxSockets) {
      return lineError(
        c,
        new LineApiError(
          "LINEERR_RESOURCEUNAVAIL",
          `${limits.maxSockets} event WebSockets are open, the limit (lineApi.eventSockets)`,
        ),
      );
    }
    const caller = this.#options.caller(c);
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 120 });
    const connection: Connection = { socket, closing, caller, lines: new Set(), all: false, seq: 0 };
    socket.onopen = () => {
      this.#connections.add(connection);
      this.#counters.opened++;
      this.#startChecks();
    };
    socket.onmessage = (event) => this.#onRequest(connection, event.data);
    socket.onclose = () => this.#gone(connection);
    socket.onerror = () => {};
    return response;
  }

  // ---- requests ---------------------------------------------------------------------------------

  #onRequest(connection: Connection, data: unknown): void {
    let value: unknown;
    try {
      value = typeof data === "string" && data.length <= 1_000_000 ? JSON.parse(data) : undefined;
    } catch {
      value = undefined;
    }
    const parsed = eventSocketRequestSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.join(".") : "message";
      return this.#send(connection, {
        type: "error",
        code: "LINEERR_INVALPARAM",
        message: `${field}: send {"subscribe": ["101"]}, {"subscribe": "all"} or {"unsubscribe": [...]}`,
        field,
      });
    }
    const request = parsed.data;
    if ("unsubscribe" in request) {
      const gone = request.unsubscribe === "all" ? [...connection.lines] : request.unsubscribe;
      if (request.unsubscribe === "all") connection.all = false;
      for (const line of gone) connection.lines.delete(line);
      this.#options.service.socketGone(connection.caller.client.id, gone);
      return this.#send(connection, { type: "unsubscribed", lines: gone });
    }
    const { rights } = connection.caller;
    let lines: string[];
    if (request.subscribe === "all") {
      connection.all = true;
      lines = this.#options.service.openLines().map((l) => l.line).filter((l) => rights.covers(l));
    } else {
      lines = [];
      for (const line of request.subscribe) {
        if (!rights.covers(line)) {
          this.#send(connection, {
            type: "error",
            code: "LINEERR_NOTOWNER",
            message: `${rights.who} has no right to line ${line}`,
            field: "subscribe",
          });
          continue;
        }
        connection.lines.add(line);
        lines.push(line);
      }
    }
    this.#send(connection, { type: "subscribed", lines: request.subscribe === "all" ? "all" : lines });
    for (const line of lines) this.#send(connection, this.#options.service.snapshot(line));
  }

  // ---- fan-out ----------------------------------------------------------------------------------

  #publish(message: LineMessage): void {
    if (this.#connections.size === 0) return;
    // Serialised once; each connection only prefixes its own seq. The limits are read once per message,
    // not per client: with 50 clients on a line the send loop is most of the line API's event time.
    const body = JSON.stringify(message).slice(1);
    const limits = this.#options.limits();
    for (const connection of this.#connections) {
      if (!this.#wants(connection, message.line)) continue;
      this.#write(connection, `{"seq":${++connection.seq},${body}`, limits);
    }
    this.#counters.messages++;
  }

  #wants(connection: Connection, line: string): boolean {
    return connection.lines.has(line) || (connection.all && connection.caller.rights.covers(line));
  }

  #holding(clientId: string, line: string): number {
    let count = 0;
    for (const c of this.#connections) if (c.caller.client.id === clientId && this.#wants(c, line)) count++;
    return count;
  }

  #send(connection: Connection, message: Record<string, unknown>): void {
    this.#write(connection, JSON.stringify({ seq: ++connection.seq, ...message }), this.#options.limits());
  }

  #write(connection: Connection, text: string, limits: EventSocketLimits): void {
    const { socket } = connection;
    if (socket.readyState !== WebSocket.OPEN) return;
    // One look at the queue per message (each is a call into the runtime): what this send adds shows at
    // the next one, or at the once-a-second check.
    const queued = socket.bufferedAmount;
    if (queued > limits.maxQueuedBytes) {
      return this.#cutOff(
        connection,
        `not reading: ${queued} bytes queued, the limit is ${limits.maxQueuedBytes}`,
      );
    }
    if (queued === 0) connection.backedUpSince = undefined;
    else connection.backedUpSince ??= performance.now();
    socket.send(text);
  }

  /** Once a second: a queue that has not drained for the drain timeout is cut off. */
  #startChecks(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#connections.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        return;
      }
      const now = performance.now();
      const { drainTimeoutMs } = this.#options.limits();
      for (const connection of this.#connections) {
        if (connection.socket.bufferedAmount === 0) connection.backedUpSince = undefined;
        else if (connection.backedUpSince === undefined) connection.backedUpSince = now;
        else if (now - connection.backedUpSince >= drainTimeoutMs) {
          this.#cutOff(
            connection,
            `not reading: the queue did not drain for ${Math.round(drainTimeoutMs / 1000)} s`,
          );
        }
      }
    }, CHECK_MS);
    Deno.unrefTimer(this.#timer);
  }

  #cutOff(connection: Connection, reason: string): void {
    this.#counters.cutOff++;
    this.#options.log.warn("event WebSocket cut off", { client: connection.caller.client.label, reason });
    // 1008 policy violation: the client broke the rule of reading what it asked for.
    connection.socket.close(1008, reason.slice(0, 120));
    this.#gone(connection);
  }

  #gone(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    const lines = connection.all
      ? this.#options.service.openLines().map((l) => l.line).filter((l) => connection.caller.rights.covers(l))
      : [...connection.lines];
    this.#options.service.socketGone(connection.caller.client.id, lines);
  }
}
