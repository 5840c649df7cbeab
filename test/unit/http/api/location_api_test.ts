import assert from "node:assert/strict";
import { createLocationApi } from "../../../../src/http/api/location_api.ts";
import { LineRepository } from "../../../../src/lines/line_repository.ts";
import { DEFAULT_LOCATION } from "../../../../src/lines/location.ts";
import { LocationRepository } from "../../../../src/lines/location_repository.ts";
import { NumberingPlan } from "../../../../src/lines/numbering_plan.ts";
import { apiCall } from "../../../support/api_call.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";

const berlin = {
  countryCode: "49",
  areaCode: "30",
  localPrefix: "12345",
  internationalAccess: "00",
  nationalAccess: "0",
  outsideLineAccess: "0",
  useLocation: true,
};

async function setup() {
  const temp = await openTempDatabase();
  const locations = new LocationRepository(() => temp.db);
  const numbering = new NumberingPlan(locations, new LineRepository(() => temp.db));
  const call = apiCall("/api/location", createLocationApi({ locations, numbering }));
  return { temp, call };
}

Deno.test("the location is read, saved and used to convert numbers into every form", async () => {
  const { temp, call } = await setup();
  try {
    assert.deepEqual(await (await call("GET", "/api/location")).json(), DEFAULT_LOCATION);
    assert.equal((await call("PUT", "/api/location", berlin)).status, 200);
    assert.equal(
      (await call("PUT", "/api/location/extension-ranges", { text: "100-199;200-249" })).status,
      200,
    );
    const converted = await (await call("POST", "/api/location/convert", { number: "100" })).json();
    assert.deepEqual(converted, {
      input: "100",
      kind: "internal",
      number: { kind: "internal", extension: "100" },
      forms: {
        canonical: "+49(30)12345-100",
        international: "+493012345100",
        national: "03012345100",
        local: "12345100",
        internal: "100",
        dialable: "100",
      },
    });
    const dialled = await (await call("POST", "/api/location/convert", {
      number: "00891234567",
      withOutsideLineAccess: true,
    })).json();
    assert.equal(dialled.forms.canonical, "+49891234567");
    assert.deepEqual(await (await call("GET", "/api/location/extension-ranges")).json(), {
      text: "100-199, 200-249",
      ranges: [{ first: "100", last: "199" }, { first: "200", last: "249" }],
    });
  } finally {
    await temp.close();
  }
});

Deno.test("bad location values, ranges and numbers are refused naming the field; the saved values stay", async () => {
  const { temp, call } = await setup();
  try {
    await call("PUT", "/api/location", berlin);
    const badLocation = await call("PUT", "/api/location", { ...berlin, areaCode: "3O" });
    assert.equal(badLocation.status, 400);
    assert.equal((await badLocation.json()).error.field, "areaCode");
    const noCountry = await call("PUT", "/api/location", { ...berlin, countryCode: "" });
    assert.equal((await noCountry.json()).error.field, "countryCode");
    assert.deepEqual(await (await call("GET", "/api/location")).json(), berlin);

    const badRanges = await call("PUT", "/api/location/extension-ranges", { text: "100-199, 300-200" });
    assert.equal(badRanges.status, 400);
    assert.match(
      (await badRanges.json()).error.message,
      /extension range 2 \("300-200"\): 300 comes after 200/,
    );

    const badNumber = await call("POST", "/api/location/convert", { number: "call me" });
    assert.equal(badNumber.status, 400);
    assert.equal((await badNumber.json()).error.field, "number");
  } finally {
    await temp.close();
  }
});
