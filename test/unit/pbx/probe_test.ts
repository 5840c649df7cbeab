import assert from "node:assert/strict";
import { probePbx } from "../../../src/pbx/probe.ts";
import { bytesHex, exampleFrame, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";

/** A PBX on the other end of an in-memory connection: answers each frame written with `reply`. */
class ScriptedConn {
  written: Uint8Array[] = [];
  closed = false;
  #toRead: Uint8Array[] = [];
  #wake?: () => void;
  constructor(
    private readonly reply: (frame: Uint8Array, index: number) => Uint8Array | "close" | "silence",
  ) {}

  write(bytes: Uint8Array): Promise<number> {
    this.written.push(bytes.slice());
    const answer = this.reply(bytes, this.written.length - 1);
    if (answer === "close") this.close();
    else if (answer !== "silence") this.#push(answer);
    return Promise.resolve(bytes.length);
  }
  read(buffer: Uint8Array): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (this.closed) return this.#toRead.length ? deliver() : resolve(null);
        if (this.#toRead.length) return deliver();
        this.#wake = attempt;
      };
      const deliver = () => {
        const next = this.#toRead.shift()!;
        buffer.set(next);
        resolve(next.length);
      };
      void reject;
      attempt();
    });
  }
  close(): void {
    this.closed = true;
    this.#wake?.();
  }
  #push(bytes: Uint8Array): void {
    this.#toRead.push(bytes);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

const connectTo = (conn: ScriptedConn) => () => Promise.resolve(conn as unknown as Deno.Conn);
const aareAccepted = exampleFrame(protocolExample("AARE accepted"));
const rlre = hexBytes("00 05 63 03 80 01 00");
const systemStatus = exampleFrame(protocolExample("SystemStatus normal from the PBX"));

Deno.test("a PBX that accepts the association: connect, associate (the §14.1 AARQ sent), release; every step ok", async () => {
  const conn = new ScriptedConn((_, i) => i === 0 ? aareAccepted : concat(systemStatus, rlre));
  const report = await probePbx({ host: "192.0.2.10", port: 33333 }, { connect: connectTo(conn) });
  assert.equal(report.ok, true, report.summary);
  assert.equal(report.summary, "The PBX at 192.0.2.10:33333 accepted a CSTA association.");
  assert.deepEqual(report.steps.map((s) => [s.step, s.ok]), [["connect", true], ["associate", true], [
    "release",
    true,
  ]]);
  assert.match(report.steps[2].detail, /association released/);
  assert.equal(bytesHex(conn.written[0]), bytesHex(exampleFrame(protocolExample("AARQ Panasonic form"))));
  assert.equal(bytesHex(conn.written[1]), "00 05 62 03 80 01 00", "a normal RLRQ");
  assert.ok(conn.closed);
});

Deno.test("a refused connection, a refused association and a port that speaks something else are each named", async () => {
  const refused = await probePbx({ host: "192.0.2.10", port: 33333 }, {
    connect: () => Promise.reject(new Deno.errors.ConnectionRefused("Connection refused (os error 111)")),
  });
  assert.equal(refused.ok, false);
  assert.equal(refused.steps[0].step, "connect");
  assert.match(refused.steps[0].detail, /connection refused: nothing listens on port 33333/);

  // §2.3 [D]: rejected-permanent with acse-service-user diagnostic 13.
  const rejected = new ScriptedConn(() =>
    hexBytes("00 1B 61 19 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 01 A3 05 A1 03 02 01 0D")
  );
  const no = await probePbx({ host: "192.0.2.10", port: 33333 }, { connect: connectTo(rejected) });
  assert.equal(no.ok, false);
  assert.match(no.steps[1].detail, /association refused \(rejectedPermanent/);

  const http = new ScriptedConn(() => new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
  const wrongPort = await probePbx({ host: "192.0.2.10", port: 80 }, { connect: connectTo(http) });
  assert.equal(wrongPort.ok, false);
  assert.match(
    wrongPort.steps[1].detail,
    /the answer is not a CSTA association answer \(starts 48 54 54 50 2F 31\): is this the CTI port\?/,
  );

  const hangUp = await probePbx({ host: "192.0.2.10", port: 33333 }, {
    connect: connectTo(new ScriptedConn(() => "close")),
  });
  assert.match(hangUp.steps[1].detail, /closed the connection without answering/);
});

Deno.test("silence after the AARQ is reported as a port that does not speak CSTA, within the step time limit", async () => {
  const silent = new ScriptedConn(() => "silence");
  const report = await probePbx({ host: "192.0.2.10", port: 33333, timeoutMs: 50 }, {
    connect: connectTo(silent),
  });
  assert.equal(report.ok, false);
  assert.match(report.steps[1].detail, /no answer to the association request within 0\.05 s/);
  assert.ok(silent.closed, "the connection is closed");
});

Deno.test("a host name is resolved first, and an unknown name stops there; no host at all is said plainly", async () => {
  const unknown = await probePbx({ host: "pbx.invalid", port: 33333 }, {
    resolve: () => Promise.reject(new Error("no such name")),
    connect: () => Promise.reject(new Error("must not be called")),
  });
  assert.deepEqual(unknown.steps.map((s) => s.step), ["resolve"]);
  assert.match(unknown.steps[0].detail, /the name pbx\.invalid is not known/);
  const none = await probePbx({ host: "", port: 33333 });
  assert.match(none.summary, /No PBX host is set/);
});

Deno.test("a name the resolver does not know is said in plain words, not in the resolver's debug text", async () => {
  const debugText =
    'proto error: no records found for Query { name: Name("pbx.invalid."), query_type: A, query_class: IN }';
  const report = await probePbx({ host: "pbx.invalid", port: 33333 }, {
    resolveDns: () => Promise.reject(new Deno.errors.NotFound(debugText)),
    connect: () => Promise.reject(new Error("must not be called")),
  });
  assert.equal(report.steps[0].detail, "the name pbx.invalid is not known (no DNS record for it)");
  const silent = await probePbx({ host: "pbx.example", port: 33333 }, {
    resolveDns: () => Promise.reject(new Error("proto error: io error: Connection refused (os error 111)")),
    connect: () => Promise.reject(new Error("must not be called")),
  });
  assert.equal(
    silent.steps[0].detail,
    "the name pbx.example is not known (the name server did not answer: Connection refused)",
  );
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
