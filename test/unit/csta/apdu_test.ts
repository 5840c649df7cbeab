import assert from "node:assert/strict";
import fc from "fast-check";
import { type Apdu, decodeApdu, encodeApdu } from "../../../src/csta/apdu.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import {
  encodeInvoke,
  encodeReject,
  encodeReturnError,
  encodeReturnResult,
  NO_DATA,
  rejectForUnreadable,
} from "../../../src/csta/rose.ts";
import {
  bytesHex,
  exampleApdu,
  hexBytes,
  PROTOCOL_EXAMPLES,
  protocolExample,
} from "../../fixtures/protocol_examples.ts";

function decodeExample(name: string): Apdu {
  return decodeApdu(exampleApdu(protocolExample(name)));
}

Deno.test("every §14 example decodes and re-encodes to exactly its bytes", () => {
  for (const example of PROTOCOL_EXAMPLES) {
    const apdu = exampleApdu(example);
    const decoded = decodeApdu(apdu);
    assert.equal(decoded.kind, example.expected.kind, example.name);
    assert.equal(bytesHex(encodeApdu(decoded)), bytesHex(apdu), example.name);
  }
});

Deno.test("§14.3 SystemStatus invoke has id 1, opcode 211 and its argument bytes with the APDU offset", () => {
  const apdu = decodeExample("SystemStatus normal from the PBX");
  assert.ok(apdu.kind === "invoke");
  assert.equal(apdu.invokeId, 1);
  assert.equal(apdu.opcode, Opcode.systemStatus);
  assert.equal(apdu.linkedId, undefined);
  assert.equal(bytesHex(apdu.argument!.bytes), "30 03 0A 01 02");
  assert.equal(apdu.argument!.offset, 9);
});

Deno.test("§14.3 answer is a ReturnResult for 211 carrying noData", () => {
  const apdu = decodeExample("SystemStatus answer");
  assert.ok(apdu.kind === "returnResult");
  assert.equal(apdu.invokeId, 1);
  assert.equal(apdu.result?.opcode, 211);
  assert.equal(bytesHex(apdu.result!.value!.bytes), "05 00");
  assert.equal(
    bytesHex(encodeReturnResult(1, { opcode: Opcode.systemStatus, value: NO_DATA })),
    bytesHex(exampleApdu(protocolExample("SystemStatus answer"))),
  );
});

Deno.test("§14.5 and §14.7 results carry the MonitorStart and MonitorStop opcodes", () => {
  const start = decodeExample("MonitorStart result");
  assert.ok(start.kind === "returnResult");
  assert.equal(start.result?.opcode, Opcode.monitorStart);
  assert.equal(bytesHex(start.result!.value!.bytes), "30 06 55 04 00 00 00 01");
  const stop = decodeExample("MonitorStop result");
  assert.ok(stop.kind === "returnResult");
  assert.equal(stop.result?.opcode, Opcode.monitorStop);
});

Deno.test("§14.10 errors decode to their UniversalFailure and the reject to its named problem", () => {
  const generic = decodeExample("ReturnError operation generic");
  assert.ok(generic.kind === "returnError");
  assert.equal(generic.errorCode, 1);
  assert.deepEqual(generic.failure, { kind: "operation", value: "generic" });
  assert.equal(
    bytesHex(encodeReturnError(7, generic.failure!)),
    bytesHex(exampleApdu(protocolExample("ReturnError operation generic"))),
  );
  const state = decodeExample("ReturnError state invalidObjectState");
  assert.ok(state.kind === "returnError");
  assert.deepEqual(state.failure, { kind: "stateIncompatibility", value: "invalidObjectState" });
  const reject = decodeExample("Reject invoke unrecognizedOperation");
  assert.deepEqual(reject, {
    kind: "reject",
    invokeId: 7,
    problem: { kind: "invoke", value: "unrecognizedOperation" },
  });
});

Deno.test("§14.11 CDR examples carry opcodes 363 and 361 in two-octet form", () => {
  const start = decodeExample("StartCDRTransmission transferAtEndOfCall");
  assert.ok(start.kind === "invoke");
  assert.equal(start.opcode, Opcode.startCDRTransmission);
  assert.equal(
    bytesHex(encodeInvoke(9, 363, hexBytes("30 03 0A 01 00"))),
    bytesHex(exampleApdu(protocolExample("StartCDRTransmission transferAtEndOfCall"))),
  );
  const answer = decodeExample("Answer to a CDRReport");
  assert.ok(answer.kind === "returnResult");
  assert.equal(answer.invokeId, 42);
  assert.equal(answer.result?.opcode, Opcode.cDRReport);
});

Deno.test("a Reject with a NULL invoke id and every problem category round-trips", () => {
  const bytes = encodeReject(null, { kind: "general", value: "badlyStructuredPDU" });
  assert.equal(bytesHex(bytes), "A4 05 05 00 80 01 02");
  assert.deepEqual(decodeApdu(bytes), {
    kind: "reject",
    invokeId: null,
    problem: { kind: "general", value: "badlyStructuredPDU" },
  });
  for (
    const problem of [
      { kind: "returnResult", value: "mistypedResult" },
      { kind: "returnError", value: "mistypedParameter" },
      { kind: "invoke", value: "unexpectedLinkedOperation" },
      { kind: "invoke", value: 42 },
    ] as const
  ) {
    assert.deepEqual(decodeApdu(encodeReject(3, problem)), { kind: "reject", invokeId: 3, problem });
  }
});

Deno.test("linkedId in both X.880 forms and a bare ReturnResult survive decode and encode", () => {
  for (
    const hex of [
      "A1 09 02 01 05 80 01 04 02 01 15",
      "A1 0A 02 01 05 81 00 02 01 15 05 00",
      "A2 03 02 01 09",
      "A2 08 02 01 09 30 03 02 01 02",
    ]
  ) {
    const bytes = hexBytes(hex);
    assert.equal(bytesHex(encodeApdu(decodeApdu(bytes))), hex);
  }
  const linked = decodeApdu(hexBytes("A1 09 02 01 05 80 01 04 02 01 15"));
  assert.ok(linked.kind === "invoke");
  assert.equal(linked.linkedId, 4);
  assert.equal(linked.argument, undefined);
});

Deno.test("unknown UniversalFailure values stay numbers and other error codes keep the raw parameter", () => {
  const unknown = decodeApdu(hexBytes("A3 0B 02 01 07 02 01 01 A3 03 0A 01 63"));
  assert.ok(unknown.kind === "returnError");
  assert.deepEqual(unknown.failure, { kind: "systemResourceAvailability", value: 99 });
  const other = decodeApdu(hexBytes("A3 0A 02 01 07 02 01 05 04 02 AB CD"));
  assert.ok(other.kind === "returnError");
  assert.equal(other.failure, undefined);
  assert.equal(bytesHex(other.parameter!.bytes), "04 02 AB CD");
  for (
    const hex of [
      "A3 0A 02 01 07 02 01 01 A7 02 05 00",
      "A3 08 02 01 07 02 01 01 A7 00",
      "A3 08 02 01 07 02 01 01 87 00",
    ]
  ) {
    const unspecified = decodeApdu(hexBytes(hex));
    assert.ok(unspecified.kind === "returnError");
    assert.deepEqual(unspecified.failure, { kind: "unspecified" }, hex);
  }
  assert.equal(
    bytesHex(encodeReturnError(7, { kind: "unspecified" })),
    "A3 0A 02 01 07 02 01 01 A7 02 05 00",
  );
});

Deno.test("malformed ROSE APDUs are CstaDecodeErrors with the offset of the problem", () => {
  const cases: [string, number][] = [
    ["A1 06 02 01 01 06 01 2A", 5], // global opcode
    ["A1 03 02 01 01", 5], // opcode missing
    ["A1 09 02 01 01 02 01 15 05 00 05", 11], // truncated element: its length is missing
    ["A2 07 02 01 01 04 02 00 00", 5], // result not a SEQUENCE
    ["A3 08 02 01 07 02 01 01 04 00", 8], // universalFailure parameter of the wrong type
    ["A4 05 02 01 07 84 00", 5], // unknown problem tag
    ["A5 00", 0],
    ["A1 03 02 01 01 00", 5], // trailing byte after the APDU
    ["", 0],
  ];
  for (const [hex, offset] of cases) {
    assert.throws(() => decodeApdu(hexBytes(hex)), (error: unknown) => {
      assert.ok(error instanceof CstaDecodeError, `${hex}: ${error}`);
      assert.equal(error.offset, offset, `${hex}: ${error.message}`);
      return true;
    });
  }
});

Deno.test("encode then decode is the identity for generated ROSE APDUs", () => {
  const id = fc.integer({ min: -32768, max: 2 ** 31 });
  const element = fc.uint8Array({ maxLength: 20 }).map((c) => Uint8Array.of(0x30, c.length, ...c));
  fc.assert(
    fc.property(
      id,
      fc.integer({ min: 0, max: 1000 }),
      fc.option(element, { nil: undefined }),
      (invokeId, opcode, argument) => {
        const bytes = encodeInvoke(invokeId, opcode, argument);
        const back = decodeApdu(bytes);
        assert.ok(back.kind === "invoke");
        assert.equal(back.invokeId, invokeId);
        assert.equal(back.opcode, opcode);
        assert.equal(back.argument && bytesHex(back.argument.bytes), argument && bytesHex(argument));
        assert.equal(bytesHex(encodeApdu(back)), bytesHex(bytes));
      },
    ),
  );
});

Deno.test("rejectForUnreadable names the X.880 general problem and keeps a readable invoke ID", () => {
  const cases: [string, number | null, string][] = [
    ["30 03 02 01 05", null, "unrecognizedPDU"], // a SEQUENCE is no ROSE APDU
    ["A5 03 02 01 05", null, "unrecognizedPDU"], // [5] is not one of the four
    ["A1 06 02 01 05 02 01 0A FF", 5, "badlyStructuredPDU"], // a byte after the APDU
    ["A1 10 02 01 05 02 01", 5, "badlyStructuredPDU"], // the APDU's length runs past the frame
    ["A1 08 02 01 05 02 01 0A 04 05", 5, "badlyStructuredPDU"], // an element cut short inside
    ["A1 09 02 01 05 02 01 0A 05 00 05", 5, "badlyStructuredPDU"],
    ["A1 03 02 01 07", 7, "mistypedPDU"], // sound BER, the opcode missing
    ["A2 08 02 02 01 00 04 02 00 00", 256, "mistypedPDU"], // ReturnResult whose result is no SEQUENCE
    ["A1 06 04 01 05 02 01 0A", null, "mistypedPDU"], // sound BER, an OCTET STRING where the ID belongs
    ["A1 05 02 07", null, "badlyStructuredPDU"], // the garbage frames of the listener test
  ];
  for (const [hex, invokeId, problem] of cases) {
    assert.deepEqual(
      rejectForUnreadable(hexBytes(hex)),
      { kind: "reject", invokeId, problem: { kind: "general", value: problem } },
      hex,
    );
  }
});
