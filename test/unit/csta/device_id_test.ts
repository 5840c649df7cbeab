import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeValue } from "../../../src/csta/codec.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import {
  associatedCalledDeviceId,
  associatedCallingDeviceId,
  calledDeviceId,
  callingDeviceId,
  deviceId,
  deviceNumber,
  deviceOf,
  dialingNumber,
  extendedDeviceId,
  identifierDigits,
  networkCalledDeviceId,
  networkCallingDeviceId,
  redirectionDeviceId,
  subjectDeviceId,
} from "../../../src/csta/device_id.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

Deno.test("extension 201 as dialingNumber is 30 05 80 03 32 30 31 (§5.1)", () => {
  assert.equal(bytesHex(deviceId.encode(dialingNumber("201"))), "30 05 80 03 32 30 31");
  assert.deepEqual(decodeValue(deviceId, hexBytes("30 05 80 03 32 30 31")), dialingNumber("201"));
});

Deno.test("a deviceNumber is 30 LL 81 LL <integer> (§14.4)", () => {
  assert.equal(bytesHex(deviceId.encode(deviceNumber(0x01000041))), "30 06 81 04 01 00 00 41");
  assert.deepEqual(decodeValue(deviceId, hexBytes("30 06 81 04 01 00 00 41")), deviceNumber(16777281));
});

Deno.test("every identifier form has its §5.1 tag", () => {
  const forms: [string, string][] = [
    ["82 01 31", "implicitPublic"],
    ["A3 03 81 01 31", "explicitPublic"],
    ["84 01 31", "implicitPrivate"],
    ["A5 03 86 01 31", "explicitPrivate"],
    ["86 01 31", "other"],
  ];
  for (const [identifier, kind] of forms) {
    const bytes = hexBytes(`30 ${hexBytes(identifier).length.toString(16).padStart(2, "0")} ${identifier}`);
    const device = decodeValue(deviceId, bytes);
    assert.equal(device.deviceIdentifier.kind, kind);
    assert.equal(bytesHex(deviceId.encode(device)), bytesHex(bytes));
  }
  const ton = decodeValue(deviceId, hexBytes("30 05 A3 03 81 01 34"));
  assert.deepEqual(ton.deviceIdentifier, {
    kind: "explicitPublic",
    value: { kind: "international", value: "4" },
  });
  assert.equal(identifierDigits(ton.deviceIdentifier), "4");
  assert.equal(identifierDigits(deviceNumber(5).deviceIdentifier), undefined);
});

Deno.test("privateNumber and privateName are explicit [0]/[1] IA5Strings after the identifier", () => {
  const device = { ...dialingNumber("201"), privateNumber: "9201", privateName: "Desk" };
  assert.equal(
    bytesHex(deviceId.encode(device)),
    "30 15 80 03 32 30 31 A0 06 16 04 39 32 30 31 A1 06 16 04 44 65 73 6B",
  );
});

Deno.test("wrappers use their application tags and NULL alternatives notKnown [7] and restricted [8]", () => {
  const wrappers = [
    [callingDeviceId, 0x61],
    [calledDeviceId, 0x62],
    [subjectDeviceId, 0x63],
    [associatedCallingDeviceId, 0x65],
    [associatedCalledDeviceId, 0x66],
    [networkCallingDeviceId, 0x67],
    [networkCalledDeviceId, 0x68],
    [extendedDeviceId, 0x69],
  ] as const;
  for (const [codec, tag] of wrappers) {
    assert.equal(bytesHex(codec.encode({ kind: "notKnown" })), `${tag.toString(16).toUpperCase()} 02 87 00`);
    assert.equal(
      bytesHex(codec.encode({ kind: "restricted" })),
      `${tag.toString(16).toUpperCase()} 02 88 00`,
    );
  }
  assert.equal(
    bytesHex(subjectDeviceId.encode({ kind: "deviceIdentifier", value: dialingNumber("201") })),
    "63 07 30 05 80 03 32 30 31",
  );
});

Deno.test("RedirectionDeviceID names all four NULL alternatives (§5.1)", () => {
  assert.deepEqual(decodeValue(redirectionDeviceId, hexBytes("64 02 87 00")), { kind: "notKnown" });
  assert.deepEqual(decodeValue(redirectionDeviceId, hexBytes("64 02 88 00")), { kind: "notRequired" });
  assert.deepEqual(decodeValue(redirectionDeviceId, hexBytes("64 02 89 00")), { kind: "notSpecified" });
  assert.deepEqual(decodeValue(redirectionDeviceId, hexBytes("64 02 8A 00")), { kind: "restricted" });
});

Deno.test("the 2nd-edition bare identifier inside a wrapper is accepted and kept bare", () => {
  const bytes = hexBytes("62 05 84 03 32 30 31");
  const called = decodeValue(calledDeviceId, bytes);
  assert.deepEqual(called, { kind: "implicitPrivate", value: "201" });
  assert.equal(bytesHex(calledDeviceId.encode(called)), bytesHex(bytes));
  assert.deepEqual(deviceOf(called), { deviceIdentifier: { kind: "implicitPrivate", value: "201" } });
  assert.equal(deviceOf({ kind: "notKnown" }), undefined);
});

Deno.test("a wrapper holding two elements or a DeviceID without identifier is rejected with an offset", () => {
  assert.throws(() => decodeValue(callingDeviceId, hexBytes("61 04 87 00 87 00")), CstaDecodeError);
  for (const hex of ["30 03 A0 01 16", "30 00"]) {
    assert.throws(() => decodeValue(deviceId, hexBytes(hex)), CstaDecodeError);
  }
});

Deno.test("DeviceID and every wrapper round-trip through encode and decode", () => {
  fc.assert(fc.property(arb.deviceId, (device) => {
    assert.deepEqual(decodeValue(deviceId, deviceId.encode(device)), device);
  }));
  fc.assert(fc.property(arb.partyDeviceId, (party) => {
    assert.deepEqual(decodeValue(callingDeviceId, callingDeviceId.encode(party)), party);
  }));
  fc.assert(fc.property(arb.redirectionDeviceId, (redirection) => {
    assert.deepEqual(decodeValue(redirectionDeviceId, redirectionDeviceId.encode(redirection)), redirection);
  }));
});
