import assert from "node:assert/strict";
import { parseExtensionRanges } from "../../../src/lines/extension_ranges.ts";
import type { Line } from "../../../src/lines/line.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import {
  applyLineSync,
  type OfferedDevice,
  planHasChanges,
  planLineSync,
} from "../../../src/lines/line_sync_plan.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const line = (number: string, fields: Partial<Line> = {}): Line => ({
  number,
  name: "",
  kind: "extension",
  deviceNumber: null,
  enabled: true,
  missingFromPbx: false,
  ...fields,
});

const offered: OfferedDevice[] = [
  { number: "101", deviceNumber: 1, kind: "extension", name: "Reception" },
  { number: "102", deviceNumber: 2, kind: "extension", name: "Sales" },
  { number: "601", deviceNumber: 60, kind: "group", name: "Hunt group" },
  { number: "5000", kind: "trunk" },
];

Deno.test("the plan adds new devices, changes differing ones and lists lines no longer offered", () => {
  const current = [
    line("101", { deviceNumber: 1, name: "Reception" }),
    line("102", { deviceNumber: 9, name: "Old" }),
    line("199", { name: "Gone" }),
    line("198", { missingFromPbx: true }),
  ];
  const plan = planLineSync(current, offered, []);
  assert.deepEqual(plan.add.map((l) => [l.number, l.kind, l.deviceNumber, l.name]), [
    ["601", "group", 60, "Hunt group"],
    ["5000", "trunk", null, ""],
  ]);
  assert.deepEqual(plan.change.map((c) => [c.before.number, c.fields]), [["102", ["name", "deviceNumber"]]]);
  assert.deepEqual(plan.remove.map((l) => l.number), ["199"]);
  assert.deepEqual(plan.missing.map((l) => l.number), ["198"]);
  assert.equal(plan.unchanged, 1);
});

Deno.test("extension ranges filter what the PBX offers, and unusable numbers are skipped with a reason", () => {
  const plan = planLineSync(
    [],
    [...offered, { number: "10a", kind: "other" }, { number: "101", kind: "extension" }],
    parseExtensionRanges("100-199"),
  );
  assert.deepEqual(plan.add.map((l) => l.number), ["101", "102"]);
  assert.deepEqual(plan.skipped.map((s) => s.number), ["601", "5000", "10a", "101"]);
  assert.match(plan.skipped[0].reason, /outside the extension ranges/);
  assert.match(plan.skipped[2].reason, /not an internal number/);
  assert.match(plan.skipped[3].reason, /offered twice/);
});

Deno.test("without reading names, PBX names neither name new lines nor rename existing ones", () => {
  const plan = planLineSync([line("101", { deviceNumber: 1, name: "Mine" })], offered.slice(0, 2), [], {
    readNames: false,
  });
  assert.deepEqual(plan.add.map((l) => l.name), [""]);
  assert.equal(plan.change.length, 0);
});

Deno.test("a line offered again after being flagged missing has its flag cleared", () => {
  const plan = planLineSync(
    [line("101", { deviceNumber: 1, name: "Reception", missingFromPbx: true })],
    offered,
    [],
  );
  assert.deepEqual(plan.change.map((c) => [c.before.number, c.fields]), [["101", ["missingFromPbx"]]]);
});

Deno.test("applying a load adds the PBX's lines and a second load reports no changes", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    const first = planLineSync(lines.list(), offered, []);
    assert.deepEqual(applyLineSync(lines, first, { removals: "flag" }), {
      added: ["101", "102", "601", "5000"],
      changed: [],
      flagged: [],
      deleted: [],
    });
    const second = planLineSync(lines.list(), offered, []);
    assert.equal(planHasChanges(second), false);
    assert.equal(second.unchanged, 4);
  } finally {
    await temp.close();
  }
});

Deno.test("removals are flagged or deleted as asked", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    lines.create({ number: "198", missingFromPbx: true });
    lines.create({ number: "199" });
    const plan = planLineSync(lines.list(), [], []);
    assert.deepEqual(applyLineSync(lines, plan, { removals: "flag" }).flagged, ["199"]);
    assert.equal(lines.get("199")?.missingFromPbx, true);
    assert.equal(planHasChanges(planLineSync(lines.list(), [], []), "flag"), false);
    const again = planLineSync(lines.list(), [], []);
    assert.equal(planHasChanges(again, "delete"), true);
    assert.deepEqual(applyLineSync(lines, again, { removals: "delete" }).deleted, ["198", "199"]);
    assert.equal(lines.count(), 0);
  } finally {
    await temp.close();
  }
});
