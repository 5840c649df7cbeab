// The APDUs the multiplexer writes and reads by hand (src/csta), byte for byte against PROTOCOL.md.

import assert from "node:assert/strict";
import { stopCdrInvoke } from "../../../src/csta/call_detail_records.ts";
import { isHotelEscape } from "../../../src/csta/kme_private_data.ts";
import { monitorStartInvoke, monitorStopInvoke } from "../../../src/csta/monitoring.ts";
import { type InvokePeek, peekApdu } from "../../../src/csta/peek.ts";
import { noDataAnswer } from "../../../src/csta/rose.ts";
import { systemStatusInvoke, systemStatusOf } from "../../../src/csta/system_services.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
const invokePeek = (apdu: Uint8Array) => peekApdu(apdu) as InvokePeek;

Deno.test("SystemStatus(normal) is written as the PBX sends it and read back by name", () => {
  const apdu = systemStatusInvoke(1, "normal");
  assert.equal(hex(apdu), "a1 0c 02 01 01 02 02 00 d3 30 03 0a 01 02");
  assert.equal(systemStatusOf(apdu, invokePeek(apdu)), "normal");
  assert.equal(
    systemStatusOf(systemStatusInvoke(2, "disabled"), invokePeek(systemStatusInvoke(2, "disabled"))),
    "disabled",
  );
});

Deno.test("a SystemStatus value outside ECMA-285 is read as its number, one without a value as undefined", () => {
  const undefinedValue = systemStatusInvoke(3, 42);
  assert.equal(systemStatusOf(undefinedValue, invokePeek(undefinedValue)), 42);
  const noValue = Uint8Array.of(0xa1, 0x09, 0x02, 0x01, 0x04, 0x02, 0x02, 0x00, 0xd3, 0x30, 0x00);
  assert.equal(systemStatusOf(noValue, invokePeek(noValue)), undefined);
});

Deno.test("the multiplexer's own invokes carry the bytes §8.2 and §10 give them", () => {
  assert.equal(hex(noDataAnswer(7, 211)), "a2 0b 02 01 07 30 06 02 02 00 d3 05 00");
  assert.equal(hex(stopCdrInvoke(5, Uint8Array.of(1, 2))), "a1 0d 02 01 05 02 02 01 6c 30 04 04 02 01 02");
  assert.equal(hex(monitorStopInvoke(1, Uint8Array.of(9))), "a1 0b 02 01 01 02 01 49 30 03 55 01 09");
  const device = Uint8Array.of(0x30, 0x05, 0x80, 0x03, 0x31, 0x30, 0x31);
  assert.equal(hex(monitorStartInvoke(1, device)), "a1 0f 02 01 01 02 01 47 30 07 30 05 80 03 31 30 31");
});

Deno.test("a hotel-control Escape is told from other KME escapes by its first private-data tag", () => {
  const escape = (tag: number) =>
    Uint8Array.of(0xa1, 0x0b, 0x02, 0x01, 0x01, 0x02, 0x01, 0x33, 0x30, 0x03, tag, 0x01, 0x00);
  assert.equal(isHotelEscape(escape(0xad), invokePeek(escape(0xad))), true);
  assert.equal(isHotelEscape(escape(0xa4), invokePeek(escape(0xa4))), false);
});
