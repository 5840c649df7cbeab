import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { deviceNumber, dialingNumber } from "../../../src/csta/device_id.ts";
import { buildExtensions } from "../../../src/csta/extensions.ts";
import {
  additionalDataPrivateData,
  decodeDeviceListRequestResult,
  decodeKmeEscape,
  decodeKmePrivateData,
  deviceListSegmentPrivateData,
  encodeDeviceListRequest,
  encodeDeviceListRequestResult,
  encodeDeviceListSegment,
  type KmeDeviceListSegment,
} from "../../../src/csta/kme_private_data.ts";
import { decodeTypedInvoke } from "../../../src/csta/operations.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

const CAPTURED_REQUESTS: [number, number, string][] = [
  [0x0602, 5, "A1 16 02 02 06 02 02 01 33 30 0D A4 0B A0 09 A4 07 A1 05 A0 03 0A 01 05"],
  [0x00e0, 2, "A1 16 02 02 00 E0 02 01 33 30 0D A4 0B A0 09 A4 07 A1 05 A0 03 0A 01 02"],
];

Deno.test("the GetSystemData device-list escape is built byte for byte as LinTcMon sends it (§11)", () => {
  for (const [invokeId, category, hex] of CAPTURED_REQUESTS) {
    assert.equal(bytesHex(encodeDeviceListRequest(invokeId, category)), hex);
  }
});

Deno.test("the captured requests decode to a device-list request with their category", () => {
  for (const [invokeId, category, hex] of CAPTURED_REQUESTS) {
    const apdu = decodeApdu(hexBytes(hex));
    assert.ok(apdu.kind === "invoke");
    assert.equal(apdu.invokeId, invokeId);
    assert.deepEqual(decodeKmeEscape(apdu.argument!), { kind: "deviceListRequest", category });
    assert.equal(decodeTypedInvoke(apdu)?.operation, "escape");
  }
});

Deno.test("a device-list segment nests crossRef, segment, last flag and the [38] list as in LinTcMon", () => {
  const segment: KmeDeviceListSegment = {
    crossRefID: Uint8Array.of(1),
    segmentID: 1,
    lastSegment: true,
    devices: [{ device: deviceNumber(0x41), number: "101", status: 0 }],
  };
  assert.equal(
    bytesHex(deviceListSegmentPrivateData(segment)),
    "A4 2B A3 29 30 27 A0 03 04 01 01 A1 03 02 01 01 A2 03 01 01 FF A3 16 30 14 BF 26 11 30 0F 30 0D 30 03 81 01 41 16 03 31 30 31 0A 01 00",
  );
  const apdu = decodeApdu(encodeDeviceListSegment(77, segment));
  assert.ok(apdu.kind === "invoke" && apdu.opcode === 51);
  assert.deepEqual(decodeKmeEscape(apdu.argument!), { kind: "deviceListSegment", segment });
});

Deno.test("segments with status2 and several devices survive encode then decode", () => {
  const entry = arb.rec({ device: arb.deviceId, number: arb.digits }, {
    status: arb.smallInt,
    status2: arb.smallInt,
  });
  const segment = arb.rec({ devices: fc.array(entry, { maxLength: 5 }) }, {
    crossRefID: arb.octets(),
    segmentID: arb.smallInt,
    lastSegment: arb.bool,
  });
  fc.assert(fc.property(segment, (value) => {
    const apdu = decodeApdu(encodeDeviceListSegment(3, value));
    assert.ok(apdu.kind === "invoke");
    assert.deepEqual(decodeKmeEscape(apdu.argument!), { kind: "deviceListSegment", segment: value });
  }));
});

Deno.test("the request's answer yields the KME cross reference, or nothing for noData", () => {
  const withAck = decodeApdu(encodeDeviceListRequestResult(0x0602, Uint8Array.of(0xab, 0xcd)));
  assert.ok(withAck.kind === "returnResult");
  assert.equal(withAck.result?.opcode, 51);
  assert.deepEqual(
    decodeDeviceListRequestResult(withAck.result!.value!).crossRefID,
    Uint8Array.of(0xab, 0xcd),
  );
  assert.equal(bytesHex(encodeDeviceListRequestResult(1)), "A2 0A 02 01 01 30 05 02 01 33 05 00");
  assert.deepEqual(decodeDeviceListRequestResult(hexBytes("05 00")), {});
  assert.deepEqual(decodeDeviceListRequestResult(hexBytes("A4 06 A4 04 04 02 00 07")), {
    crossRefID: Uint8Array.of(0, 7),
  });
  const other = buildExtensions({ privateData: [hexBytes("04 01 09")] });
  assert.deepEqual(decodeDeviceListRequestResult(other), { extensions: other });
});

Deno.test("kmeAdditionalData condition codes and other alternatives are read, unknown ones kept raw", () => {
  const code = additionalDataPrivateData({ kind: "conditionCode", value: "callForwarding" });
  assert.equal(bytesHex(code), "A6 05 AA 03 0A 01 02");
  assert.deepEqual(decodeKmePrivateData(code), {
    kind: "additionalData",
    data: { kind: "conditionCode", value: "callForwarding" },
  });
  for (
    const data of [
      { kind: "device", value: dialingNumber("201") },
      { kind: "didNo", value: dialingNumber("0301234567") },
      { kind: "holdType", value: 1 },
      { kind: "callID", value: Uint8Array.of(0, 0x11) },
    ] as const
  ) {
    assert.deepEqual(decodeKmePrivateData(additionalDataPrivateData(data)), { kind: "additionalData", data });
  }
  assert.deepEqual(decodeKmePrivateData(hexBytes("A6 04 B0 02 05 00")), {
    kind: "additionalData",
    data: { kind: "other", tag: 16, raw: hexBytes("B0 02 05 00") },
  });
  assert.deepEqual(decodeKmePrivateData(hexBytes("A9 02 05 00")), {
    kind: "other",
    alternative: 9,
    raw: hexBytes("A9 02 05 00"),
  });
});

Deno.test("malformed KME data is a CstaDecodeError", () => {
  for (const hex of ["04 00", "A4 00", "A4 04 A0 02 A5 00", "A4 04 A3 02 31 00", "A4 05 A3 03 30 01 00"]) {
    assert.throws(() => decodeKmePrivateData(hexBytes(hex)), CstaDecodeError, hex);
  }
});
