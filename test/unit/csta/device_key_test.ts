// The device key shared by the Switchboard's monitors and the licence seats, and its words on pages and in refusals.

import assert from "node:assert/strict";
import { deviceKey, deviceWords } from "../../../src/csta/device_key.ts";
import { deviceNumber, dialingNumber } from "../../../src/csta/device_id.ts";

const known = (n: number) => (n === 16777473 ? "101" : undefined);

Deno.test("a device is keyed by its digits, whether named by number or by a device number whose digits are known", () => {
  assert.equal(deviceKey(dialingNumber("101"), known), "n:101");
  assert.equal(deviceKey(deviceNumber(16777473), known), "n:101");
  assert.equal(deviceKey(deviceNumber(16777474), known), "d:16777474");
  assert.equal(
    deviceKey({ deviceIdentifier: { kind: "other", value: Uint8Array.of(0x0a, 0xff) } }, known),
    "o:0aff",
  );
});

Deno.test("a key reads as the number on pages, as 'line …' in a sentence, other keys in words", () => {
  assert.equal(deviceWords("n:101"), "101");
  assert.equal(deviceWords("n:101", "line"), "line 101");
  assert.equal(deviceWords("d:16777474"), "device number 16777474");
  assert.equal(deviceWords("d:16777474", "line"), "device number 16777474");
  assert.equal(deviceWords("o:0aff"), "other device (0aff)");
  assert.equal(deviceWords("103"), "103");
});
