import assert from "node:assert/strict";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { NumberingPlan } from "../../../src/lines/numbering_plan.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("the numbering plan reads location, ranges and lines from the store as they are now", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    const locations = new LocationRepository(() => temp.db);
    const plan = new NumberingPlan(locations, lines);
    lines.create({ number: "555" });
    assert.equal(plan.isInternal("555"), true);
    assert.equal(plan.isInternal("101"), false);
    locations.saveLocation({
      countryCode: "49",
      areaCode: "30",
      localPrefix: "12345",
      internationalAccess: "00",
      nationalAccess: "0",
      outsideLineAccess: "0",
      useLocation: true,
    });
    locations.saveExtensionRanges("100-199");
    assert.equal(plan.isInternal("555"), false);
    assert.equal(plan.displayNumber("101"), "+49(30)12345-101");
    assert.equal(plan.dialable("+49(30)12345-101"), "101");
    assert.equal(plan.dialable("+49 89 1234567"), "00891234567");
    assert.equal(plan.format("0301234567", "canonical"), "+49(30)1234567");
    assert.equal(plan.convert("101").number.kind, "internal");
  } finally {
    await temp.close();
  }
});

Deno.test("the numbering plan does not keep what a rolled-back line transaction wrote", async () => {
  const temp = await openTempDatabase();
  try {
    const lines = new LineRepository(() => temp.db);
    const plan = new NumberingPlan(new LocationRepository(() => temp.db), lines);
    assert.equal(plan.isInternal("777"), false);
    assert.throws(() =>
      lines.transaction(() => {
        lines.create({ number: "777" });
        // Read inside the transaction: the uncommitted line counts here…
        assert.equal(plan.isInternal("777"), true);
        throw new Error("import refused");
      }), /import refused/);
    // …and no longer once it is rolled back.
    assert.equal(lines.get("777"), undefined);
    assert.equal(plan.isInternal("777"), false);
  } finally {
    await temp.close();
  }
});

Deno.test("the numbering plan reads the store again after it was reopened (a restore)", async () => {
  const temp = await openTempDatabase();
  try {
    const locations = new LocationRepository(() => temp.db);
    const plan = new NumberingPlan(locations, new LineRepository(() => temp.db));
    locations.saveExtensionRanges("100-199");
    assert.equal(plan.isInternal("150"), true);
    // Another connection changes the file, as a restored database replaces it; this one reopens.
    const other = temp.another()();
    other.exec("DELETE FROM extension_range");
    other.exec("INSERT INTO extension_range (position, first, last) VALUES (0, '200', '299')");
    temp.reopen();
    assert.equal(plan.isInternal("150"), false);
    assert.equal(plan.isInternal("250"), true);
  } finally {
    await temp.close();
  }
});
