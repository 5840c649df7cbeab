import assert from "node:assert/strict";
import { LineDirectory } from "../../../src/calls/line_directory.ts";

const lines = [
  { number: "101", kind: "extension" as const, deviceNumber: 0x01000001, enabled: true },
  { number: "102", kind: "extension" as const, deviceNumber: null, enabled: false },
  { number: "600", kind: "group" as const, deviceNumber: 0x03000001, enabled: true },
  { number: "9001", kind: "trunk" as const, deviceNumber: 0x02000001, enabled: true },
  { number: "700", kind: "other" as const, deviceNumber: null, enabled: true },
];

Deno.test("enabled extension, group and trunk lines are monitored; disabled and other lines are not", () => {
  assert.deepEqual(new LineDirectory(lines).monitored, ["101", "600", "9001"]);
});

Deno.test("parties: lines by kind, other lines and numbers in the extension ranges internal, the rest outside", () => {
  const asked: string[] = [];
  const directory = new LineDirectory(lines, (n) => {
    asked.push(n);
    return n.startsWith("1") && n.length === 3;
  });
  assert.deepEqual(
    ["101", "102", "600", "9001", "700", "150", "0301234567"].map((n) => directory.kindOf(n)),
    ["extension", "extension", "group", "trunk", "internal", "internal", "external"],
  );
  directory.kindOf("0301234567");
  assert.deepEqual(asked, ["150", "0301234567"], "the numbering plan is asked once per number");
  assert.equal(directory.numberOfDevice(0x02000001), "9001");
  assert.equal(directory.numberOfDevice(42), undefined);
});
