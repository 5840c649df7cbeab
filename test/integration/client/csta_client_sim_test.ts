// The client against engineer G's Panasonic PBX simulator over TCP: an independent implementation of the
// switch side that drops clients who leave keep-alives unanswered and sends CDR reports of its own.

import assert from "node:assert/strict";
import { CstaFailureError } from "../../../src/client/client_errors.ts";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import type { IncomingInvoke } from "../../../src/client/incoming_invoke.ts";
import { ManualClock } from "../../../src/clock.ts";
import type { ConnectionID } from "../../../src/csta/connection_id.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";
import { until, within } from "./listener_harness.ts";

async function withSimulator(options: SimulatorOptions, test: (sim: SimulatorService) => Promise<void>) {
  const sim = new SimulatorService({ keepaliveSeconds: 0, remoteParties: false, ...options });
  await sim.start();
  try {
    await test(sim);
  } finally {
    await sim.stop();
  }
}

function connect(sim: SimulatorService, extra: Partial<Parameters<typeof CstaClient.connect>[0]> = {}) {
  return within(
    CstaClient.connect({ hostname: "127.0.0.1", port: sim.port, timeoutMs: 5000, ...extra }),
    5000,
    "connect to the simulator",
  );
}

/** Reads events until one matches, bounded in time. */
async function eventWhere(client: CstaClient, match: (event: ClientEvent) => boolean): Promise<ClientEvent> {
  return await within(
    (async () => {
      for await (const event of client.events()) if (match(event)) return event;
      throw new Error("the client closed before the event came");
    })(),
    5000,
    "event",
  );
}

Deno.test("the simulator keeps the client through keep-alives it drops unanswered clients for", () => {
  const clock = new ManualClock();
  return withSimulator({ clock, keepaliveSeconds: 60, maxUnansweredKeepalives: 1 }, async (sim) => {
    const client = await connect(sim);
    try {
      for (let answered = 1; answered <= 4; answered++) {
        await until(
          () => client.stats().invokesAnswered === answered,
          5000,
          `SystemStatus ${answered} answered`,
        );
        // A round trip after the answer: TCP keeps order, so the simulator has read the answer by now.
        assert.equal(await within(client.requestSystemStatus(), 5000, "requestSysStat"), "normal");
        clock.advance(60_000); // the next keep-alive, which the simulator skips for a drop if one is unanswered
      }
      assert.equal(sim.status().details?.associated, true);
      assert.equal(client.state, "open");
    } finally {
      await client.close();
    }
  });
});

Deno.test("a call through the simulator: typed MakeCall result, events on both devices, CDR report answered", () =>
  withSimulator({}, async (sim) => {
    const reports: IncomingInvoke[] = [];
    const client = await connect(sim, { onInvoke: (invoke) => void reports.push(invoke) });
    try {
      const cdr = await client.invoke("startCDRTransmission", { transferMode: "transferAtEndOfCall" });
      assert.ok(cdr.cdrCrossRefID.length > 0);
      await client.monitorStart("101");
      const called = await client.monitorStart("102");
      const { callingDevice } = await client.makeCall("101", "102");
      const ringing = await eventWhere(
        client,
        (e) => e.event?.kind === "delivered" && e.crossRef.join() === called.join(),
      );
      assert.ok(ringing.event?.kind === "delivered");
      await client.answerCall(ringing.event.connection as ConnectionID);
      await client.clearConnection(callingDevice);
      await until(() => reports.length === 1, 5000, "the CDR report");
      assert.ok(reports[0].typed?.operation === "cDRReport");
      assert.equal(reports[0].typed.argument.cdrInfo.length, 1);
      await until(() => sim.cdr.pending === 0, 5000, "the simulator to take the answer");
    } finally {
      await client.close();
    }
  }));

Deno.test("a request the simulator refuses comes back as CstaFailureError with the named UniversalFailure", () =>
  withSimulator({}, async (sim) => {
    const client = await connect(sim);
    try {
      await assert.rejects(within(client.snapshotDevice("999"), 5000, "snapshotDevice"), (error) => {
        assert.ok(error instanceof CstaFailureError);
        assert.deepEqual(error.failure, { kind: "operation", value: "invalidDeviceID" });
        return true;
      });
    } finally {
      await client.close();
    }
  }));

Deno.test("close against the simulator is confirmed with an RLRE", () =>
  withSimulator({}, async (sim) => {
    const client = await connect(sim, { releaseTimeoutMs: 5000 });
    await within(client.close(), 5000, "close");
    assert.deepEqual(await client.closed, { reason: "closed by the client", byClient: true });
    await until(() => sim.status().details?.associated === false, 5000, "the simulator to see the release");
  }));
