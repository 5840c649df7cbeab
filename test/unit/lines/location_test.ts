import assert from "node:assert/strict";
import { DEFAULT_LOCATION, locationSchema } from "../../../src/lines/location.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const berlin = {
  countryCode: "49",
  areaCode: "30",
  localPrefix: "12345",
  internationalAccess: "00",
  nationalAccess: "0",
  outsideLineAccess: "0",
  useLocation: true,
};

Deno.test("a new store answers with the default location and no ranges", async () => {
  const temp = await openTempDatabase();
  try {
    const locations = new LocationRepository(() => temp.db);
    assert.deepEqual(locations.location(), DEFAULT_LOCATION);
    assert.deepEqual(locations.extensionRanges(), []);
  } finally {
    await temp.close();
  }
});

Deno.test("a saved location and saved ranges survive reopening the store", async () => {
  const temp = await openTempDatabase();
  try {
    new LocationRepository(() => temp.db).saveLocation({ ...berlin, areaCode: " 30 " });
    new LocationRepository(() => temp.db).saveExtensionRanges("100-199;200-249");
    const reopened = new LocationRepository(temp.another());
    assert.deepEqual(reopened.location(), berlin);
    assert.equal(reopened.extensionRangesText(), "100-199, 200-249");
  } finally {
    await temp.close();
  }
});

Deno.test("a bad location is refused naming the field, and the stored one stays", async () => {
  const temp = await openTempDatabase();
  try {
    const locations = new LocationRepository(() => temp.db);
    locations.saveLocation(berlin);
    const cases: [Record<string, unknown>, string][] = [
      [{ countryCode: "4a" }, "countryCode"],
      [{ countryCode: "", useLocation: true }, "countryCode"],
      [{ areaCode: "1234567" }, "areaCode"],
      [{ outsideLineAccess: "00000" }, "outsideLineAccess"],
      [{ internationalAccess: "0", nationalAccess: "0" }, "internationalAccess"],
    ];
    for (const [change, field] of cases) {
      const result = locationSchema.safeParse({ ...berlin, ...change });
      assert.equal(result.success, false);
      assert.deepEqual(result.error?.issues.map((issue) => issue.path.join(".")), [field]);
      assert.throws(() => locations.saveLocation({ ...berlin, ...change }));
    }
    assert.deepEqual(locations.location(), berlin);
  } finally {
    await temp.close();
  }
});
