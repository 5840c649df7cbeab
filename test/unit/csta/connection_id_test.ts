import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeValue } from "../../../src/csta/codec.ts";
import {
  connection,
  connectionDevice,
  connectionId,
  type ConnectionList,
  connectionList,
} from "../../../src/csta/connection_id.ts";
import { CstaDecodeError, CstaEncodeError } from "../../../src/csta/decode_error.ts";
import { dialingNumber } from "../../../src/csta/device_id.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

Deno.test("the Panasonic both form 6B { 30 { 80 callID, A1 { 30 … } } } decodes to callID and static device", () => {
  const bytes = hexBytes("6B 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31");
  const decoded = decodeValue(connectionId, bytes);
  assert.deepEqual(decoded, connection(Uint8Array.of(0x00, 0x11), dialingNumber("201")));
  assert.deepEqual(connectionDevice(decoded), dialingNumber("201"));
  assert.equal(bytesHex(connectionId.encode(decoded)), bytesHex(bytes));
});

Deno.test("callID-only, deviceID-only and dynamic device forms keep their wire form", () => {
  assert.equal(bytesHex(connectionId.encode({ callID: Uint8Array.of(7) })), "6B 03 80 01 07");
  const dynamic = { deviceID: { kind: "dynamicID" as const, value: Uint8Array.of(1, 2) } };
  assert.equal(bytesHex(connectionId.encode(dynamic)), "6B 06 A1 04 83 02 01 02");
  assert.deepEqual(decodeValue(connectionId, hexBytes("6B 06 A1 04 83 02 01 02")), dynamic);
  assert.equal(connectionDevice(dynamic), undefined);
});

Deno.test("a ConnectionID with neither part cannot be encoded, and a broken both form cannot be decoded", () => {
  assert.throws(() => connectionId.encode({}), CstaEncodeError);
  for (const hex of ["6B 00", "6B 06 30 04 80 02 00 11", "6B 05 82 03 00 00 00", "6B 06 80 01 01 80 01 02"]) {
    assert.throws(() => decodeValue(connectionId, hexBytes(hex)), CstaDecodeError, hex);
  }
});

Deno.test("ConnectionList entries carry explicit [0]..[3] tags and the endpoint alternatives", () => {
  const list: ConnectionList = [{
    newConnection: { callID: Uint8Array.of(1) },
    oldConnection: { callID: Uint8Array.of(2) },
    endpoint: { kind: "restricted" },
    associatedNID: { kind: "notKnown" },
  }, { endpoint: { kind: "deviceID", value: dialingNumber("1") } }];
  const bytes = connectionList.encode(list);
  assert.equal(
    bytesHex(bytes),
    "30 23 30 18 A0 05 6B 03 80 01 01 A1 05 6B 03 80 01 02 A2 04 A1 02 05 00 A3 02 05 00 30 07 A2 05 30 03 80 01 31",
  );
  assert.deepEqual(decodeValue(connectionList, bytes), list);
});

Deno.test("ConnectionID round-trips for every generated form", () => {
  fc.assert(fc.property(arb.connectionId, (value) => {
    assert.deepEqual(decodeValue(connectionId, connectionId.encode(value)), value);
  }));
});
