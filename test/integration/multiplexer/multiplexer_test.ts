// Issue acceptance for the multiplexer: the whole App (PbxLink, Switchboard, CSTA listeners) against the
// PBX simulator over real sockets, with CstaClient applications.

import assert from "node:assert/strict";
import { join } from "node:path";
import { App } from "../../../src/app.ts";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaFailureError } from "../../../src/client/client_errors.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { deviceNumber } from "../../../src/csta/device_id.ts";
import { panasonicAarq } from "../../../src/csta/acse.ts";
import { describeUniversalFailure } from "../../../src/csta/universal_failure.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";

const simOptions: SimulatorOptions = { plan: { extensions: "101-110", trunks: 2 }, keepaliveSeconds: 0 };

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The next event of `client` that satisfies `match`, bounded in time. */
async function nextEvent(
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

interface Rig {
  app: App;
  sim: SimulatorService;
  port: number;
  connect(): Promise<CstaClient>;
  restartSimulator(): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  let sim = new SimulatorService(simOptions);
  await sim.start();
  const simPort = sim.port;
  const dataDir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dataDir, "cstabox.yaml"), "limits:\n  malformedFramesBeforeClose: 10\n");
  const lines: string[] = [];
  const app = await App.create({
    dataDir,
    overrides: {
      pbx: { host: "127.0.0.1", port: simPort, reconnectMinSeconds: 0.1, reconnectMaxSeconds: 1 },
      cstaServer: { bind: "127.0.0.1", tcpPort: 0, tlsPort: 0 },
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

Deno.test("three applications monitoring 101 share one PBX monitor; the last to leave stops it, also when one names it by device number", async () => {
  const r = await rig();
  try {
    const apps = [await r.connect(), await r.connect(), await r.connect()];
    const xrefs = [];
    for (const app of apps) xrefs.push(await app.monitorStart("101"));
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "the PBX sees one MonitorStart");
    assert.equal(new Set(xrefs.map((x) => x.join())).size, 3, "each application has its own crossRef");

    // A fourth names 101 by its PBX device number (learned from the device list).
    await waitFor(
      "device numbers",
      () => (r.app.status()["line-sync"]?.details?.knownDeviceNumbers ?? 0) > 0,
    );
    const byNumber = await r.connect();
    const fourth = await byNumber.monitorStart(deviceNumber(r.sim.plan.device("101")!.deviceNumber));
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "still one PBX monitor");

    const streams = [...apps, byNumber].map((a) => a.events()[Symbol.asyncIterator]());
    assert.ok(r.sim.engine.makeCall("102", "101").ok);
    for (const [i, stream] of streams.entries()) {
      const event = await nextEvent(stream, (e) => e.name === "delivered");
      assert.deepEqual(event.crossRef, [...xrefs, fourth][i], `application ${i + 1} gets its own crossRef`);
    }

    await apps[0].monitorStop(xrefs[0]);
    await apps[1].monitorStop(xrefs[1]);
    await byNumber.monitorStop(fourth);
    assert.equal(r.sim.monitors.monitorsOf("101").length, 1, "no MonitorStop reached the PBX yet");
    await apps[2].close();
    await waitFor("the PBX monitor to stop", () => r.sim.monitors.monitorsOf("101").length === 0);
  } finally {
    await r.close();
  }
});

Deno.test("a second CDR application gets operation/generic and the first receives every report", async () => {
  const r = await rig();
  try {
    const reports: number[] = [];
    const owner = await CstaClient.connect({
      hostname: "127.0.0.1",
      port: r.port,
      onInvoke: (invoke) => {
        if (invoke.operation === "cDRReport") reports.push(invoke.invokeId);
      },
    });
    const second = await r.connect();
    await owner.invoke("startCDRTransmission", { transferMode: "transferAtEndOfCall" });
    await assert.rejects(
      second.invoke("startCDRTransmission", { transferMode: "transferAtEndOfCall" }),
      (error: unknown) =>
        error instanceof CstaFailureError && error.failure !== undefined &&
        describeUniversalFailure(error.failure) === "operation/generic",
    );
    for (let i = 0; i < 3; i++) {
      const made = r.sim.engine.makeCall("103", "104");
      assert.ok(made.ok);
      const ringing = r.sim.engine.connectionsOf("104")[0];
      assert.ok(r.sim.engine.answerCall(ringing).ok);
      assert.ok(r.sim.engine.clearCall(made.value).ok);
    }
    await waitFor("three CDR reports", () => reports.length === 3);
    await owner.close();
  } finally {
    await r.close();
  }
});

Deno.test("the PBX restarts: applications stay connected, hear disabled then normal, and keep their crossRefs", async () => {
  const r = await rig();
  try {
    const app = await r.connect();
    const statuses: string[] = [];
    app.onSystemStatus((status) => statuses.push(String(status)));
    const xref = await app.monitorStart("101");
    const stream = app.events()[Symbol.asyncIterator]();

    await r.restartSimulator();
    await waitFor("normal again", () => statuses.includes("disabled") && statuses.at(-1) === "normal");
    assert.equal(app.state, "open", "the application never lost its association");
    assert.equal(
      r.sim.monitors.monitorsOf("101").length,
      1,
      "the monitor was re-created in the new PBX session",
    );

    assert.ok(r.sim.engine.makeCall("102", "101").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.deepEqual(event.crossRef, xref, "events continue under the old crossRef without re-monitoring");
  } finally {
    await r.close();
  }
});

Deno.test("10,000 garbage frames from one application leave the others' events untouched", async () => {
  const r = await rig();
  try {
    const good = await r.connect();
    await good.monitorStart("105");
    const stream = good.events()[Symbol.asyncIterator]();
    const bad = await RawCstaPeer.connect(r.port);
    await bad.send(panasonicAarq());
    await bad.waitFor(2);
    const garbage = new Uint8Array(10_000 * 5);
    for (let i = 0; i < 10_000; i++) garbage.set([0x00, 0x03, 0xa1, 0x01, i & 0xff], i * 5);
    await bad.sendBytes(garbage).catch(() => {});
    await bad.waitClosed();
    assert.ok(r.sim.engine.makeCall("106", "105").ok);
    const event = await nextEvent(stream, (e) => e.name === "delivered");
    assert.equal(event.name, "delivered");
    bad.close();
  } finally {
    await r.close();
  }
});
