import assert from "node:assert/strict";
import type { ClientEvent } from "../../../src/client/client_event.ts";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { replaceInvokeId } from "../../../src/csta/rewrite.ts";
import { encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { Upstream, UpstreamOutcome } from "../../../src/pbx/upstream.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import { pbxRead } from "../switchboard/board_fixture.ts";

const PBX_XREF = hexBytes("00 00 00 01");
const DELIVERED = exampleApdu(protocolExample("EventReport Delivered"));

/** The PBX side: answers at once (MonitorStart with crossRef 00000001, RequestSystemStatus normal). */
class InstantPbx implements Upstream {
  ready = true;
  requests: number[] = [];
  request(invoke: Uint8Array): Promise<UpstreamOutcome> {
    const opcode = (peekApdu(invoke) as { opcode: number }).opcode;
    this.requests.push(opcode);
    const value = opcode === Opcode.monitorStart
      ? constructed(0x30, [tlv(0x55, PBX_XREF)])
      : opcode === Opcode.requestSysStat
      ? constructed(0x30, [tlv(0x0a, Uint8Array.of(2))])
      : NO_DATA;
    const apdu = encodeReturnResult(1, { opcode, value });
    return Promise.resolve({ kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek });
  }
  send(): boolean {
    return true;
  }
}

function switchboard(pbx: Upstream): Switchboard {
  return new Switchboard({
    upstream: pbx,
    log: new Logger("test", { sink: () => {} }),
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 10,
      requestsInFlightPerApplication: 16,
      malformedFramesBeforeClose: 3,
    }),
  });
}

async function collect(client: CstaClient, count: number): Promise<ClientEvent[]> {
  const events: ClientEvent[] = [];
  if (count === 0) return events;
  for await (const event of client.events()) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

Deno.test("in-process clients share one PBX monitor and each gets the PBX's events under its own crossRef", async () => {
  const pbx = new InstantPbx();
  const board = switchboard(pbx);
  const tracker = CstaClient.inProcess(board, { name: "call-tracker", seatKind: "call-tracking" });
  const lines = CstaClient.inProcess(board, { name: "line-api", seatKind: "line" });
  try {
    const trackerXref = await tracker.monitorStart("201");
    const linesXref = await lines.monitorStart("201");
    assert.notEqual(bytesHex(trackerXref), bytesHex(linesXref));
    assert.deepEqual(pbx.requests, [Opcode.monitorStart], "one MonitorStart reached the PBX");
    for (let id = 5; id < 10; id++) pbxRead(board, replaceInvokeId(DELIVERED, id));
    const [seenByTracker, seenByLines] = await Promise.all([collect(tracker, 5), collect(lines, 5)]);
    for (const event of seenByTracker) assert.equal(bytesHex(event.crossRef), bytesHex(trackerXref));
    for (const event of seenByLines) assert.equal(bytesHex(event.crossRef), bytesHex(linesXref));
    assert.ok(seenByTracker.every((e) => e.event?.kind === "delivered"));
    assert.deepEqual(board.sessions().map((s) => s.info.remote).sort(), ["call-tracker", "line-api"]);
    assert.equal(tracker.systemStatus, "normal", "greeted on attach");
  } finally {
    await tracker.close();
    await lines.close();
  }
  assert.equal(board.sessions().length, 0);
  assert.equal(pbx.requests.at(-1), Opcode.monitorStop, "the last one out stopped the PBX monitor");
});

Deno.test("an in-process client hears that the PBX link went down and came back", async () => {
  const pbx = new InstantPbx();
  const board = switchboard(pbx);
  const client = CstaClient.inProcess(board, { name: "line-api", seatKind: "line" });
  const heard: unknown[] = [];
  client.onSystemStatus((status) => heard.push(status));
  try {
    await client.monitorStart("202");
    pbx.ready = false;
    board.pbxLost("test");
    pbx.ready = true;
    await board.pbxReady();
    assert.equal(await client.requestSystemStatus(), "normal"); // the round trip lets deliveries settle
    assert.deepEqual(heard, ["normal", "disabled", "normal"]);
  } finally {
    await client.close();
  }
});

Deno.test("an in-process client's MonitorStop is answered by the Switchboard and its events stop", async () => {
  const board = switchboard(new InstantPbx());
  const client = CstaClient.inProcess(board, { name: "line-api", seatKind: "line" });
  try {
    const xref = await client.monitorStart("203");
    await client.monitorStop(xref);
    pbxRead(board, DELIVERED);
    await client.requestSystemStatus();
    assert.equal(client.stats().eventsReceived, 0);
  } finally {
    await client.close();
  }
});
