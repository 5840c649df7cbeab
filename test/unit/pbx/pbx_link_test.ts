import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { encodeAareRejected, panasonicAareAccepted } from "../../../src/csta/acse.ts";
import { concatBytes } from "../../../src/csta/ber_writer.ts";
import { encodeFrame, FrameReassembler } from "../../../src/csta/framing.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { Logger } from "../../../src/log/logger.ts";
import { PbxLink, type PbxLinkSettings } from "../../../src/pbx/pbx_link.ts";

const hex = (text: string) => Uint8Array.from(text.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));
const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");

/** One side of an in-memory connection: what the link writes is parsed into APDUs for the test. */
class FakePbxConn {
  fromLink: Uint8Array[] = [];
  closed = false;
  #toLink: Uint8Array[] = [];
  #wake?: () => void;
  #reassembler = new FrameReassembler();
  readonly remoteAddr = { transport: "tcp", hostname: "pbx", port: 33333 };
  readonly localAddr = { transport: "tcp", hostname: "box", port: 40000 };

  read(buffer: Uint8Array): Promise<number | null> {
    return new Promise((resolve) => {
      const attempt = () => {
        if (this.closed) return resolve(null);
        const next = this.#toLink.shift();
        if (!next) {
          this.#wake = attempt;
          return;
        }
        buffer.set(next);
        resolve(next.length);
      };
      attempt();
    });
  }
  write(bytes: Uint8Array): Promise<number> {
    this.#reassembler.push(bytes, (apdu) => this.fromLink.push(apdu.slice()));
    return Promise.resolve(bytes.length);
  }
  close(): void {
    this.closed = true;
    this.#wake?.();
  }
  /** The PBX sends APDUs, which the link reads in one read. */
  send(...apdus: Uint8Array[]): void {
    this.#toLink.push(concatBytes(apdus.map((apdu) => encodeFrame(apdu))));
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const settings: PbxLinkSettings = {
  host: "pbx",
  port: 33333,
  livenessTimeoutSeconds: 300,
  reconnectMinSeconds: 1,
  reconnectMaxSeconds: 60,
  requestTimeoutSeconds: 10,
  maxFrameBytes: 65535,
};

const tick = async (times = 5) => {
  for (let i = 0; i < times; i++) await new Promise((r) => setTimeout(r, 0));
};

function setup(connectBehaviour?: () => Promise<Deno.Conn>) {
  const clock = new ManualClock();
  const conns: FakePbxConn[] = [];
  const journal: string[] = [];
  const frames: ApduPeek[] = [];
  /** What the link handed on, in order: "frame" for each frame, "end" at each end of frames. */
  const handedOn: string[] = [];
  const link = new PbxLink({
    settings: () => settings,
    log: new Logger("test", { sink: () => {} }),
    clock,
    random: () => 0.999999,
    connect: connectBehaviour ?? (() => {
      const conn = new FakePbxConn();
      conns.push(conn);
      return Promise.resolve(conn as unknown as Deno.Conn);
    }),
    events: {
      onReady: () => journal.push("ready"),
      onLost: (reason) => journal.push(`lost: ${reason}`),
      onFrame: (_apdu, peek) => {
        frames.push(peek);
        handedOn.push("frame");
      },
      onFramesEnd: () => handedOn.push("end"),
    },
  });
  return { clock, conns, journal, frames, handedOn, link };
}

async function associate(conn: FakePbxConn) {
  await tick();
  conn.send(panasonicAareAccepted());
  conn.send(hex("A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02"));
  await tick();
}

Deno.test("the link opens with the Panasonic AARQ and answers the PBX's SystemStatus with its own invoke ID", async () => {
  const { conns, journal, link } = setup();
  await link.start();
  await associate(conns[0]);
  assert.equal(
    toHex(conns[0].fromLink[0]),
    "60 23 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A BE 14 28 12 06 07 2B 0C 00 82 1D 81 48 A0 07 A0 05 03 03 00 08 00",
  );
  assert.equal(toHex(conns[0].fromLink[1]), "A2 0B 02 01 01 30 06 02 02 00 D3 05 00");
  assert.deepEqual(journal, ["ready"]);
  assert.equal(link.state, "ready");
  await link.stop();
  assert.equal(toHex(conns[0].fromLink.at(-1)!), "62 03 80 01 00", "stop releases the association");
});

Deno.test("no SystemStatus for the liveness time means the link is lost, and it reconnects after the back-off", async () => {
  const { clock, conns, journal, link } = setup();
  await link.start();
  await associate(conns[0]);
  clock.advance(299_000);
  conns[0].send(hex("A1 0C 02 01 02 02 02 00 D3 30 03 0A 01 02"));
  await tick();
  clock.advance(299_000);
  assert.equal(link.state, "ready", "each SystemStatus restarts the liveness timer");
  clock.advance(1_000);
  await tick();
  assert.match(journal.at(-1)!, /^lost: no SystemStatus from the PBX for 300 s/);
  assert.equal(conns[0].closed, true);
  assert.equal(conns.length, 1);
  clock.advance(1_000);
  await tick();
  assert.equal(conns.length, 2, "reconnected after 1 s");
  await associate(conns[1]);
  assert.deepEqual(journal.filter((j) => j === "ready").length, 2);
  await link.stop();
});

Deno.test("a refused association is reported with its diagnostic and retried with growing delays", async () => {
  const { clock, conns, link } = setup();
  await link.start();
  await tick();
  conns[0].send(encodeAareRejected({ kind: "acseServiceUser", value: "authenticationFailure" }));
  await tick();
  const details = link.status().details as { lastError: { message: string }; state: string };
  assert.match(
    details.lastError.message,
    /refused the association: rejectedPermanent \(acseServiceUser: authenticationFailure\)/,
  );
  assert.equal(details.state, "disconnected");
  clock.advance(1_000);
  await tick();
  assert.equal(conns.length, 2);
  conns[1].close();
  await tick();
  clock.advance(1_999);
  await tick();
  assert.equal(conns.length, 2, "the second delay is 2 s");
  clock.advance(1);
  await tick();
  assert.equal(conns.length, 3);
  await link.stop();
});

Deno.test("a PBX that cannot be reached never stops the link; it keeps trying", async () => {
  let attempts = 0;
  const { clock, link } = setup(() => {
    attempts++;
    return Promise.reject(new Deno.errors.ConnectionRefused("connection refused"));
  });
  await link.start();
  for (let i = 0; i < 10; i++) {
    await tick();
    clock.advance(60_000);
  }
  await tick();
  assert.ok(attempts >= 10);
  const status = link.status();
  assert.equal(status.state, "degraded");
  assert.match(status.reason!, /PBX link down: cannot connect to pbx:33333: connection refused/);
  await link.stop();
});

Deno.test("a read's frames end before the link acts on an answer among them, and again at the end of the read", async () => {
  const { conns, handedOn, link } = setup();
  await link.start();
  await associate(conns[0]);
  handedOn.length = 0;
  const answered = link.request(encodeInvoke(77, Opcode.answerCall, hex("30 00")), {
    onAnswer: () => handedOn.push("answer"),
  });
  await tick();
  // An EventReport, the answer to request 1, and another EventReport, in one read.
  const event = (invokeId: number) => encodeInvoke(invokeId, Opcode.cSTAEventReport, hex("30 00"));
  conns[0].send(event(5), encodeReturnResult(1, { opcode: Opcode.answerCall, value: NO_DATA }), event(6));
  assert.equal((await answered).kind, "answer");
  assert.deepEqual(handedOn, ["frame", "end", "answer", "frame", "end"]);
  await link.stop();
});

Deno.test("requests get upstream invoke IDs, their answers, and a timeout when the PBX stays silent", async () => {
  const { clock, conns, link } = setup();
  await link.start();
  await associate(conns[0]);
  const first = link.request(encodeInvoke(77, Opcode.answerCall, hex("30 00")));
  const second = link.request(encodeInvoke(77, Opcode.holdCall, hex("30 00")));
  await tick();
  const sent = conns[0].fromLink.slice(2).map((apdu) =>
    peekApdu(apdu) as { invokeId: number; opcode: number }
  );
  assert.deepEqual(sent.map((p) => [p.invokeId, p.opcode]), [[1, Opcode.answerCall], [2, Opcode.holdCall]]);
  conns[0].send(encodeReturnResult(1, { opcode: Opcode.answerCall, value: NO_DATA }));
  const answer = await first;
  assert.equal(answer.kind, "answer");
  clock.advance(10_000);
  assert.deepEqual(await second, { kind: "timeout" });
  await link.stop();
});

Deno.test("RLRQ from the PBX is confirmed with RLRE and counts as a loss; pending requests end with linkDown", async () => {
  const { conns, journal, link } = setup();
  await link.start();
  await associate(conns[0]);
  const pending = link.request(encodeInvoke(1, Opcode.clearCall, hex("30 00")));
  await tick();
  conns[0].send(hex("62 03 80 01 00"));
  await tick();
  assert.deepEqual(await pending, { kind: "linkDown" });
  assert.equal(journal.at(-1), "lost: the PBX released the association");
  assert.ok(conns[0].fromLink.some((apdu) => toHex(apdu) === "63 03 80 01 00"));
  await link.stop();
});

Deno.test("events and a change of the PBX's SystemStatus are passed on; repeated normal heartbeats are not", async () => {
  const { conns, frames, link } = setup();
  await link.start();
  await associate(conns[0]);
  conns[0].send(hex("A1 0C 02 01 05 02 02 00 D3 30 03 0A 01 04"));
  conns[0].send(hex("A1 10 02 01 06 02 01 15 30 08 55 04 00 00 00 01 A0 00"));
  await tick();
  assert.deepEqual(frames.map((f) => (f as { opcode: number }).opcode), [
    Opcode.systemStatus,
    Opcode.cSTAEventReport,
  ]);
  // Back to normal is a change and passes; the next normal heartbeats are not.
  conns[0].send(hex("A1 0C 02 01 07 02 02 00 D3 30 03 0A 01 02"));
  conns[0].send(hex("A1 0C 02 01 08 02 02 00 D3 30 03 0A 01 02"));
  await tick();
  assert.deepEqual(frames.map((f) => (f as { invokeId: number }).invokeId), [5, 6, 7]);
  await link.stop();
});

Deno.test("a Reject of one of our answers (PBX ID space) never fails our own request with the same ID", async () => {
  const { conns, link } = setup();
  await link.start();
  await associate(conns[0]);
  const pending = link.request(encodeInvoke(9, Opcode.monitorStart, hex("30 05 30 03 80 01 31")));
  await tick();
  // Our request went out as invoke 1; the PBX now rejects "our ReturnResult to its invoke 1".
  conns[0].send(hex("A4 06 02 01 01 82 01 01"));
  conns[0].send(
    encodeReturnResult(1, { opcode: Opcode.monitorStart, value: hex("30 06 55 04 00 00 00 07") }),
  );
  const outcome = await pending;
  assert.equal(outcome.kind, "answer");
  assert.equal((outcome as { peek: { kind: string } }).peek.kind, "returnResult");
  await link.stop();
});

Deno.test("a late answer to a timed-out request goes to its late handler, and its invoke ID is not reused meanwhile", async () => {
  const { clock, conns, link } = setup();
  await link.start();
  await associate(conns[0]);
  const late: number[] = [];
  const slow = link.request(encodeInvoke(1, Opcode.monitorStart, hex("30 05 30 03 80 01 31")), {
    onLateAnswer: (_apdu, peek) => late.push((peek as { invokeId: number }).invokeId),
  });
  clock.advance(10_000);
  assert.deepEqual(await slow, { kind: "timeout" });
  assert.equal(link.status().details!.lateAnswersAwaited, 1);
  const next = link.request(encodeInvoke(2, Opcode.answerCall, hex("30 00")));
  await tick();
  const ids = conns[0].fromLink.slice(2).map((apdu) => (peekApdu(apdu) as { invokeId: number }).invokeId);
  assert.deepEqual(ids, [1, 2], "the newer request does not get the late one's ID");

  conns[0].send(
    encodeReturnResult(1, { opcode: Opcode.monitorStart, value: hex("30 06 55 04 00 00 00 07") }),
  );
  conns[0].send(encodeReturnResult(2, { opcode: Opcode.answerCall, value: NO_DATA }));
  assert.equal((await next).kind, "answer");
  assert.deepEqual(late, [1]);
  const details = link.status().details!;
  assert.deepEqual([details.lateAnswers, details.lateAnswersAwaited], [1, 0]);
  await link.stop();
});

Deno.test("connect now ends the back-off wait at once; while up or connecting it does nothing", async () => {
  let refuse = true;
  const conns: FakePbxConn[] = [];
  const { clock, link } = setup(() => {
    if (refuse) return Promise.reject(new Deno.errors.ConnectionRefused("connection refused"));
    const conn = new FakePbxConn();
    conns.push(conn);
    return Promise.resolve(conn as unknown as Deno.Conn);
  });
  assert.deepEqual(link.connectNow(), { kind: "notRunning" });
  await link.start();
  for (let i = 0; i < 7; i++) {
    await tick();
    clock.advance(60_000);
  }
  await tick();
  // Seven failures: the next try waits the longest back-off (60 s).
  const waiting = link.status().details!;
  assert.equal(waiting.state, "disconnected");
  assert.ok(waiting.nextRetryAt && Date.parse(waiting.nextRetryAt) - clock.now() >= 30_000);
  refuse = false;
  assert.deepEqual(link.connectNow(), { kind: "connecting" });
  await tick();
  assert.equal(conns.length, 1, "connected without the clock moving");
  assert.equal(link.state, "associating");
  assert.deepEqual(link.connectNow(), { kind: "inProgress", state: "associating" });
  await associate(conns[0]);
  assert.deepEqual(link.connectNow(), { kind: "alreadyUp" });
  assert.equal(clock.pendingTimers, 1, "the cleared back-off timer is gone; only liveness remains");
  await link.stop();
});
