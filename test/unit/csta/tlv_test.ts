// Tests of the minimal TLV reader and writer helpers: headers, limits, skipping, scans, lengths, INTEGERs.

import assert from "node:assert/strict";
import fc from "fast-check";
import * as asn1js from "asn1js";
import { CstaDecodeError, CstaEncodeError } from "../../../src/csta/decode_error.ts";
import {
  encodeInteger,
  encodeLength,
  integerOctetCount,
  lengthOctetCount,
  readHeader,
  readSmallInteger,
  scanTlv,
  skipElement,
  TlvHeader,
  writeLength,
} from "../../../src/csta/tlv.ts";
import { exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";

function header(hex: string, offset = 0): TlvHeader {
  const bytes = hexBytes(hex);
  const h = new TlvHeader();
  const err = readHeader(bytes, offset, bytes.length, h);
  assert.equal(err, undefined, err?.message);
  return h;
}

function headerError(hex: string): CstaDecodeError {
  const bytes = hexBytes(hex);
  const err = readHeader(bytes, 0, bytes.length, new TlvHeader());
  assert.ok(err instanceof CstaDecodeError, "expected a CstaDecodeError");
  return err;
}

Deno.test("readHeader reads class, constructed bit and single-byte tag numbers of CSTA tags", () => {
  const invoke = header("A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02");
  assert.deepEqual(
    [invoke.tagClass, invoke.constructed, invoke.tagNumber, invoke.contentStart, invoke.length, invoke.end],
    ["context", true, 1, 2, 12, 14],
  );
  const crossRef = header("55 04 00 00 00 01");
  assert.deepEqual([crossRef.tagClass, crossRef.constructed, crossRef.tagNumber], ["application", false, 21]);
  const sequence = header("30 00");
  assert.deepEqual([sequence.tagClass, sequence.constructed, sequence.tagNumber, sequence.end], [
    "universal",
    true,
    16,
    2,
  ]);
  const privateTag = header("C3 00");
  assert.equal(privateTag.tagClass, "private");
});

Deno.test("readHeader reads multi-byte tag numbers in base 128", () => {
  const t31 = header("9F 1F 01 FF");
  assert.deepEqual([t31.tagClass, t31.constructed, t31.tagNumber, t31.lengthStart, t31.contentStart], [
    "context",
    false,
    31,
    2,
    3,
  ]);
  const t201 = header("BF 81 49 00");
  assert.deepEqual([t201.constructed, t201.tagNumber, t201.length], [true, 201, 0]);
  const big = header("5F 81 80 80 00 00");
  assert.equal(big.tagNumber, 128 * 128 * 128);
});

Deno.test("readHeader refuses a tag number with a leading zero octet or longer than 4 octets", () => {
  assert.match(headerError("9F 80 01 00").reason, /leading zero/);
  const tooLong = headerError("9F 81 81 81 81 01 00");
  assert.match(tooLong.reason, /longer than 4 octets/);
  assert.equal(tooLong.offset, 5);
});

Deno.test("readHeader reads short, long (1 to 4 octets) and indefinite lengths", () => {
  assert.equal(header("04 7F" + " 00".repeat(127)).length, 127);
  const long1 = header("04 81 80" + " 00".repeat(128));
  assert.deepEqual([long1.length, long1.lengthOctets, long1.contentStart], [128, 2, 3]);
  const long2 = header("04 82 01 00" + " 00".repeat(256));
  assert.deepEqual([long2.length, long2.lengthOctets], [256, 3]);
  const nonMinimal = header("04 84 00 00 00 01 AA");
  assert.deepEqual([nonMinimal.length, nonMinimal.contentStart, nonMinimal.end], [1, 6, 7]);
  const indefinite = header("30 80 02 01 01 00 00");
  assert.deepEqual([indefinite.indefinite, indefinite.length, indefinite.end], [true, -1, -1]);
});

Deno.test("readHeader refuses bad lengths with the offset of the length octets, before any allocation", () => {
  const huge = headerError("04 84 FF FF FF FF 00");
  assert.equal(huge.offset, 1);
  assert.match(huge.reason, /length 4294967295 exceeds the 1 bytes left/);
  const fiveOctets = headerError("04 85 00 00 00 00 01 00");
  assert.match(fiveOctets.reason, /5 octets/);
  assert.match(headerError("04 80 00 00").reason, /indefinite length on a primitive/);
  assert.match(headerError("04 82 01").reason, /run past the end/);
  assert.match(headerError("04").reason, /length octets missing/);
  assert.match(headerError("00 00").reason, /end-of-contents/);
  const past = headerError("30 05 02 01");
  assert.equal(past.offset, 1);
});

Deno.test("readHeader respects the limit it is given, not the buffer end", () => {
  const bytes = hexBytes("30 06 02 01 01 02 01 02");
  const h = new TlvHeader();
  assert.equal(readHeader(bytes, 0, 8, h), undefined);
  assert.ok(readHeader(bytes, 0, 7, h) instanceof CstaDecodeError);
  assert.ok(readHeader(bytes, 8, 8, h) instanceof CstaDecodeError);
});

Deno.test("skipElement finds the end of nested indefinite elements and skips definite ones whole", () => {
  const bytes = hexBytes("30 80 02 01 05 30 80 04 01 AA 00 00 30 03 80 01 FF 00 00 55");
  assert.equal(skipElement(bytes, 0, bytes.length), 19);
  assert.equal(skipElement(bytes, 12, bytes.length), 17);
});

Deno.test("skipElement reports missing end-of-contents, excess depth and element floods", () => {
  const unterminated = hexBytes("30 80 02 01 05");
  const err = skipElement(unterminated, 0, unterminated.length);
  assert.ok(err instanceof CstaDecodeError);
  const deep = hexBytes("30 80 ".repeat(40) + "00 00 ".repeat(40));
  const deepErr = skipElement(deep, 0, deep.length);
  assert.ok(deepErr instanceof CstaDecodeError);
  assert.match(deepErr.reason, /nesting deeper than 32/);
  assert.equal(skipElement(deep, 0, deep.length, { maxDepth: 40, maxElements: 100 }), deep.length);
  const flood = hexBytes("30 80 " + "05 00 ".repeat(50) + "00 00");
  const floodErr = skipElement(flood, 0, flood.length, { maxDepth: 4, maxElements: 20 });
  assert.ok(floodErr instanceof CstaDecodeError);
  assert.match(floodErr.reason, /more than 20 elements/);
});

Deno.test("scanTlv walks the whole §14.6 Delivered event and counts its elements and depth", () => {
  const apdu = exampleApdu(protocolExample("EventReport Delivered"));
  const scan = scanTlv(apdu);
  assert.ok(!(scan instanceof CstaDecodeError), String(scan));
  // `openssl asn1parse -i` of the same bytes lists 26 elements at depths d=0..8.
  assert.deepEqual(scan, { elements: 26, depth: 9 });
});

Deno.test("scanTlv finds a malformed element deep inside a constructed one that a skip would not open", () => {
  const apdu = hexBytes("A1 0B 02 01 01 02 01 15 30 03 04 05 00");
  assert.equal(skipElement(apdu, 0, apdu.length), apdu.length);
  const scan = scanTlv(apdu);
  assert.ok(scan instanceof CstaDecodeError);
  assert.equal(scan.offset, 11);
});

Deno.test("readSmallInteger decodes two's complement of 1 to 4 octets and refuses 0 or 5", () => {
  const cases: [string, number][] = [
    ["00", 0],
    ["7F", 127],
    ["00 80", 128],
    ["00 D3", 211],
    ["01 69", 361],
    ["FF", -1],
    ["80", -128],
    ["FF 7F", -129],
    ["7F FF FF FF", 0x7fffffff],
    ["80 00 00 00", -0x80000000],
    ["00 00 05", 5],
  ];
  for (const [hex, value] of cases) {
    const bytes = hexBytes(hex);
    assert.equal(readSmallInteger(bytes, 0, bytes.length), value, hex);
  }
  assert.ok(readSmallInteger(hexBytes("01"), 0, 0) instanceof CstaDecodeError);
  assert.ok(readSmallInteger(hexBytes("00 00 00 00 01"), 0, 5) instanceof CstaDecodeError);
});

Deno.test("encodeLength uses the minimal short or long form up to 4 length octets", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [127, "7F"],
    [128, "81 80"],
    [255, "81 FF"],
    [256, "82 01 00"],
    [65535, "82 FF FF"],
    [65536, "83 01 00 00"],
    [0xffffff, "83 FF FF FF"],
    [0x1000000, "84 01 00 00 00"],
    [0xffffffff, "84 FF FF FF FF"],
  ];
  for (const [length, hex] of cases) {
    assert.deepEqual(encodeLength(length), hexBytes(hex), String(length));
    assert.equal(lengthOctetCount(length), hexBytes(hex).length);
  }
  assert.throws(() => encodeLength(-1), CstaEncodeError);
  assert.throws(() => encodeLength(2 ** 32), CstaEncodeError);
  assert.throws(() => encodeLength(1.5), CstaEncodeError);
});

Deno.test("writeLength output reads back through readHeader for any length", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (length) => {
      const bytes = new Uint8Array(6);
      bytes[0] = 0x04;
      const end = writeLength(bytes, 1, length);
      const h = new TlvHeader();
      // The content is not there, so give the reader a limit as if it were.
      const err = readHeader(bytes, 0, end + length, h);
      return err === undefined && h.length === length && h.contentStart === end;
    }),
  );
});

Deno.test("encodeInteger gives the opcodes of §3 their captured encodings", () => {
  assert.deepEqual(encodeInteger(211), hexBytes("02 02 00 D3"));
  assert.deepEqual(encodeInteger(361), hexBytes("02 02 01 69"));
  assert.deepEqual(encodeInteger(363), hexBytes("02 02 01 6B"));
  assert.deepEqual(encodeInteger(0x47), hexBytes("02 01 47"));
  assert.deepEqual(encodeInteger(0), hexBytes("02 01 00"));
  assert.deepEqual(encodeInteger(-1), hexBytes("02 01 FF"));
  assert.deepEqual(encodeInteger(5, 0x80), hexBytes("80 01 05"));
  assert.throws(() => encodeInteger(2 ** 31), CstaEncodeError);
  assert.throws(() => encodeInteger(-(2 ** 31) - 1), CstaEncodeError);
  assert.throws(() => integerOctetCount(0.5), CstaEncodeError);
});

Deno.test("encodeInteger matches asn1js's INTEGER encoding and reads back, for every 32-bit value", () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
      const ours = encodeInteger(value);
      const theirs = new Uint8Array(new asn1js.Integer({ value }).toBER());
      const back = readSmallInteger(ours, 2, ours[1]);
      return ours.length === theirs.length && ours.every((b, i) => b === theirs[i]) && back === value;
    }),
    { numRuns: 2000 },
  );
});
