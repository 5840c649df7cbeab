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

Deno.test("location and ranges are read from the store once per connection, and again after a save or a new connection", async () => {
  const temp = await openTempDatabase();
  try {
    let db = temp.db;
    const locations = new LocationRepository(() => db);
    locations.saveLocation(berlin);
    locations.saveExtensionRanges("100-199");
    assert.equal(locations.location().areaCode, "30");
    assert.deepEqual(locations.extensionRanges(), [{ first: "100", last: "199" }]);
    // Written behind the repository's back (nothing in cstabox does): the values read stay, so call
    // tracking's lookup for each party costs no SELECT.
    temp.db.exec("UPDATE location SET area_code = '89'");
    temp.db.exec("UPDATE extension_range SET last = '149'");
    assert.equal(locations.location().areaCode, "30");
    assert.deepEqual(locations.extensionRanges(), [{ first: "100", last: "199" }]);
    // What a caller does to an answer does not change the next one.
    locations.location().areaCode = "40";
    locations.extensionRanges()[0].last = "101";
    assert.equal(locations.location().areaCode, "30");
    assert.deepEqual(locations.extensionRanges(), [{ first: "100", last: "199" }]);
    // A new connection (a restored store) is read afresh ...
    db = temp.another()();
    assert.equal(locations.location().areaCode, "89");
    assert.deepEqual(locations.extensionRanges(), [{ first: "100", last: "149" }]);
    // ... and a save is seen at once.
    locations.saveLocation({ ...berlin, areaCode: "69" });
    locations.saveExtensionRanges("200-249");
    assert.equal(locations.location().areaCode, "69");
    assert.equal(locations.extensionRangesText(), "200-249");
  } finally {
    await temp.close();
  }
});
