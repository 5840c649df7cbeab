import assert from "node:assert/strict";
import { DevicePlan, DevicePlanError, expandRanges, type PlanChange } from "../../../src/sim/device_plan.ts";

Deno.test("the default plan has extensions 101-199, 8 CO lines, two groups and DDI numbers for all", () => {
  const plan = DevicePlan.build();
  assert.equal(plan.extensions().length, 99);
  assert.deepEqual(plan.trunks().map((t) => t.number), [
    "9001",
    "9002",
    "9003",
    "9004",
    "9005",
    "9006",
    "9007",
    "9008",
  ]);
  assert.deepEqual(plan.groups().map((g) => [g.number, g.name, g.members]), [
    ["600", "Sales", ["101", "102", "103", "104"]],
    ["601", "Support", ["105", "106", "107", "108"]],
  ]);
  assert.equal(plan.ddiDestination("5551000"), "600");
  assert.equal(plan.ddiDestination("5551101"), "101");
  assert.equal(plan.device("101")!.deviceNumber, 0x01000001);
  assert.equal(plan.deviceByNumber(0x02000001)!.number, "9001");
});

Deno.test("ranges keep their width; malformed or reversed ranges are refused with the field named", () => {
  assert.deepEqual(expandRanges("098-101, 200"), ["098", "099", "100", "101", "200"]);
  assert.throws(
    () => expandRanges("110-101"),
    (e: unknown) => e instanceof DevicePlanError && e.field === "extensions",
  );
  assert.throws(() => expandRanges("99-101"), /same number of digits/);
  assert.throws(() => expandRanges("1a-3"), /not a number/);
});

Deno.test("numbers that would collide are skipped for CO lines and groups, and refused for extensions", () => {
  const plan = DevicePlan.build({ extensions: "600-601,9001", trunks: 2 });
  assert.deepEqual(plan.trunks().map((t) => t.number), ["9002", "9003"]);
  assert.deepEqual(plan.groups().map((g) => g.number), ["602"]);
  assert.throws(() => plan.addExtension("600", "Twice"), /already taken/);
  assert.throws(() => plan.addExtension("0123", "Outside"), /outside-line code/);
});

Deno.test("dialled digits resolve to a device, an outside number, a number still being dialled, or nothing", () => {
  const plan = DevicePlan.build({ extensions: "101-110", trunks: 1 });
  assert.equal(plan.dial("105").kind, "device");
  assert.deepEqual(plan.dial("0301234567"), { kind: "external", number: "0301234567" });
  assert.equal(plan.dial("10").kind, "incomplete");
  assert.equal(plan.dial("0").kind, "incomplete");
  assert.equal(plan.dial("999").kind, "unknown");
  assert.equal(plan.dial("9001").kind, "unknown", "CO lines are not dialled directly");
});

Deno.test("removing a device tells the listeners and drops its DDI and group memberships", () => {
  const plan = DevicePlan.build({ extensions: "101-110", trunks: 1 });
  const changes: PlanChange[] = [];
  plan.onChange((c) => changes.push(c));
  plan.remove("101");
  plan.addExtension("111", "New");
  assert.deepEqual(changes.map((c) => [c.kind, c.device.number]), [["removed", "101"], ["added", "111"]]);
  assert.equal(plan.ddiDestination("5551101"), undefined);
  assert.deepEqual(plan.groups()[0].members, ["102", "103", "104"]);
  assert.deepEqual(plan.pickupPartners("102").map((e) => e.number), [
    "103",
    "104",
    "105",
    "106",
    "107",
    "108",
    "109",
    "110",
    "111",
  ]);
});
