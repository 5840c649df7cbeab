import assert from "node:assert/strict";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { decodeAcse, panasonicAarq } from "../../../src/csta/acse.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { type SimulatorOptions, SimulatorService } from "../../../src/sim/sim_service.ts";
import { RawCstaPeer, toHex } from "../../support/raw_csta_peer.ts";
import { readable } from "../../unit/sim/wire_harness.ts";

const AARE_FRAME =
  "00 31 61 2F 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 00 A3 05 A1 03 02 01 01 BE 14 28 12 06 07 2B 0C 00 82 1D 81 48 A0 07 A0 05 03 03 00 08 00";
const SYSTEM_STATUS_FRAME = "00 0E A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02";

async function withSimulator(
  options: SimulatorOptions,
  test: (sim: SimulatorService) => Promise<void>,
): Promise<void> {
  const sim = new SimulatorService({ keepaliveSeconds: 0, remoteParties: false, ...options });
  await sim.start();
  try {
    await test(sim);
  } finally {
    await sim.stop();
  }
}

/** Reads bytes from a raw connection until `length` arrived or the peer closed; bounded in time. */
async function readBytes(conn: Deno.Conn, length: number, timeoutMs = 5000): Promise<Uint8Array> {
  const out: number[] = [];
  const buffer = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (out.length < length) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      out.push(...buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  return Uint8Array.from(out);
}

async function nextEvents(client: CstaClient, count: number, timeoutMs = 5000): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  const iterator = client.events();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expected ${count} events, got ${events.length}`)), timeoutMs);
  });
  try {
    while (events.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) break;
      events.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

Deno.test("over TCP the simulator answers the AARQ with Panasonic's AARE frame, then SystemStatus with invoke ID 1", () =>
  withSimulator({}, async (sim) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: sim.port });
    try {
      const aarq = panasonicAarq();
      await conn.write(Uint8Array.of(0, aarq.length, ...aarq));
      const bytes = await readBytes(conn, 0x33 + 0x10);
      assert.equal(toHex(bytes), `${AARE_FRAME} ${SYSTEM_STATUS_FRAME}`);
    } finally {
      conn.close();
    }
  }));

Deno.test("a second client is refused by closing it, and the first association goes on", () =>
  withSimulator({}, async (sim) => {
    const first = await RawCstaPeer.connect(sim.port);
    const second = await RawCstaPeer.connect(sim.port);
    try {
      await first.send(panasonicAarq());
      await first.waitFor(2);
      await second.send(panasonicAarq());
      await second.waitClosed();
      assert.equal(second.received.length, 0, "nothing but a close");
      await first.send(encodeReturnResult(1, { opcode: 211, value: NO_DATA }));
      assert.equal(sim.status().details?.associated, true);
      assert.equal(sim.status().details?.secondClientsRefused, 1);
    } finally {
      first.close();
      second.close();
    }
  }));

Deno.test("with the reject policy a second client's AARQ gets a rejecting AARE", () =>
  withSimulator({ secondClient: "reject" }, async (sim) => {
    const first = await RawCstaPeer.connect(sim.port);
    const second = await RawCstaPeer.connect(sim.port);
    try {
      await first.send(panasonicAarq());
      await first.waitFor(2);
      await second.send(panasonicAarq());
      const [aare] = await second.waitFor(1);
      const decoded = decodeAcse(aare);
      assert.equal(decoded.kind === "aare" && decoded.result, "rejectedPermanent");
      await second.waitClosed();
    } finally {
      first.close();
      second.close();
    }
  }));

Deno.test("with the dropFirst policy the first client is aborted and the second one served", () =>
  withSimulator({ secondClient: "dropFirst" }, async (sim) => {
    const first = await RawCstaPeer.connect(sim.port);
    try {
      await first.send(panasonicAarq());
      await first.waitFor(2);
      const second = await CstaClient.connect({ hostname: "127.0.0.1", port: sim.port, timeoutMs: 5000 });
      try {
        await first.waitClosed();
        assert.equal(toHex(first.received.at(-1)!), "64 03 80 01 00");
        assert.equal(second.state, "open");
      } finally {
        await second.close();
      }
    } finally {
      first.close();
    }
  }));

Deno.test("a CstaClient session: MakeCall 101 -> 102, answer and clear give the golden events on both devices, each counted", () =>
  withSimulator({}, async (sim) => {
    const client = await CstaClient.connect({ hostname: "127.0.0.1", port: sim.port, timeoutMs: 5000 });
    try {
      const crossRef101 = await client.monitorStart("101");
      const crossRef102 = await client.monitorStart("102");
      const { callingDevice } = await client.makeCall("101", "102");
      const ringing = await nextEvents(client, 4);
      const delivered = ringing.find((e) => e.event?.kind === "delivered")!.event!;
      await client.answerCall(delivered.kind === "delivered" ? delivered.connection : callingDevice);
      await client.clearConnection(callingDevice);
      const rest = await nextEvents(client, 5);
      const byDevice = { "101": [] as unknown[], "102": [] as unknown[] };
      for (const e of [...ringing, ...rest]) {
        const device = toHex(e.crossRef) === toHex(crossRef101)
          ? "101"
          : toHex(e.crossRef) === toHex(crossRef102)
          ? "102"
          : "?";
        (byDevice as Record<string, unknown[]>)[device].push(readable(e.event));
      }
      const golden = JSON.parse(
        await Deno.readTextFile(new URL("../../fixtures/sim/internal_call.json", import.meta.url)),
      );
      assert.deepEqual(byDevice, golden.events);
      assert.equal(sim.eventReportsSent, 9, "every EventReport sent is counted");
      assert.equal(sim.status().details?.eventReportsSent, 9);
    } finally {
      await client.close();
    }
  }));

Deno.test("dropping the link aborts the client; a malformed frame leaves the association up", () =>
  withSimulator({}, async (sim) => {
    const client = await CstaClient.connect({ hostname: "127.0.0.1", port: sim.port, timeoutMs: 5000 });
    sim.sendMalformedFrame();
    assert.equal(await client.requestSystemStatus(), "normal");
    sim.dropLink();
    const closed = await client.closed;
    assert.equal(client.state, "closed");
    assert.ok(closed.reason.length > 0);
  }));

Deno.test("a client that stops answering SystemStatus is dropped after K misses", () =>
  withSimulator({ keepaliveSeconds: 1, maxUnansweredKeepalives: 1 }, async (sim) => {
    const peer = await RawCstaPeer.connect(sim.port);
    try {
      await peer.send(panasonicAarq());
      await peer.waitClosed(5000);
      const kinds = peer.received.map((apdu) => decodeApdu(apdu).kind);
      assert.deepEqual(kinds, ["aare", "invoke", "abrt"]);
    } finally {
      peer.close();
    }
  }));
