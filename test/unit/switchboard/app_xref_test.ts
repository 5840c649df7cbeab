import assert from "node:assert/strict";
import { APP_XREF_MAX, appXrefOctets, readAppXref } from "../../../src/switchboard/app_xref.ts";

Deno.test("application crossRefs go on the wire as four big-endian octets", () => {
  assert.deepEqual([...appXrefOctets(1)], [0, 0, 0, 1]);
  assert.deepEqual([...appXrefOctets(0x01020304)], [1, 2, 3, 4]);
  assert.deepEqual([...appXrefOctets(APP_XREF_MAX)], [0xff, 0xff, 0xff, 0xff]);
});

Deno.test("application crossRefs read back from their octets, the top bit included", () => {
  for (const value of [1, 0x7f, 0x80, 0x1234, 0x7fffffff, 0x80000000, APP_XREF_MAX]) {
    assert.equal(readAppXref(appXrefOctets(value)), value);
  }
});

Deno.test("octets that are not four long name no application crossRef", () => {
  assert.equal(readAppXref(Uint8Array.of(1)), undefined);
  assert.equal(readAppXref(Uint8Array.of(0, 0, 1)), undefined);
  assert.equal(readAppXref(Uint8Array.of(0, 0, 0, 0, 1)), undefined);
});

Deno.test("octets are written into the array given, for a scratch array reused per copy", () => {
  const scratch = new Uint8Array(4);
  assert.equal(appXrefOctets(7, scratch), scratch);
  assert.deepEqual([...scratch], [0, 0, 0, 7]);
});
