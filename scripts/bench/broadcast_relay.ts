// The fan-out baseline of the multiplexer bench: the least a CSTA fan-out can cost. One association to the
// PBX monitors the given devices; every application that connects is accepted, its MonitorStarts are
// answered with the PBX's crossRefs, and every EventReport is written to every application unchanged
// (no per-application invoke ID or crossRef, no filters, no limits), one write per connection per turn.
// Run as its own process, like cstabox, so both meet the same load generator:
//   deno run --allow-net scripts/bench/broadcast_relay.ts <pbx port> <device> [device ...]
// It prints `relay listening <port>` once the PBX monitors are started.

import { panasonicAareAccepted, panasonicAarq } from "../../src/csta/acse.ts";
import { concatBytes, constructed, tlv } from "../../src/csta/ber_writer.ts";
import { CstaDecodeError } from "../../src/csta/decode_error.ts";
import { encodeFrame, FrameReassembler } from "../../src/csta/framing.ts";
import { Opcode } from "../../src/csta/opcodes.ts";
import { peekApdu } from "../../src/csta/peek.ts";
import { sendAtOnce } from "../../src/net/no_delay.ts";
import { QueuedWriter } from "../../src/net/queued_writer.ts";
import { monitorStartAnswer, monitorStartInvoke } from "../../src/csta/monitoring.ts";
import { noDataAnswer } from "../../src/csta/rose.ts";
import { systemStatusInvoke } from "../../src/csta/system_services.ts";
import { readMonitorStart } from "../../src/csta/monitor_request.ts";

const [pbxPort, ...devices] = Deno.args;
if (!pbxPort || devices.length === 0) {
  console.error("usage: broadcast_relay.ts <pbx port> <device> [device ...]");
  Deno.exit(2);
}

/** The PBX's crossRef for each monitored device, keyed by the monitorObject element's bytes. */
const pbxXrefs = new Map<string, Uint8Array>();
const applications = new Set<QueuedWriter>();

const pbx = await Deno.connect({ hostname: "127.0.0.1", port: Number(pbxPort) });
sendAtOnce(pbx); // like cstabox's own connections
await pbx.write(encodeFrame(panasonicAarq()));
const monitorObjects = devices.map((d) => constructed(0x30, [tlv(0x80, new TextEncoder().encode(d))]));
const started = Promise.withResolvers<void>();
let associated = false;
void readFrames(pbx, (apdu) => {
  if (!associated) {
    associated = true; // the AARE; a refusal would leave the monitors unstarted and the bench waiting
    const starts = monitorObjects.map((object, i) => encodeFrame(monitorStartInvoke(i + 1, object)));
    void pbx.write(concatBytes(starts));
    return;
  }
  const peek = peekApdu(apdu);
  if (peek instanceof CstaDecodeError) return;
  if (peek.kind === "returnResult" && peek.opcode === Opcode.monitorStart && peek.crossRef) {
    pbxXrefs.set(monitorObjects[peek.invokeId - 1].toHex(), peek.crossRef.id.slice());
    if (pbxXrefs.size === devices.length) started.resolve();
  } else if (peek.kind === "invoke" && peek.opcode === Opcode.cSTAEventReport) {
    const frame = encodeFrame(apdu);
    for (const writer of applications) writer.enqueue(frame);
  } else if (peek.kind === "invoke") {
    void pbx.write(encodeFrame(noDataAnswer(peek.invokeId, peek.opcode)));
  }
});
await started.promise;

// Stopped by the bench with SIGTERM; exiting (rather than dying of it) lets `--cpu-prof` write its profile.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(`relay listening ${listener.addr.port}`);
for await (const conn of listener) void serve(conn);

async function serve(conn: Deno.Conn): Promise<void> {
  sendAtOnce(conn);
  const writer = new QueuedWriter(conn, {
    maxQueuedBytes: 1 << 30,
    drainTimeoutMs: 60_000,
    onFailure: () => conn.close(),
  });
  const send = (apdu: Uint8Array) => writer.enqueue(encodeFrame(apdu));
  await readFrames(conn, (apdu) => {
    if (apdu[0] === 0x60) {
      send(panasonicAareAccepted());
      send(systemStatusInvoke(1, "normal"));
      applications.add(writer);
      return;
    }
    const peek = peekApdu(apdu);
    if (peek instanceof CstaDecodeError || peek.kind !== "invoke" || peek.opcode !== Opcode.monitorStart) {
      return;
    }
    const request = readMonitorStart(apdu.subarray(peek.argumentStart!, peek.argumentEnd!));
    const xref = request instanceof CstaDecodeError ? undefined : pbxXrefs.get(request.objectElement.toHex());
    if (xref) send(monitorStartAnswer(peek.invokeId, xref));
  });
  applications.delete(writer);
  writer.close();
}

async function readFrames(conn: Deno.Conn, onApdu: (apdu: Uint8Array) => void): Promise<void> {
  const reassembler = new FrameReassembler();
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) return;
      reassembler.push(buffer.subarray(0, n), onApdu);
    }
  } catch {
    // the connection is gone; the bench notices
  }
}
