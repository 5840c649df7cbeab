// Tests of the hot-path peek: the §14 examples, the ROSE envelope variants, and malformed APDUs as values.

import assert from "node:assert/strict";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { type ApduPeek, type InvokePeek, peekApdu, type ReturnResultPeek } from "../../../src/csta/peek.ts";
import {
  bytesHex,
  exampleApdu,
  type ExpectedPeek,
  hexBytes,
  PROTOCOL_EXAMPLES,
} from "../../fixtures/protocol_examples.ts";

function spanHex(apdu: Uint8Array, start: number | null, end: number | null): string | null {
  return start === null || end === null ? null : bytesHex(apdu.subarray(start, end));
}

/** The peek in the fixture table's terms: element bytes as hex instead of offsets. */
function asExpected(apdu: Uint8Array, p: ApduPeek): ExpectedPeek {
  switch (p.kind) {
    case "invoke":
      return {
        kind: p.kind,
        invokeId: p.invokeId,
        linkedId: p.linkedId,
        opcode: p.opcode,
        argument: spanHex(apdu, p.argumentStart, p.argumentEnd),
        crossRef: p.crossRef && bytesHex(p.crossRef.id),
      };
    case "returnResult":
      return {
        kind: p.kind,
        invokeId: p.invokeId,
        opcode: p.opcode,
        result: spanHex(apdu, p.resultStart, p.resultEnd),
        crossRef: p.crossRef && bytesHex(p.crossRef.id),
      };
    case "returnError":
      return {
        kind: p.kind,
        invokeId: p.invokeId,
        errorCode: p.errorCode,
        parameter: spanHex(apdu, p.parameterStart, p.parameterEnd),
      };
    case "reject":
      return { kind: p.kind, invokeId: p.invokeId, problem: p.problem, problemCode: p.problemCode };
    default:
      return { kind: p.kind };
  }
}

function peek(hex: string): ApduPeek {
  const result = peekApdu(hexBytes(hex));
  if (result instanceof CstaDecodeError) assert.fail(result.message);
  return result;
}

function peekInvoke(hex: string): InvokePeek {
  const p = peek(hex);
  assert.equal(p.kind, "invoke");
  return p as InvokePeek;
}

function peekError(hex: string): CstaDecodeError {
  const result = peekApdu(hexBytes(hex));
  assert.ok(result instanceof CstaDecodeError, `expected an error value, got ${JSON.stringify(result)}`);
  return result;
}

Deno.test("peekApdu reports the documented fields of every §14 example", () => {
  for (const example of PROTOCOL_EXAMPLES) {
    const apdu = exampleApdu(example);
    const p = peekApdu(apdu);
    if (p instanceof CstaDecodeError) assert.fail(`${example.section} ${example.name}: ${p.message}`);
    assert.deepEqual(asExpected(apdu, p), example.expected, `${example.section} ${example.name}`);
  }
});

Deno.test("peekApdu gives the crossRef of a §14.6 event as a view of the APDU with its offsets", () => {
  const apdu = exampleApdu(PROTOCOL_EXAMPLES.find((e) => e.section === "14.6")!);
  const p = peekApdu(apdu) as InvokePeek;
  assert.deepEqual(p.crossRef && { ...p.crossRef, id: [...p.crossRef.id] }, {
    id: [0, 0, 0, 1],
    start: 10,
    valueStart: 12,
    end: 16,
  });
  assert.equal(p.crossRef!.id.buffer, apdu.buffer);
  assert.deepEqual([p.argumentStart, p.argumentEnd], [8, apdu.length]);
});

Deno.test("peekApdu reads a present linkedId and the X.880 'absent' choice", () => {
  const linked = peekInvoke("A1 0D 02 01 09 80 01 04 02 01 0A 30 02 05 00");
  assert.deepEqual([linked.invokeId, linked.linkedId, linked.opcode], [9, 4, 10]);
  const absent = peekInvoke("A1 0C 02 01 09 81 00 02 01 0A 30 02 05 00");
  assert.deepEqual([absent.linkedId, absent.opcode], [null, 10]);
  assert.match(peekError("A1 0D 02 01 09 81 01 00 02 01 0A 30 02 05 00").reason, /absent linkedId/);
});

Deno.test("peekApdu accepts any invoke ID of 1 to 4 octets and refuses a 5-octet one with its offset", () => {
  assert.equal(peekInvoke("A1 09 02 04 7F FF FF FF 02 01 0A").invokeId, 2147483647);
  assert.equal(peekInvoke("A1 06 02 01 FF 02 01 0A").invokeId, -1);
  assert.equal(peekInvoke("A1 07 02 02 7F FF 02 01 0A").invokeId, 32767);
  const err = peekError("A1 0A 02 05 01 00 00 00 00 02 01 0A");
  assert.equal(err.offset, 4);
  assert.equal(err.what, "Invoke invokeId");
});

Deno.test("peekApdu reports an Invoke without argument and a ReturnResult without result SEQUENCE", () => {
  const bare = peekInvoke("A1 06 02 01 01 02 01 34");
  assert.deepEqual([bare.opcode, bare.argumentStart, bare.argumentEnd, bare.crossRef], [
    52,
    null,
    null,
    null,
  ]);
  assert.deepEqual(peek("A2 03 02 01 07"), {
    kind: "returnResult",
    invokeId: 7,
    opcode: null,
    resultStart: null,
    resultEnd: null,
    crossRef: null,
  });
});

Deno.test("peekApdu reads a Reject whose invoke ID is NULL, and each problem type", () => {
  assert.deepEqual(peek("A4 05 05 00 80 01 02"), {
    kind: "reject",
    invokeId: null,
    problem: "general",
    problemCode: 2,
  });
  assert.equal((peek("A4 06 02 01 07 82 01 00") as { problem: string }).problem, "returnResult");
  assert.equal((peek("A4 06 02 01 07 83 01 04") as { problem: string }).problem, "returnError");
  assert.match(peekError("A4 06 02 01 07 84 01 01").reason, /0x80..0x83/);
});

Deno.test("peekApdu finds the crossRef of ChangeMonitorFilter (72) and reports null for an event without one", () => {
  const change = peekInvoke("A1 10 02 01 04 02 01 48 30 08 55 02 AB CD A0 02 80 00");
  assert.deepEqual(change.crossRef && [...change.crossRef.id], [0xab, 0xcd]);
  const noCrossRef = peekInvoke("A1 0B 02 01 05 02 01 15 30 03 0A 01 16");
  assert.equal(
    noCrossRef.crossRef,
    null,
    "an event whose first element is not 55 is mistyped, not malformed",
  );
  const notSequence = peekInvoke("A1 0B 02 01 05 02 01 15 04 03 55 01 01");
  assert.equal(notSequence.crossRef, null);
  const otherOpcode = peekInvoke("A1 0E 02 01 05 02 01 0A 30 06 55 04 00 00 00 01");
  assert.equal(otherOpcode.crossRef, null, "only 21, 72 and 73 carry a crossRef in the argument");
});

Deno.test("peekApdu reads long-form lengths around the argument", () => {
  const filler = " 04 7F" + " 11".repeat(127);
  const apdu = "A1 81 90 02 01 05 02 01 15 30 81 87 55 04 00 00 00 02" + filler;
  const p = peekInvoke(apdu);
  assert.deepEqual([p.invokeId, p.opcode, p.argumentStart, p.argumentEnd], [5, 21, 9, 147]);
  assert.deepEqual(p.crossRef && [p.crossRef.start, [...p.crossRef.id]], [12, [0, 0, 0, 2]]);
});

Deno.test("peekApdu accepts indefinite lengths on the APDU, the argument and the result (§4)", () => {
  const event = peekInvoke(
    "A1 80 02 01 05 02 01 15 30 80 55 04 00 00 00 01 A0 80 A4 80 0A 01 16 00 00 00 00 00 00 00 00",
  );
  assert.deepEqual([event.invokeId, event.opcode, event.argumentStart, event.argumentEnd], [5, 21, 8, 29]);
  assert.deepEqual(event.crossRef && [...event.crossRef.id], [0, 0, 0, 1]);
  const result = peek("A2 80 02 01 01 30 80 02 01 47 30 80 55 01 09 00 00 00 00 00 00") as ReturnResultPeek;
  assert.deepEqual([result.opcode, result.resultStart, result.resultEnd], [71, 10, 17]);
  assert.deepEqual(result.crossRef && [...result.crossRef.id], [9]);
  assert.deepEqual(peek("62 80 80 01 00 00 00"), { kind: "rlrq" });
});

Deno.test("peekApdu refuses an indefinite APDU without end-of-contents or nested beyond the depth limit", () => {
  assert.ok(peekError("A1 80 02 01 05 02 01 15 30 80 55 01 01 00 00") instanceof CstaDecodeError);
  const deep = "A1 80 02 01 05 02 01 15 " + "30 80 ".repeat(40) + "00 00 ".repeat(40) + "00 00";
  assert.match(peekError(deep).reason, /nesting deeper than 32/);
  const shallow = peekApdu(hexBytes(deep), { maxDepth: 64, maxElements: 1000 });
  assert.ok(!(shallow instanceof CstaDecodeError));
});

Deno.test("peekApdu refuses a length that disagrees with the frame, trailing bytes and trailing elements", () => {
  const short = peekError("A1 0E 02 01 01 02 02 00 D3 30 03 0A 01 02");
  assert.equal(short.offset, 1);
  assert.match(short.reason, /exceeds/);
  const extra = peekError("A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02 00");
  assert.match(extra.reason, /does not match the 15 bytes/);
  const afterArgument = peekError("A1 0E 02 01 01 02 02 00 D3 30 03 0A 01 02 05 00");
  assert.equal(afterArgument.offset, 14);
  assert.match(afterArgument.reason, /unexpected element/);
  assert.match(peekError("62 80 80 01 00 00 00 00").reason, /1 bytes after the end/);
});

Deno.test("peekApdu refuses unknown APDU tags, missing fields and wrongly tagged fields", () => {
  assert.match(peekError("A5 03 02 01 01").reason, /unknown APDU tag 0xA5/);
  assert.match(peekError("30 03 02 01 01").reason, /unknown APDU tag 0x30/);
  assert.equal(peekError("A1 03 02 01 01").what, "Invoke opcode");
  assert.equal(peekError("A1 00").what, "Invoke invokeId");
  assert.match(peekError("A1 06 04 01 01 02 01 0A").reason, /expected tag 0x02, found 0x04/);
  assert.match(peekError("A1 06 02 01 01 06 01 0A").reason, /expected tag 0x02, found 0x06/);
  assert.match(peekError("A2 07 02 01 01 05 02 00 00").reason, /expected SEQUENCE/);
  assert.equal(peekError("A2 05 02 01 01 30 00").what, "ReturnResult opcode");
  assert.equal(peekError("A3 03 02 01 07").what, "ReturnError errcode");
  assert.equal(peekError("A4 03 02 01 07").what, "Reject problem");
  assert.match(peekError("A4 06 05 01 00 80 01 00").reason, /NULL with content/);
  assert.ok(peekError("") instanceof CstaDecodeError);
});

Deno.test("peekApdu peeks an APDU that is a view into a larger buffer, with offsets relative to the view", () => {
  const buffer = hexBytes("FF FF 00 10 A1 0E 02 01 03 02 01 49 30 06 55 04 00 00 00 01 EE");
  const p = peekApdu(buffer.subarray(4, 20)) as InvokePeek;
  assert.deepEqual([p.invokeId, p.opcode, p.crossRef?.start, p.argumentEnd], [3, 73, 10, 16]);
});
