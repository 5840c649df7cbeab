// Exclusive services through the Switchboard: one CDR owner, reports to it and its answers to the PBX (§10).

import assert from "node:assert/strict";
import { peekApdu } from "../../../src/csta/peek.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { flush, hex, pbxRead, setup } from "./board_fixture.ts";

Deno.test("a second CDR application gets operation/generic; reports go to the owner and its answer to the PBX", async () => {
  const { pbx, board, connect } = setup();
  const owner = connect("owner");
  const second = connect("second");
  const startCdr = (id: number) => encodeInvoke(id, Opcode.startCDRTransmission, hex("30 03 0A 01 00"));
  owner.send(startCdr(1));
  pbx.answer(0, hex("30 03 04 01 77"));
  await flush();
  second.send(startCdr(1));
  const [refusal] = second.port.take();
  assert.equal(refusal.kind, "returnError");
  assert.deepEqual((refusal as { failure: unknown }).failure, { kind: "operation", value: "generic" });
  assert.equal(pbx.requests.length, 1, "the second start never reaches the PBX");

  // A CDR report (PBX invoke 42) goes to the owner; the owner's answer goes back under id 42.
  owner.port.take(); // the StartCDR result
  const report = encodeInvoke(42, Opcode.cDRReport, hex("30 06 04 01 77 02 01 01"));
  pbxRead(board, report);
  const forwarded = owner.port.delivered.at(-1)!;
  const forwardedId = (peekApdu(forwarded) as { invokeId: number }).invokeId;
  assert.equal(second.port.delivered.length, 0);
  owner.send(encodeReturnResult(forwardedId, { opcode: Opcode.cDRReport, value: NO_DATA }));
  assert.deepEqual(pbx.sent.at(-1), hex("A2 0B 02 01 2A 30 06 02 02 01 69 05 00"));
});

Deno.test("hotel control has one owner; a KME Escape from the PBX goes to the last sender and its answer back", async () => {
  const { pbx, board, connect } = setup();
  const hotel = connect("hotel");
  const other = connect("other");
  const escape = (id: number, firstTag: string) =>
    encodeInvoke(id, Opcode.escape, hex(`30 02 ${firstTag} 00`));
  hotel.send(escape(1, "AD"));
  other.send(escape(2, "AD"));
  const [refusal] = other.port.take();
  assert.equal(refusal.kind, "returnError");
  assert.deepEqual((refusal as { failure: unknown }).failure, { kind: "operation", value: "generic" });
  assert.equal(pbx.requests.length, 1, "the second hotel owner's escape never reaches the PBX");

  other.send(escape(3, "A4"));
  assert.equal(pbx.requests.length, 2, "other KME escapes pass");
  const kmeReply = encodeInvoke(900, Opcode.escape, hex("30 02 A4 00"));
  pbxRead(board, kmeReply);
  assert.deepEqual(hotel.port.take(), [], "the PBX's escape goes to the last sender only");
  const [passed] = other.port.take();
  assert.equal(passed.kind, "invoke");
  other.send(
    encodeReturnResult((passed as { invokeId: number }).invokeId, { opcode: Opcode.escape, value: NO_DATA }),
  );
  const answer = peekApdu(pbx.sent.at(-1)!) as { kind: string; invokeId: number };
  assert.deepEqual([answer.kind, answer.invokeId], ["returnResult", 900]);

  board.detach(hotel.session, "gone");
  other.send(escape(4, "AD"));
  assert.equal(pbx.requests.length, 3, "hotel control is free once its owner has gone");
  await flush();
});

Deno.test("device-list segments go only to the application whose request got that serviceCrossRefID", async () => {
  const { pbx, board, connect } = setup();
  const asker = connect("asker");
  const bystander = connect("bystander");
  asker.send(encodeInvoke(5, Opcode.getSwitchingFunctionDevices, hex("30 00")));
  pbx.answer(0, hex("30 03 04 01 42"));
  await flush();
  assert.equal(asker.port.take()[0].kind, "returnResult");
  const segment = (xref: string) =>
    encodeInvoke(901, Opcode.switchingFunctionDevices, hex(`30 08 04 01 ${xref} 01 01 FF 30 00`));
  pbxRead(board, segment("42"));
  pbxRead(board, segment("43"));
  const got = asker.port.take();
  assert.deepEqual(got.map((a) => [a.kind, (a as { opcode?: number }).opcode]), [["invoke", 205]]);
  assert.deepEqual(bystander.port.take(), []);
  assert.equal(pbx.sent.length, 0, "no answer is due for a segment");
});
