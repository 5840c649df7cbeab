import assert from "node:assert/strict";
import fc from "fast-check";
import { BerReader, MAX_BER_DEPTH, TagClass, tagKey, tagNumberOf } from "../../../src/csta/ber_reader.ts";
import { identifierOctets, integerContent, lengthOctets, tlv } from "../../../src/csta/ber_writer.ts";
import { bitStringOf, isBitSet, setBitsOf } from "../../../src/csta/bit_string.ts";
import { decodeValue, integer, opt, req, sequence } from "../../../src/csta/codec.ts";
import { CstaDecodeError, CstaEncodeError } from "../../../src/csta/decode_error.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";

Deno.test("long-form lengths up to four octets are read and written minimally", () => {
  assert.equal(bytesHex(lengthOctets(0x7f)), "7F");
  assert.equal(bytesHex(lengthOctets(0x80)), "81 80");
  assert.equal(bytesHex(lengthOctets(0x1234)), "82 12 34");
  const content = new Uint8Array(300);
  const element = tlv(0x04, content);
  assert.equal(bytesHex(element.subarray(0, 4)), "04 82 01 2C");
  const reader = new BerReader(element);
  assert.equal(reader.single("x").contentEnd, 304);
});

Deno.test("high tag numbers such as the KME [38] are read and written", () => {
  const tag = tagKey(TagClass.context, true, 38);
  assert.equal(bytesHex(identifierOctets(tag)), "BF 26");
  assert.equal(tagNumberOf(tag), 38);
  const element = new BerReader(hexBytes("BF 26 00")).single("x");
  assert.equal(element.tag, tag);
  assert.equal(bytesHex(tlv(tagKey(TagClass.context, false, 200), Uint8Array.of(1))), "9F 81 48 01 01");
});

Deno.test("indefinite lengths are accepted on constructed elements only", () => {
  const reader = new BerReader(hexBytes("30 80 02 01 05 30 80 00 00 00 00"));
  const top = reader.single("x");
  assert.equal(top.end, 11);
  const children = reader.children(top, "x");
  assert.equal(children.length, 2);
  assert.equal(reader.integer(children[0], "x"), 5);
  assert.throws(() => new BerReader(hexBytes("04 80 00 00")).single("x"), /indefinite length on a primitive/);
  assert.throws(
    () => new BerReader(hexBytes("30 80 02 01 05")).single("x"),
    /end-of-contents octets missing/,
  );
});

Deno.test("lengths past the enclosing data, oversize lengths and trailing bytes fail with offsets", () => {
  const cases: [string, RegExp, number][] = [
    ["30 05 02 01 01", /runs past/, 0],
    ["30 85 00 00 00 00 01", /length of 5 octets/, 1],
    ["02 01 01 00", /trailing/, 3],
    ["30 03 02 02 01", /runs past/, 2],
    ["1F FF FF FF 7F 00", /tag number too large/, 0],
  ];
  for (const [hex, message, offset] of cases) {
    assert.throws(() => {
      const reader = new BerReader(hexBytes(hex), 100);
      const top = reader.single("x");
      if (top.constructed) reader.children(top, "x");
    }, (error: unknown) => {
      assert.ok(error instanceof CstaDecodeError, hex);
      assert.match(error.message, message);
      assert.equal(error.offset, 100 + offset, hex);
      return true;
    });
  }
});

Deno.test("nesting deeper than the limit is refused before it is walked", () => {
  let bytes: Uint8Array = new Uint8Array(0);
  for (let i = 0; i <= MAX_BER_DEPTH; i++) bytes = tlv(0x30, bytes);
  const reader = new BerReader(bytes);
  let element = reader.single("x");
  assert.throws(() => {
    for (;;) element = reader.children(element, "x")[0];
  }, /nesting deeper/);
});

Deno.test("integers are two's complement, at most six octets, minimal when written", () => {
  const values: [number, string][] = [[0, "00"], [127, "7F"], [128, "00 80"], [-1, "FF"], [-129, "FF 7F"], [
    211,
    "00 D3",
  ], [361, "01 69"]];
  for (const [value, hex] of values) assert.equal(bytesHex(integerContent(value, "x")), hex);
  assert.throws(() => integerContent(2 ** 47, "x"), CstaEncodeError);
  assert.throws(() => integerContent(1.5, "x"), CstaEncodeError);
  assert.throws(() => decodeValue(integer, hexBytes("02 07 01 00 00 00 00 00 00")), /too large/);
  assert.throws(() => decodeValue(integer, hexBytes("02 00")), /no content/);
  fc.assert(fc.property(fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }), (value) => {
    assert.equal(decodeValue(integer, integer.encode(value)), value);
  }));
});

Deno.test("bit strings are built trimmed after the highest set bit unless a width is given", () => {
  assert.deepEqual(bitStringOf([]), { unusedBits: 0, bytes: new Uint8Array(0) });
  assert.deepEqual(bitStringOf([0]), { unusedBits: 7, bytes: Uint8Array.of(0x80) });
  assert.deepEqual(bitStringOf([4], 16), { unusedBits: 0, bytes: Uint8Array.of(0x08, 0x00) });
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 })), (bits) => {
    const value = bitStringOf(bits);
    assert.deepEqual(setBitsOf(value), [...bits].sort((a, b) => a - b));
    assert.equal(isBitSet(value, 41), false);
  }));
});

Deno.test("a SEQUENCE keeps unknown elements at their place and reports missing mandatory components", () => {
  const codec = sequence("Test", { a: req(integer), b: opt(integer) });
  const bytes = hexBytes("30 0A DF 40 01 AA 02 01 01 DF 41 00");
  const value = decodeValue(codec, bytes);
  assert.equal(value.a, 1);
  assert.equal(value.unknownFields?.length, 2);
  assert.equal(value.unknownFields?.[0].after, null);
  assert.equal(value.unknownFields?.[1].after, "a");
  assert.equal(bytesHex(codec.encode(value)), bytesHex(bytes));
  assert.throws(() => decodeValue(codec, hexBytes("30 03 DF 40 00")), /Test\.a: mandatory component missing/);
  assert.throws(() => codec.encode({ b: 1 } as never), CstaEncodeError);
});

Deno.test("encoding refuses a field the SEQUENCE does not declare instead of dropping it", () => {
  const codec = sequence("Test", { a: req(integer) });
  assert.throws(() => codec.encode({ a: 1, b: 2 } as never), /unknown field "b"/);
  assert.equal(bytesHex(codec.encode({ a: 1, b: undefined } as never)), "30 03 02 01 01");
});
