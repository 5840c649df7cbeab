// The trace's decode of single APDUs and the AARQ password mask, on real bytes from the codec.

import assert from "node:assert/strict";
import { encodeAarq, encodeLoginAarq, maskAarqPassword, PROTOCOL_VERSION_1 } from "../../../src/csta/acse.ts";
import { describeApdu } from "../../../src/csta/frame_description.ts";
import { encodeReturnError } from "../../../src/csta/rose.ts";

const utf8 = new TextEncoder();

Deno.test("an AARQ's estos login keeps the name and masks the password in the bytes", () => {
  const masked = maskAarqPassword(encodeLoginAarq("alice", "pw-123456"));
  assert.ok(masked.toHex().includes(utf8.encode("alice").toHex()));
  assert.ok(!masked.toHex().includes(utf8.encode("pw-123456").toHex()));
  assert.match(describeApdu(masked).details, /user=alice password=\(masked\)/);
});

Deno.test("the X.227 charstring form (a password alone) is masked whole", () => {
  // calling-authentication-value `AC 05 80 03 "abc"`
  const aarq = encodeAarq({
    protocolVersion: PROTOCOL_VERSION_1,
    callingAuthenticationValue: Uint8Array.of(0x80, 0x03, 0x61, 0x62, 0x63),
  });
  const masked = maskAarqPassword(aarq);
  assert.ok(!masked.toHex().includes("616263"));
  assert.ok(masked.toHex().includes("80032a2a2a"));
});

Deno.test("an unreadable AARQ has all its content masked", () => {
  const broken = Uint8Array.of(0x60, 0x09, 0xac, 0x07, 0x80, 0x09, 0x73, 0x65, 0x63, 0x72, 0x65);
  const masked = maskAarqPassword(broken);
  assert.deepEqual([...masked.subarray(2)], new Array(broken.length - 2).fill(0x2a));
});

Deno.test("a ReturnError's UniversalFailure is named as a cause", () => {
  const error = encodeReturnError(12, { kind: "operation", value: "invalidDeviceID" } as never);
  const d = describeApdu(error);
  assert.equal(d.name, "error");
  assert.equal(d.invokeId, 12);
  assert.deepEqual(d.causes, ["operation/invalidDeviceID"]);
});

Deno.test("bytes that are no APDU are described as unreadable, never thrown", () => {
  const d = describeApdu(Uint8Array.of(0xa1, 0x05, 0x02));
  assert.equal(d.kind, "unreadable");
  assert.ok(d.problem);
});
