import assert from "node:assert/strict";
import { Opcode, opcodeName, SWITCH_ONLY_OPCODES, UNANSWERED_OPCODES } from "../../../src/csta/opcodes.ts";

Deno.test("operation codes carry their §6 numbers and names look up both ways", () => {
  assert.equal(Opcode.monitorStart, 71);
  assert.equal(Opcode.cSTAEventReport, 21);
  assert.equal(Opcode.systemStatus, 211);
  assert.equal(Opcode.startCDRTransmission, 363);
  assert.equal(Opcode.escape, 51);
  for (const [name, code] of Object.entries(Opcode)) assert.equal(opcodeName(code), name);
  assert.equal(opcodeName(52), undefined, "Phase I/II systemStatus is not a Phase III code");
});

Deno.test("the §6 table has 51 distinct codes", () => {
  const codes = Object.values(Opcode);
  assert.equal(codes.length, 51);
  assert.equal(new Set(codes).size, codes.length);
});

Deno.test("EventReport, SystemRegisterAbort and SwitchingFunctionDevices are never answered", () => {
  assert.deepEqual([...UNANSWERED_OPCODES].sort((a, b) => a - b), [21, 205, 208]);
});

Deno.test("the switch-only operations are the §6 SF→CF rows; SystemStatus and the two-way ones are not", () => {
  assert.deepEqual([...SWITCH_ONLY_OPCODES].sort((a, b) => a - b), [21, 205, 208, 212, 213, 360, 361]);
  for (const both of [Opcode.systemStatus, Opcode.escape, Opcode.monitorStop, Opcode.stopCDRTransmission]) {
    assert.equal(SWITCH_ONLY_OPCODES.has(both), false, opcodeName(both));
  }
});
