import assert from "node:assert/strict";
import { join } from "node:path";
import { CstaUsers } from "../../../src/accounts/csta_users.ts";
import { LoginThrottle } from "../../../src/accounts/login_throttle.ts";
import { type PasswordCheckLimits, PasswordChecks } from "../../../src/accounts/password_checks.ts";
import {
  encodeAarq,
  encodeLoginAarq,
  PANASONIC_APPLICATION_CONTEXT,
  panasonicAarq,
  PROTOCOL_VERSION_1,
} from "../../../src/csta/acse.ts";
import { concatBytes, constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { encodeFrame } from "../../../src/csta/framing.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { Logger } from "../../../src/log/logger.ts";
import { AllowList } from "../../../src/net/allow_list.ts";
import type { Upstream, UpstreamOutcome } from "../../../src/pbx/upstream.ts";
import { type AcceptingListener, CstaListener } from "../../../src/server/csta_listener.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { systemStatusInvoke } from "../../../src/csta/system_services.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { selfSignedForLocalhost } from "../../support/openssl_certificate.ts";
import { asn1parse } from "../../support/openssl_asn1parse.ts";
import { hex, RawCstaPeer, toHex } from "../../support/raw_csta_peer.ts";

/** Answers every request at once with a result; MonitorStart gets crossRef 00000001. */
class InstantPbx implements Upstream {
  ready = true;
  #id = 1;
  /** Every invoke the Switchboard sent, in order. */
  requests: Uint8Array[] = [];
  /** While set, requests wait for `release()`: they stay in flight. */
  holding = false;
  #held: (() => void)[] = [];
  release(): void {
    for (const go of this.#held.splice(0)) go();
  }
  async request(invoke: Uint8Array): Promise<UpstreamOutcome> {
    this.requests.push(invoke.slice());
    if (this.holding) await new Promise<void>((resolve) => this.#held.push(resolve));
    const opcode = (peekApdu(invoke) as { opcode: number }).opcode;
    const value = opcode === Opcode.monitorStart ? constructed(0x30, [tlv(0x55, hex("00000001"))]) : NO_DATA;
    const apdu = encodeReturnResult(this.#id++, { opcode, value });
    return { kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek };
  }
  send(): boolean {
    return true;
  }
}

const AARE_ACCEPTED = hex(
  "61 2F 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 00 A3 05 A1 03 02 01 01 BE 14 28 12 06 07 2B 0C 00 82 1D 81 48 A0 07 A0 05 03 03 00 08 00",
);
const AARE_BAD_LOGIN = hex(
  "61 19 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 01 A3 05 A1 03 02 01 0D",
);
const AARE_LOGIN_REQUIRED = hex(
  "61 19 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 01 A3 05 A1 03 02 01 0E",
);
/** ABRT from the acse-service-provider with abort-diagnostic protocol-error (X.227 ABRT-diagnostic 2). */
const ABRT_PROTOCOL_ERROR = hex("64 06 80 01 01 81 01 02");
const SYSTEM_STATUS_NORMAL_ID_1 = hex("A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02");

interface Harness {
  board: Switchboard;
  pbx: InstantPbx;
  tcp: CstaListener;
  tls: CstaListener;
  caCerts: string[];
  close(): Promise<void>;
}

async function harness(
  options: {
    ctiApplications?: number;
    queueBytes?: number;
    loginsPerMinute?: number;
    /** Password checks at once and waiting (default the product's 1 and 16). */
    passwordChecks?: PasswordCheckLimits;
    /** Records each setNoDelay call on the accepted plain TCP connections. */
    noDelayCalls?: (boolean | undefined)[];
    frameCompletionSeconds?: number;
    malformedFramesBeforeClose?: number;
    /** Receives every log line. */
    logLines?: string[];
    /** cstaServer.tcpAllowedSources. */
    tcpAllowedSources?: string[];
  } = {},
): Promise<Harness> {
  const db = openDatabase(join(await Deno.makeTempDir(), "t.db"));
  const checks = options.passwordChecks;
  const users = new CstaUsers(() => db, 1000, new PasswordChecks(checks && (() => checks)));
  await users.ensureDefault("admin");
  const log = new Logger("test", { sink: (line) => options.logLines?.push(line) });
  const pbx = new InstantPbx();
  const board = new Switchboard({
    upstream: pbx,
    log,
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: options.ctiApplications ?? 1000,
      requestsInFlightPerApplication: 64,
      malformedFramesBeforeClose: options.malformedFramesBeforeClose ?? 10,
    }),
  });
  const cert = await selfSignedForLocalhost();
  const throttle = new LoginThrottle(() => options.loginsPerMinute ?? 10);
  const common = {
    switchboard: board,
    users,
    throttle,
    log,
    limits: () => ({
      maxFrameBytes: 65535,
      outboundQueueBytes: options.queueBytes ?? 1 << 20,
      drainTimeoutSeconds: 5,
      writeCoalesceMs: 0,
      frameCompletionSeconds: options.frameCompletionSeconds ?? 30,
    }),
  };
  const tcp = new CstaListener({
    ...common,
    name: "csta-tcp",
    transport: "tcp",
    listen: () => recordingNoDelay(Deno.listen({ hostname: "127.0.0.1", port: 0 }), options.noDelayCalls),
    loginRequired: () => false,
    allowedSources: () => AllowList.parse(options.tcpAllowedSources ?? [], "cstaServer.tcpAllowedSources"),
  });
  const tls = new CstaListener({
    ...common,
    name: "csta-tls",
    transport: "tls",
    listen: () => Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: cert.certPem, key: cert.keyPem }),
    loginRequired: () => true,
  });
  await tcp.start();
  await tls.start();
  return {
    board,
    pbx,
    tcp,
    tls,
    caCerts: [cert.certPem],
    async close() {
      await tcp.stop();
      await tls.stop();
      db.close();
    },
  };
}

const portOf = (listener: CstaListener) => listener.status().listeners![0].port;

function recordingNoDelay(listener: Deno.TcpListener, calls?: (boolean | undefined)[]): AcceptingListener {
  if (!calls) return listener;
  return {
    addr: listener.addr,
    close: () => listener.close(),
    async accept() {
      const conn = await listener.accept();
      const original = conn.setNoDelay.bind(conn);
      conn.setNoDelay = (noDelay?: boolean) => {
        calls.push(noDelay);
        original(noDelay);
      };
      return conn;
    },
  };
}

Deno.test("plain TCP without login gets the Panasonic AARE bytes, then SystemStatus(normal) with invoke ID 1", async () => {
  const h = await harness();
  const app = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    await app.send(panasonicAarq());
    const [aare, status] = await app.waitFor(2);
    assert.equal(toHex(aare), toHex(AARE_ACCEPTED));
    assert.equal(toHex(status), toHex(SYSTEM_STATUS_NORMAL_ID_1));
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("plain TCP applications are served without Nagle's algorithm, so events are not held for ACKs", async () => {
  const noDelayCalls: (boolean | undefined)[] = [];
  const h = await harness({ noDelayCalls });
  const app = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    await app.send(panasonicAarq());
    await app.waitFor(2);
    assert.deepEqual(noDelayCalls, [true]);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("TLS with a wrong password is refused with diagnostic 13; with the right one it works", async () => {
  const h = await harness();
  const wrong = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
  const right = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
  try {
    await wrong.send(encodeLoginAarq("admin", "guess"));
    const [refusal] = await wrong.waitFor(1);
    assert.equal(toHex(refusal), toHex(AARE_BAD_LOGIN));
    await wrong.waitClosed();

    await right.send(encodeLoginAarq("admin", "admin"));
    const [aare] = await right.waitFor(2);
    assert.equal(toHex(aare), toHex(AARE_ACCEPTED));
    assert.equal(h.board.sessions()[0].info.user, "admin");
    assert.equal(h.board.sessions()[0].info.transport, "tls");
  } finally {
    wrong.close();
    right.close();
    await h.close();
  }
});

Deno.test("TLS without credentials is refused with diagnostic 14 (authentication-required), as X.227 names it", async () => {
  const h = await harness();
  const app = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
  try {
    await app.send(panasonicAarq());
    const [refusal] = await app.waitFor(1);
    assert.equal(toHex(refusal), toHex(AARE_LOGIN_REQUIRED));
    // read by openssl, not by cstabox's codec: rejected-permanent (1), acse-service-user [1] 14
    assert.deepEqual((await asn1parse(refusal)).slice(4), [
      "  cont [ 2 ]",
      "    INTEGER :01",
      "  cont [ 3 ]",
      "    cont [ 1 ]",
      "      INTEGER :0E",
    ]);
    await app.waitClosed();
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("TLS with a login that has a name but no password is refused with diagnostic 13, not 14", async () => {
  const h = await harness();
  const app = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
  try {
    await app.send(encodeAarq({
      protocolVersion: PROTOCOL_VERSION_1,
      applicationContextName: PANASONIC_APPLICATION_CONTEXT,
      callingAuthenticationValue: hex("A3 07 80 05 61 64 6D 69 6E"),
    }));
    const [refusal] = await app.waitFor(1);
    assert.equal(toHex(refusal), toHex(AARE_BAD_LOGIN));
    await app.waitClosed();
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("after too many failed logins from an address even the right password is refused for a while", async () => {
  const h = await harness({ loginsPerMinute: 2 });
  try {
    for (const password of ["a", "b", "admin"]) {
      const app = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
      await app.send(encodeLoginAarq("admin", password));
      const [answer] = await app.waitFor(1);
      assert.equal(toHex(answer), toHex(AARE_BAD_LOGIN), `password ${password}`);
      app.close();
    }
    assert.equal(h.tls.status().details?.loginFailed, 3);
  } finally {
    await h.close();
  }
});

Deno.test("a throttled address's refused CSTA logins are logged once with their count, not one line each", async () => {
  const logLines: string[] = [];
  const h = await harness({ loginsPerMinute: 2, logLines });
  try {
    for (const password of ["a", "b", "c", "d", "e", "admin"]) {
      const app = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
      await app.send(encodeLoginAarq("admin", password));
      const [answer] = await app.waitFor(1);
      assert.equal(toHex(answer), toHex(AARE_BAD_LOGIN), `password ${password}`);
      app.close();
    }
    const throttled = logLines.filter((line) => /too many failed/.test(line));
    assert.equal(throttled.length, 1, throttled.join("\n"));
    assert.match(throttled[0], /CSTA login refused: too many failed attempts/);
    assert.match(throttled[0], /count.{0,3}1/);
    assert.equal(h.tls.status().details?.loginFailed, 6, "every refusal is still counted");
  } finally {
    await h.close();
  }
});

Deno.test("CSTA logins refused as busy count against the address: a flooding address is then throttled", async () => {
  const h = await harness({ loginsPerMinute: 3, passwordChecks: { atOnce: 1, waiting: 0 } });
  const apps: RawCstaPeer[] = [];
  try {
    // Three at once: one is checked (wrong), two find the checks busy.
    for (let i = 0; i < 3; i++) apps.push(await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts }));
    await Promise.all(apps.map((app, i) => app.send(encodeLoginAarq("admin", `guess${i}`))));
    await Promise.all(apps.map((app) => app.waitFor(1)));
    // Three failures from this address: even the right password is refused now (before, busy answers were
    // not counted and the flood kept the queue full for everyone).
    const right = await RawCstaPeer.connect(portOf(h.tls), { caCerts: h.caCerts });
    apps.push(right);
    await right.send(encodeLoginAarq("admin", "admin"));
    const [answer] = await right.waitFor(1);
    assert.equal(toHex(answer), toHex(AARE_BAD_LOGIN));
  } finally {
    for (const app of apps) app.close();
    await h.close();
  }
});

Deno.test("past the CTI application limit a new application is refused (rejected-transient) and the others stay", async () => {
  const h = await harness({ ctiApplications: 1 });
  const first = await RawCstaPeer.connect(portOf(h.tcp));
  const second = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    await first.send(panasonicAarq());
    await first.waitFor(2);
    await second.send(panasonicAarq());
    const [refusal] = await second.waitFor(1);
    assert.equal(refusal[0], 0x61);
    assert.match(toHex(refusal), /A2 03 02 01 02/, "result rejected-transient (2)");
    await second.waitClosed();
    assert.equal(h.board.sessions().length, 1);
    assert.equal(h.tcp.status().details?.refused, 1);
  } finally {
    first.close();
    second.close();
    await h.close();
  }
});

Deno.test("a burst of 2,000 requests in one write and a 40 KB frame are each answered once, in order", async () => {
  const h = await harness();
  const app = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    await app.send(panasonicAarq());
    await app.waitFor(2);
    // SystemStatus is answered by cstabox itself, so the burst is not held back by requests in flight.
    const burst = Array.from({ length: 2000 }, (_, i) => systemStatusInvoke(i + 1, "normal"));
    const escape = encodeInvoke(2001, Opcode.escape, constructed(0x30, [tlv(0x04, new Uint8Array(40_000))]));
    await app.sendBytes(concatBytes([...burst, escape].map((apdu) => encodeFrame(apdu))));
    const answers = (await app.waitFor(2 + 2001, 10_000)).slice(2).map((apdu) => peekApdu(apdu) as ApduPeek);
    assert.deepEqual(answers.map((answer) => answer.kind === "returnResult" && answer.invokeId), [
      ...Array.from({ length: 2001 }, (_, i) => i + 1),
    ]);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("10,000 garbage frames from one application close it and leave another untouched", async () => {
  const h = await harness();
  const bad = await RawCstaPeer.connect(portOf(h.tcp));
  const good = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    for (const app of [bad, good]) {
      await app.send(panasonicAarq());
      await app.waitFor(2);
    }
    const garbage = new Uint8Array(10_000 * 6);
    for (let i = 0; i < 10_000; i++) garbage.set([0x00, 0x04, 0xa1, 0x05, 0x02, i & 0xff], i * 6);
    await bad.sendBytes(garbage).catch(() => {}); // the server may close mid-way
    await bad.waitClosed();
    await good.send(encodeInvoke(5, Opcode.systemStatus, hex("30 03 0A 01 02")));
    const answers = await good.waitFor(3);
    assert.equal(toHex(answers[2]), toHex(hex("A2 0B 02 01 05 30 06 02 02 00 D3 05 00")));
    assert.equal(h.board.sessions().length, 1);
  } finally {
    bad.close();
    good.close();
    await h.close();
  }
});

Deno.test("an application that stops reading is disconnected at its queue limit while another receives every event", async () => {
  const h = await harness({ queueBytes: 256 * 1024 });
  const stalled = await RawCstaPeer.connect(portOf(h.tcp));
  const reader = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    for (const app of [stalled, reader]) {
      await app.send(panasonicAarq());
      await app.waitFor(2);
      await app.send(encodeInvoke(2, Opcode.monitorStart, hex("30 05 30 03 80 01 31")));
      await app.waitFor(3);
    }
    // The stalled peer stops reading: its kernel buffers fill, then its queue at cstabox.
    stalled.stopReading();
    const event = encodeInvoke(
      1,
      Opcode.cSTAEventReport,
      constructed(0x30, [tlv(0x55, hex("00000001")), tlv(0x04, new Uint8Array(1000))]),
    );
    const total = 10_000;
    for (let sent = 0; sent < total;) {
      for (let i = 0; i < 50; i++, sent++) h.board.fromPbx(event, peekApdu(event) as ApduPeek);
      h.board.pbxFramesEnd();
      await reader.waitFor(3 + sent, 10_000);
    }
    assert.equal(reader.received.length, 3 + total);
    assert.equal(h.board.sessions().length, 1, "the stalled application was disconnected");
    assert.equal(h.tcp.status().details?.droppedSlow, 1);
  } finally {
    stalled.close();
    reader.close();
    await h.close();
  }
});

Deno.test("RLRQ from an application is answered with RLRE and the association ends", async () => {
  const h = await harness();
  const app = await RawCstaPeer.connect(portOf(h.tcp));
  try {
    await app.send(panasonicAarq());
    await app.waitFor(2);
    await app.send(hex("62 03 80 01 00"));
    const answers = await app.waitFor(3);
    assert.equal(toHex(answers[2]), "63 03 80 01 00");
    await app.waitClosed();
    assert.equal(h.board.sessions().length, 0);
  } finally {
    app.close();
    await h.close();
  }
});

/** Associates a raw peer on the plain TCP listener and reads the AARE and the greeting SystemStatus. */
async function associated(h: Harness): Promise<RawCstaPeer> {
  const app = await RawCstaPeer.connect(portOf(h.tcp));
  await app.send(panasonicAarq());
  await app.waitFor(2);
  return app;
}

Deno.test("a frame trickled at one byte per interval is cut at limits.frameCompletionSeconds, logged and counted", async () => {
  const logLines: string[] = [];
  const h = await harness({ frameCompletionSeconds: 1, logLines });
  const app = await associated(h);
  try {
    const started = Date.now();
    // A 100-byte frame at one byte per 100 ms would take 10 s; the limit is 1 s.
    const frame = encodeFrame(
      encodeInvoke(9, Opcode.escape, constructed(0x30, [tlv(0x04, new Uint8Array(88))])),
    );
    for (let i = 0; i < frame.length && !app.closed; i++) {
      await app.sendBytes(frame.subarray(i, i + 1)).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await app.waitClosed();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5000, `closed after ${elapsed} ms`);
    assert.equal(h.tcp.status().details?.closedIncompleteFrame, 1);
    assert.ok(logLines.some((line) => /frame not completed within 1 s/.test(line)), logLines.join("\n"));
    assert.equal(h.board.sessions().length, 0);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("a 65,535-byte frame that is never finished is cut at limits.frameCompletionSeconds", async () => {
  const h = await harness({ frameCompletionSeconds: 1 });
  const app = await associated(h);
  try {
    await app.sendBytes(concatBytes([hex("FF FF A1 83 00 FF FB"), new Uint8Array(60_000)]));
    await app.waitClosed(5000);
    assert.equal(h.tcp.status().details?.closedIncompleteFrame, 1);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("frames completed in time are never cut, however long the connection lives", async () => {
  const h = await harness({ frameCompletionSeconds: 1 });
  const app = await associated(h);
  try {
    // Each SystemStatus arrives in two halves 300 ms apart, for 2 s: the timer restarts with each frame.
    for (let i = 0; i < 6; i++) {
      const frame = encodeFrame(encodeInvoke(10 + i, Opcode.systemStatus, hex("30 03 0A 01 02")));
      await app.sendBytes(frame.subarray(0, 5));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await app.sendBytes(frame.subarray(5));
    }
    await app.waitFor(2 + 6);
    assert.equal(app.closed, false);
    assert.equal(h.tcp.status().details?.closedIncompleteFrame, 0);
  } finally {
    app.close();
    await h.close();
  }
});

for (
  const [what, first] of [
    ["an invoke before the AARQ", encodeInvoke(1, Opcode.systemStatus, hex("30 03 0A 01 02"))],
    ["an AARQ that cannot be read (its OID cut short)", hex("60 05 A1 03 06 01 81")],
    ["an AARE instead of an AARQ", AARE_ACCEPTED],
    ["an APDU of no known kind", hex("30 03 02 01 01")],
  ] as const
) {
  Deno.test(`${what} is answered with ABRT (provider, protocol-error), not a bare close`, async () => {
    const logLines: string[] = [];
    const h = await harness({ logLines });
    const app = await RawCstaPeer.connect(portOf(h.tcp));
    try {
      await app.send(first);
      const [abort] = await app.waitFor(1);
      assert.equal(toHex(abort), toHex(ABRT_PROTOCOL_ERROR));
      assert.deepEqual(await asn1parse(abort), ["appl [ 4 ]", "  cont [ 0 ] 01", "  cont [ 1 ] 02"]);
      await app.waitClosed();
      assert.equal(h.board.sessions().length, 0);
      assert.equal(h.tcp.status().details?.closedMalformed, 1);
      assert.ok(logLines.some((line) => /association aborted/.test(line)), logLines.join("\n"));
    } finally {
      app.close();
      await h.close();
    }
  });
}

// ---- ROSE as X.880 says (issue 18 defect 8), and the malformed-frame close (defect 7) -------------------

/** Sends one APDU and returns the next APDU cstabox answers with. */
async function answerTo(app: RawCstaPeer, apdu: Uint8Array): Promise<Uint8Array> {
  const before = app.received.length;
  await app.send(apdu);
  return (await app.waitFor(before + 1))[before];
}

/** A SystemStatus heartbeat from the application, always answered locally: proves nothing else came first. */
async function assertNothingElseQueued(app: RawCstaPeer): Promise<void> {
  const answer = await answerTo(app, encodeInvoke(999, Opcode.systemStatus, hex("30 03 0A 01 02")));
  assert.equal(toHex(answer), "A2 0C 02 02 03 E7 30 06 02 02 00 D3 05 00");
}

Deno.test("an APDU of unknown type inside the association gets Reject general/unrecognizedPDU", async () => {
  const h = await harness();
  const app = await associated(h);
  try {
    const reject = await answerTo(app, hex("30 03 02 01 05"));
    assert.equal(toHex(reject), "A4 05 05 00 80 01 00");
    assert.deepEqual(await asn1parse(reject), ["cont [ 4 ]", "  NULL", "  cont [ 0 ] 00"]);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("an invoke whose ID is readable but which has trailing bytes is rejected under that ID", async () => {
  const h = await harness();
  const app = await associated(h);
  try {
    const reject = await answerTo(app, hex("A1 0C 02 01 07 02 02 00 D3 30 03 0A 01 02 FF"));
    assert.equal(toHex(reject), "A4 06 02 01 07 80 01 02");
    assert.deepEqual(await asn1parse(reject), ["cont [ 4 ]", "  INTEGER :07", "  cont [ 0 ] 02"]);
    assert.equal(h.pbx.requests.length, 0);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("answers for an invoke cstabox never sent get Reject unrecognizedInvocation; a Reject is not rejected", async () => {
  const h = await harness();
  const app = await associated(h);
  try {
    // The greeting SystemStatus (ID 1) is answered once, correctly: nothing comes back.
    await app.send(hex("A2 0B 02 01 01 30 06 02 02 00 D3 05 00"));
    await assertNothingElseQueued(app);
    // The same answer again, and answers for ID 500 that was never sent.
    const again = await answerTo(app, hex("A2 0B 02 01 01 30 06 02 02 00 D3 05 00"));
    assert.equal(toHex(again), "A4 06 02 01 01 82 01 00");
    const result = await answerTo(app, hex("A2 0C 02 02 01 F4 30 06 02 02 00 D3 05 00"));
    assert.equal(toHex(result), "A4 07 02 02 01 F4 82 01 00");
    assert.deepEqual(await asn1parse(result), ["cont [ 4 ]", "  INTEGER :01F4", "  cont [ 2 ] 00"]);
    const error = await answerTo(app, hex("A3 0C 02 02 01 F4 02 01 01 A0 03 0A 01 01"));
    assert.equal(toHex(error), "A4 07 02 02 01 F4 83 01 00");
    assert.deepEqual(await asn1parse(error), ["cont [ 4 ]", "  INTEGER :01F4", "  cont [ 3 ] 00"]);
    // X.880 defines no problem for a Reject; answering one could loop between two peers.
    await app.send(hex("A4 07 02 02 01 F4 82 01 00"));
    await assertNothingElseQueued(app);
    assert.equal(h.pbx.requests.length, 0);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("an invoke ID already in flight from the same application gets Reject invoke/duplicateInvocation", async () => {
  const h = await harness();
  const app = await associated(h);
  const other = await associated(h);
  try {
    h.pbx.holding = true;
    const makeCall = encodeInvoke(9, Opcode.makeCall, hex("30 06 80 01 31 80 01 32"));
    await app.send(makeCall);
    const duplicate = await answerTo(app, makeCall);
    assert.equal(toHex(duplicate), "A4 06 02 01 09 81 01 00");
    assert.deepEqual(await asn1parse(duplicate), ["cont [ 4 ]", "  INTEGER :09", "  cont [ 1 ] 00"]);
    // The same ID from another application is its own.
    await other.send(makeCall);
    await waitUntilRequests(h, 2);
    h.pbx.release();
    const [answer] = (await app.waitFor(4)).slice(3);
    assert.equal(answer[0], 0xa2, "the first MakeCall is answered");
    // Once answered, the ID may be used again.
    await app.send(makeCall);
    await waitUntilRequests(h, 3);
    h.pbx.release();
    assert.equal((await app.waitFor(5))[4][0], 0xa2);
  } finally {
    app.close();
    other.close();
    await h.close();
  }
});

async function waitUntilRequests(h: Harness, count: number): Promise<void> {
  for (let i = 0; i < 200 && h.pbx.requests.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(h.pbx.requests.length, count);
}

for (
  const [name, opcode, argument] of [
    ["EventReport (21)", Opcode.cSTAEventReport, "30 05 55 03 00 00 01"],
    ["SystemRegisterAbort (208)", Opcode.systemRegisterAbort, "30 02 04 00"],
    ["SwitchingFunctionCapabilitiesChanged (212)", Opcode.swFunctionCapsChanged, "30 00"],
    ["SwitchingFunctionDevicesChanged (213)", Opcode.swFunctionDevicesChanged, "30 00"],
    ["CallDetailRecordsReport (361)", Opcode.cDRReport, "30 03 04 01 01"],
  ] as const
) {
  Deno.test(`${name} sent by an application gets Reject invoke/unrecognizedOperation, not the PBX`, async () => {
    const h = await harness();
    const app = await associated(h);
    try {
      const reject = await answerTo(app, encodeInvoke(12, opcode, hex(argument)));
      assert.equal(toHex(reject), "A4 06 02 01 0C 81 01 01");
      assert.deepEqual(await asn1parse(reject), ["cont [ 4 ]", "  INTEGER :0C", "  cont [ 1 ] 01"]);
      assert.equal(h.pbx.requests.length, 0);
    } finally {
      app.close();
      await h.close();
    }
  });
}

Deno.test("malformed frames in one segment: every promised Reject arrives, then the close, counted as closedMalformed", async () => {
  const logLines: string[] = [];
  const h = await harness({ malformedFramesBeforeClose: 5, logLines });
  const app = await associated(h);
  try {
    const garbage = Array.from({ length: 5 }, (_, i) => encodeFrame(hex(`A1 05 02 0${i + 1}`)));
    await app.sendBytes(concatBytes(garbage));
    await app.waitClosed();
    const rejects = app.received.slice(2).map(toHex);
    assert.deepEqual(rejects, Array(5).fill("A4 05 05 00 80 01 02"));
    assert.equal(h.tcp.status().details?.closedMalformed, 1);
    assert.ok(logLines.some((line) => /5 malformed frames in a row/.test(line)), logLines.join("\n"));
    assert.equal(h.board.sessions().length, 0);
  } finally {
    app.close();
    await h.close();
  }
});

Deno.test("plain TCP from a source address not in cstaServer.tcpAllowedSources is closed unanswered and counted; an allowed one is served", async () => {
  const logLines: string[] = [];
  const refusing = await harness({ tcpAllowedSources: ["192.0.2.0/24"], logLines });
  const allowing = await harness({ tcpAllowedSources: ["192.0.2.0/24", "127.0.0.0/8"] });
  const outsider = await RawCstaPeer.connect(portOf(refusing.tcp));
  const insider = await RawCstaPeer.connect(portOf(allowing.tcp));
  try {
    await outsider.send(panasonicAarq()).catch(() => {});
    await outsider.waitClosed();
    assert.equal(outsider.received.length, 0, "no AARE, nothing at all");
    assert.equal(refusing.board.sessions().length, 0);
    assert.equal(refusing.tcp.status().details?.refusedSource, 1);
    assert.deepEqual(refusing.tcp.status().details?.allowedSources, ["192.0.2.0/24"]);
    assert.ok(
      logLines.some((l) => l.includes("not in cstaServer.tcpAllowedSources") && l.includes("127.0.0.1")),
    );

    await insider.send(panasonicAarq());
    const [aare] = await insider.waitFor(2);
    assert.equal(toHex(aare), toHex(AARE_ACCEPTED));
    assert.equal(allowing.tcp.status().details?.refusedSource, 0);
  } finally {
    outsider.close();
    insider.close();
    await refusing.close();
    await allowing.close();
  }
});
