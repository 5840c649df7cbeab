// The whole App (PbxLink, Switchboard, CSTA listeners) against the PBX simulator over real sockets, with
// CstaClient applications: the rig of the multiplexer's acceptance tests.

import { join } from "node:path";
import { App } from "../../../src/app.ts";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";

const simOptions: SimulatorOptions = { plan: { extensions: "101-110", trunks: 2 }, keepaliveSeconds: 0 };

export async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The next event of `client` that satisfies `match`, bounded in time. */
export async function nextEvent(
  stream: AsyncIterator<ClientEvent>,
  match: (e: ClientEvent) => boolean,
  ms = 5_000,
): Promise<ClientEvent> {
  const until = Date.now() + ms;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) throw new Error("no matching event");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = await Promise.race([
      stream.next(),
      new Promise<IteratorResult<ClientEvent>>((
        r,
      ) => (timer = setTimeout(() => r({ done: true, value: undefined }), left))),
    ]);
    clearTimeout(timer);
    if (next.done) throw new Error("no matching event");
    if (match(next.value)) return next.value;
  }
}

export interface Rig {
  app: App;
  sim: SimulatorService;
  port: number;
  connect(): Promise<CstaClient>;
  restartSimulator(): Promise<void>;
  close(): Promise<void>;
}

/** Settings on top of the rig's own (a PBX section merges into the rig's PBX address and back-off). */
export interface RigOverrides {
  pbx?: Record<string, unknown>;
  cstaServer?: Record<string, unknown>;
}

export async function rig(overrides: RigOverrides = {}): Promise<Rig> {
  let sim = new SimulatorService(simOptions);
  await sim.start();
  const simPort = sim.port;
  const dataDir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dataDir, "cstabox.yaml"), "limits:\n  malformedFramesBeforeClose: 10\n");
  const lines: string[] = [];
  const app = await App.create({
    dataDir,
    overrides: {
      pbx: {
        host: "127.0.0.1",
        port: simPort,
        reconnectMinSeconds: 0.1,
        reconnectMaxSeconds: 1,
        ...overrides.pbx,
      },
      cstaServer: { bind: "127.0.0.1", tcpPort: 0, tlsPort: 0, ...overrides.cstaServer },
      smdr: { bind: "127.0.0.1", localPort: 0 },
      web: { bind: "127.0.0.1", httpPort: 0, httpsPort: 0 },
    },
    log: { sink: () => {} },
    announce: (line) => lines.push(line),
  });
  await app.start();
  const port = app.listeners().find((l) => l.name === "csta-tcp")!.port;
  await waitFor("the PBX link", () => app.pbxLink.ready);
  const clients: CstaClient[] = [];
  return {
    app,
    get sim() {
      return sim;
    },
    port,
    async connect() {
      const client = await CstaClient.connect({ hostname: "127.0.0.1", port, requestTimeoutMs: 5_000 });
      clients.push(client);
      return client;
    },
    async restartSimulator() {
      await sim.stop();
      await waitFor("the link to notice", () => !app.pbxLink.ready);
      sim = new SimulatorService({ ...simOptions, port: simPort });
      await sim.start();
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await app.stop();
      await sim.stop();
    },
  };
}
