// Tests of the invoke-ID and crossRef rewriters: exact bytes on §14 examples, long-form growth and shrink,
// indefinite lengths, and properties against an independent BER builder on random events.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as asn1js from "asn1js";
import { CstaDecodeError, CstaEncodeError } from "../../../src/csta/decode_error.ts";
import { type InvokePeek, peekApdu, type ReturnResultPeek } from "../../../src/csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId, rewriteApdu } from "../../../src/csta/rewrite.ts";
import { encodeFrame } from "../../../src/csta/framing.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import {
  anyCrossRef,
  anyEvent,
  anyField,
  anyInvokeId,
  buildEvent,
  buildMonitorStartResult,
  type ResultSpec,
  tlv,
} from "./rose_builder.ts";

function peekInvoke(apdu: Uint8Array): InvokePeek {
  const p = peekApdu(apdu);
  if (p instanceof CstaDecodeError) assert.fail(p.message);
  assert.equal(p.kind, "invoke");
  return p as InvokePeek;
}

function changedOffsets(a: Uint8Array, b: Uint8Array): number[] {
  assert.equal(a.length, b.length);
  return [...a.keys()].filter((i) => a[i] !== b[i]);
}

const delivered = () => exampleApdu(protocolExample("EventReport Delivered"));

Deno.test("replaceInvokeId with an ID of the same size changes only the ID octet and leaves the input alone", () => {
  const apdu = delivered();
  const before = apdu.slice();
  const out = replaceInvokeId(apdu, 6);
  assert.deepEqual(changedOffsets(apdu, out), [4]);
  assert.equal(out[4], 6);
  assert.deepEqual(apdu, before);
});

Deno.test("replaceInvokeId growing the ID re-encodes the APDU length and copies the rest unchanged", () => {
  const apdu = delivered();
  const out = replaceInvokeId(apdu, 300);
  assert.equal(bytesHex(out.subarray(0, 9)), "A1 50 02 02 01 2C 02 01 15");
  assert.deepEqual(out.subarray(9), apdu.subarray(8));
  assert.deepEqual(replaceInvokeId(out, 5), apdu, "shrinking back restores the original");
  assert.equal(bytesHex(replaceInvokeId(apdu, -1).subarray(0, 5)), "A1 4F 02 01 FF");
  assert.equal(bytesHex(replaceInvokeId(apdu, 2 ** 31 - 1).subarray(0, 7)), "A1 52 02 04 7F FF FF");
  assert.equal(bytesHex(replaceInvokeId(apdu, -(2 ** 31)).subarray(0, 7)), "A1 52 02 04 80 00 00");
});

Deno.test("replaceInvokeId grows a 127-byte APDU to the long form 81 80 and shrinks it back", () => {
  const apdu = hexBytes("A1 7F 02 01 05 02 01 15 30 77 55 04 00 00 00 01 04 6F" + " 11".repeat(0x6f));
  assert.equal(apdu.length, 129);
  const grown = replaceInvokeId(apdu, 300);
  assert.equal(bytesHex(grown.subarray(0, 7)), "A1 81 80 02 02 01 2C");
  assert.deepEqual(grown.subarray(7), apdu.subarray(5));
  assert.deepEqual(replaceInvokeId(grown, 5), apdu);
});

Deno.test("replaceCrossRefId grows the argument and APDU from 81 FF to 82 01 00", () => {
  // APDU content 255: 3 + 3 + 3 (30 81 F6) + 246 (6 for 55 04 xxxx, 240 of filler 04 81 ED ...).
  const apdu = hexBytes(
    "A1 81 FF 02 01 05 02 01 15 30 81 F6 55 04 00 00 00 01 04 81 ED" + " 22".repeat(0xed),
  );
  assert.equal(apdu.length, 258);
  const out = replaceCrossRefId(apdu, hexBytes("01 02 03 04 05"));
  assert.equal(bytesHex(out.subarray(0, 20)), "A1 82 01 00 02 01 05 02 01 15 30 81 F7 55 05 01 02 03 04 05");
  assert.deepEqual(out.subarray(20), apdu.subarray(18));
  assert.deepEqual(replaceCrossRefId(out, hexBytes("00 00 00 01")), apdu);
});

Deno.test("replaceCrossRefId on the §14.6 event gives a 16-byte crossRef that asn1js decodes", () => {
  const apdu = delivered();
  const crossRef = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i);
  const out = replaceCrossRefId(apdu, crossRef);
  assert.equal(out.length, apdu.length + 12);
  assert.equal(bytesHex(out.subarray(0, 12)), "A1 5B 02 01 05 02 01 15 30 53 55 10");
  assert.deepEqual(out.subarray(12, 28), crossRef);
  assert.deepEqual(out.subarray(28), apdu.subarray(16));
  const decoded = asn1js.fromBER(out);
  assert.equal(decoded.offset, out.length, "asn1js reads the whole APDU");
  const argument = (decoded.result as asn1js.Constructed).valueBlock.value[2] as asn1js.Sequence;
  const first = argument.valueBlock.value[0];
  assert.equal(first.idBlock.tagClass, 2); // application
  assert.equal(first.idBlock.tagNumber, 21);
  assert.deepEqual(new Uint8Array(first.valueBeforeDecodeView), out.subarray(10, 28));
});

Deno.test("replaceCrossRefId rewrites MonitorStop (14.7) and the MonitorStart result (14.5) through every level", () => {
  const stop = replaceCrossRefId(exampleApdu(protocolExample("MonitorStop")), hexBytes("AB CD"));
  assert.equal(bytesHex(stop), "A1 0C 02 01 03 02 01 49 30 04 55 02 AB CD");
  const result = replaceCrossRefId(
    exampleApdu(protocolExample("MonitorStart result")),
    hexBytes("01 02 03 04 05 06 07 08"),
  );
  assert.equal(bytesHex(result), "A2 14 02 01 01 30 0F 02 01 47 30 0A 55 08 01 02 03 04 05 06 07 08");
});

Deno.test("rewrites keep a non-minimal length when the size is unchanged and re-encode it minimal otherwise", () => {
  const apdu = hexBytes("A1 81 0F 02 01 03 02 01 49 30 81 06 55 04 00 00 00 01");
  assert.deepEqual(changedOffsets(apdu, replaceInvokeId(apdu, 4)), [5]);
  assert.deepEqual(changedOffsets(apdu, replaceCrossRefId(apdu, hexBytes("00 00 00 09"))), [17]);
  // The argument's content grows by one and its length shrinks from 81 06 to 07: the APDU's content
  // keeps its size, so its non-minimal 81 0F stays.
  const grown = replaceCrossRefId(apdu, hexBytes("01 02 03 04 05"));
  assert.equal(bytesHex(grown), "A1 81 0F 02 01 03 02 01 49 30 07 55 05 01 02 03 04 05");
  const grownMore = replaceCrossRefId(apdu, hexBytes("01 02 03 04 05 06"));
  assert.equal(bytesHex(grownMore), "A1 10 02 01 03 02 01 49 30 08 55 06 01 02 03 04 05 06");
});

Deno.test("rewrites keep indefinite lengths as they are and re-encode only the definite ones", () => {
  const apdu = hexBytes("A1 80 02 01 05 02 01 15 30 80 55 01 07 A0 03 A4 01 00 00 00 00 00");
  assert.equal(
    bytesHex(replaceCrossRefId(apdu, hexBytes("01 02 03"))),
    "A1 80 02 01 05 02 01 15 30 80 55 03 01 02 03 A0 03 A4 01 00 00 00 00 00",
  );
  assert.equal(
    bytesHex(replaceInvokeId(apdu, 1000)),
    "A1 80 02 02 03 E8 02 01 15 30 80 55 01 07 A0 03 A4 01 00 00 00 00 00",
  );
});

Deno.test("replaceInvokeId turns a Reject's NULL id into an INTEGER and handles ReturnError", () => {
  assert.equal(bytesHex(replaceInvokeId(hexBytes("A4 05 05 00 80 01 02"), 7)), "A4 06 02 01 07 80 01 02");
  const error = exampleApdu(protocolExample("ReturnError operation generic"));
  assert.equal(bytesHex(replaceInvokeId(error, 0x1234)), "A3 0C 02 02 12 34 02 01 01 A0 03 0A 01 01");
});

Deno.test("rewriters refuse ACSE APDUs, APDUs without crossRef and malformed input with CstaDecodeError", () => {
  assert.throws(
    () => replaceInvokeId(exampleApdu(protocolExample("AARQ Panasonic form")), 1),
    CstaDecodeError,
  );
  assert.throws(
    () =>
      replaceCrossRefId(
        exampleApdu(protocolExample("MonitorStart device 101 with empty filter")),
        hexBytes("01"),
      ),
    /invoke opcode 71 carries no crossRefIdentifier/,
  );
  assert.throws(
    () => replaceCrossRefId(exampleApdu(protocolExample("RLRQ")), hexBytes("01")),
    CstaDecodeError,
  );
  assert.throws(() => replaceInvokeId(hexBytes("A1 0E 02 01 01"), 2), CstaDecodeError);
  assert.throws(() => replaceCrossRefId(hexBytes("A1 05 02 01 01 02 01"), hexBytes("01")), CstaDecodeError);
});

Deno.test("replaceInvokeId refuses IDs that do not fit in 4 octets with CstaEncodeError", () => {
  assert.throws(() => replaceInvokeId(delivered(), 2 ** 31), CstaEncodeError);
  assert.throws(() => replaceInvokeId(delivered(), -(2 ** 31) - 1), CstaEncodeError);
  assert.throws(() => replaceInvokeId(delivered(), 1.5), CstaEncodeError);
  assert.throws(() => replaceInvokeId(delivered(), Number.NaN), CstaEncodeError);
});

Deno.test("on random events, replaceInvokeId gives exactly the event built with the new ID (property)", () => {
  fc.assert(
    fc.property(anyEvent, anyInvokeId, (spec, newId) => {
      const out = replaceInvokeId(buildEvent(spec), newId);
      assert.deepEqual(out, buildEvent({ ...spec, invokeId: newId }));
      const p = peekInvoke(out);
      assert.deepEqual([p.invokeId, p.linkedId, p.opcode], [newId, spec.linkedId, 21]);
      assert.deepEqual(p.crossRef?.id, spec.crossRef);
    }),
    { numRuns: 400 },
  );
});

Deno.test("on random events, replaceCrossRefId gives exactly the event built with the new crossRef (property)", () => {
  fc.assert(
    fc.property(anyEvent, anyCrossRef, (spec, newCrossRef) => {
      const original = buildEvent(spec);
      const out = replaceCrossRefId(original, newCrossRef);
      assert.deepEqual(out, buildEvent({ ...spec, crossRef: newCrossRef }));
      const before = peekInvoke(original);
      const after = peekInvoke(out);
      assert.deepEqual([after.invokeId, after.linkedId, after.opcode], [spec.invokeId, spec.linkedId, 21]);
      assert.deepEqual(after.crossRef?.id, newCrossRef);
      // The event itself, after the crossRef, is byte for byte what it was.
      assert.deepEqual(
        out.subarray(after.crossRef!.end, after.argumentEnd!),
        original.subarray(before.crossRef!.end, before.argumentEnd!),
      );
    }),
    { numRuns: 400 },
  );
});

Deno.test("on random MonitorStart results, both rewrites give exactly the result built with the new values (property)", () => {
  const anyResult: fc.Arbitrary<ResultSpec> = fc.record({
    invokeId: anyInvokeId,
    crossRef: anyCrossRef,
    tail: fc.array(anyField, { maxLength: 3 }),
  });
  fc.assert(
    fc.property(anyResult, anyInvokeId, anyCrossRef, (spec, newId, newCrossRef) => {
      const out = replaceInvokeId(replaceCrossRefId(buildMonitorStartResult(spec), newCrossRef), newId);
      assert.deepEqual(out, buildMonitorStartResult({ ...spec, invokeId: newId, crossRef: newCrossRef }));
      const p = peekApdu(out) as ReturnResultPeek;
      assert.deepEqual([p.kind, p.invokeId, p.opcode], ["returnResult", newId, 71]);
      assert.deepEqual(p.crossRef?.id, newCrossRef);
    }),
    { numRuns: 300 },
  );
});

Deno.test("rewriteApdu changes both fields of the §14.6 event in one framed copy", () => {
  const out = rewriteApdu(delivered(), { invokeId: 300, crossRef: hexBytes("AB CD") }, { framed: true });
  assert.equal(bytesHex(out.subarray(0, 16)), "00 50 A1 4E 02 02 01 2C 02 01 15 30 45 55 02 AB");
  assert.deepEqual(out.subarray(17), delivered().subarray(16));
  assert.deepEqual(rewriteApdu(delivered(), {}), delivered(), "no change is a plain copy");
  assert.deepEqual(rewriteApdu(delivered(), {}, { framed: true }), encodeFrame(delivered()));
});

Deno.test("rewriteApdu refuses a framed result above 65535 bytes with CstaEncodeError", () => {
  const big = Uint8Array.from(
    tlv(0xa1, [0x02, 0x01, 0x05, 0x02, 0x01, 0x15, ...tlv(0x30, tlv(0x55, new Array(65500).fill(1)))]),
  );
  assert.equal(rewriteApdu(big, { invokeId: 6 }, { framed: true }).length, big.length + 2);
  assert.throws(
    () => rewriteApdu(big, { crossRef: new Uint8Array(65600) }, { framed: true }),
    CstaEncodeError,
  );
  // 100 more content octets, and the 55, 30 and A1 lengths each grow from 82 xx xx to 83 xx xx xx.
  assert.equal(rewriteApdu(big, { crossRef: new Uint8Array(65600) }).length, big.length + 103);
});

Deno.test("on random events, one framed rewriteApdu equals both rewrites and encodeFrame in turn (property)", () => {
  fc.assert(
    fc.property(anyEvent, anyInvokeId, anyCrossRef, (spec, newId, newCrossRef) => {
      const apdu = buildEvent(spec);
      const combined = rewriteApdu(apdu, { invokeId: newId, crossRef: newCrossRef }, { framed: true });
      assert.deepEqual(combined, encodeFrame(replaceCrossRefId(replaceInvokeId(apdu, newId), newCrossRef)));
      assert.deepEqual(combined.subarray(2), buildEvent({ ...spec, invokeId: newId, crossRef: newCrossRef }));
    }),
    { numRuns: 300 },
  );
});
