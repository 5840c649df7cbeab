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
