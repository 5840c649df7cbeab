// Test support: cstabox as it runs (App with its real store, HTTP server and CSTA port) against the
// simulator on a real socket, with helpers for the line API over HTTP and its event WebSocket.

import assert from "node:assert/strict";
import { App } from "../../../src/app.ts";
import type { SettingsOverrides } from "../../../src/settings/live_settings.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";
import { waitUntil } from "../../support/wait_until.ts";

export const ADMIN_PASSWORD = "line-api-test-pw";
export const BASIC = `Basic ${btoa(`admin:${ADMIN_PASSWORD}`)}`;

export interface ApiAnswer {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** One event WebSocket: every message received, and waiting for one. */
export interface EventSocket {
  // deno-lint-ignore no-explicit-any
  messages: any[];
  send(value: unknown): void;
  // deno-lint-ignore no-explicit-any
  next(test: (m: any) => boolean, what: string, ms?: number): Promise<any>;
  closed: Promise<CloseEvent>;
  close(): Promise<void>;
}

export interface LineApiRig {
  app: App;
  sim: SimulatorService;
  base: string;
  cstaPort: number;
  dataDir: string;
  api(method: string, path: string, body?: unknown, auth?: string): Promise<ApiAnswer>;
  socket(auth?: string): Promise<EventSocket>;
  close(): Promise<void>;
}

export interface RigOptions {
  simulator?: Partial<SimulatorOptions>;
  overrides?: SettingsOverrides;
  /** A data directory to reuse (a restart of cstabox on the same store). */
  dataDir?: string;
}

export async function lineApiRig(options: RigOptions = {}): Promise<LineApiRig> {
  const sim = new SimulatorService({
    keepaliveSeconds: 0,
    remoteParties: false,
    plan: { extensions: "101-106", trunks: 2, firstTrunkNumber: "801", outsideLineCode: "0" },
    ...options.simulator,
  });
  await sim.start();
  return await startApp(sim, options);
}

async function startApp(sim: SimulatorService, options: RigOptions): Promise<LineApiRig> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "cstabox-lineapi-" });
  const o = options.overrides ?? {};
  const app = await App.create({
    dataDir,
    adminPassword: ADMIN_PASSWORD,
    overrides: {
      ...o,
      pbx: { host: "127.0.0.1", port: sim.port, reconnectMinSeconds: 0.1, reconnectMaxSeconds: 1, ...o.pbx },
      cstaServer: { bind: "127.0.0.1", tcpPort: 0, tlsPort: 0, ...o.cstaServer },
      smdr: { bind: "127.0.0.1", localPort: 0, ...o.smdr },
      web: { bind: "127.0.0.1", httpPort: 0, httpsPort: 0, ...o.web },
    },
    log: { sink: () => {} },
    announce: () => {},
  });
  await app.start();
  const port = app.listeners().find((l) => l.name === "http")!.port;
  const cstaPort = app.listeners().find((l) => l.name === "csta-tcp")!.port;
  const base = `http://127.0.0.1:${port}`;
  const sockets: EventSocket[] = [];
  const api = async (method: string, path: string, body?: unknown, auth = BASIC): Promise<ApiAnswer> => {
    const response = await fetch(`${base}/api${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  await waitUntil(() => app.pbxLink.ready, 10_000, () => "the PBX link");
  // The line list is loaded from the PBX at the first connection.
  await waitUntil(
    async () => (await api("GET", "/lines")).body.lines?.length > 0,
    10_000,
    () => "the lines from the PBX",
    50,
  );
  return {
    app,
    sim,
    base,
    cstaPort,
    dataDir,
    api,
    async socket(auth = BASIC) {
      const ws = new WebSocket(
        `ws://127.0.0.1:${port}/api/events`,
        { headers: { authorization: auth } } as never,
      );
      // deno-lint-ignore no-explicit-any
      const messages: any[] = [];
      const waiters = new Set<() => void>();
      ws.onmessage = (e) => {
        messages.push(JSON.parse(e.data));
        for (const w of waiters) w();
      };
      const closed = new Promise<CloseEvent>((resolve) => ws.onclose = resolve);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = (e) => reject(new Error(`WebSocket did not open: ${(e as ErrorEvent).message}`));
      });
      // Each message is matched once; messages of different lines may come in any order.
      const taken = new Set<number>();
      const find = (test: (m: unknown) => boolean) => messages.findIndex((m, i) => !taken.has(i) && test(m));
      const socket: EventSocket = {
        messages,
        send: (value) => ws.send(JSON.stringify(value)),
        async next(test, what, ms = 5_000) {
          await waitUntil(() => find(test) >= 0, ms, () => `${what}; got ${JSON.stringify(messages)}`);
          const index = find(test);
          taken.add(index);
          return messages[index];
        },
        closed,
        async close() {
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
          await closed;
        },
      };
      sockets.push(socket);
      return socket;
    },
    async close() {
      for (const s of sockets) await s.close();
      await app.stop();
      await sim.stop();
      if (!options.dataDir) await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** A callState message of a line in a state. */
// deno-lint-ignore no-explicit-any
export const callState = (line: string, state: string) => (m: any) =>
  m.type === "callState" && m.line === line && m.state === state;

/** A new API token of the admin user: its `Authorization` header and id. */
export async function newToken(rig: LineApiRig, name: string): Promise<{ auth: string; id: string }> {
  const made = await rig.api("POST", "/system/tokens", { name });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { auth: `Bearer ${made.body.token}`, id: made.body.id };
}
