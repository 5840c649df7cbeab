import assert from "node:assert/strict";
import { BERLIN } from "../../fixtures/berlin_location.ts";
import { inExtensionRanges, parseExtensionRanges } from "../../../src/lines/extension_ranges.ts";
import { DEFAULT_LOCATION, type Location } from "../../../src/lines/location.ts";
import {
  convertPhoneNumber,
  lineDisplayNumber,
  type NumberForm,
  parsePhoneNumber,
  PhoneNumberError,
} from "../../../src/lines/number_forms.ts";

const berlin = BERLIN;
const ranges = parseExtensionRanges("100-199");
const internal = (number: string) => inExtensionRanges(ranges, number);

type Forms = Record<NumberForm, string | null>;
const extension100: Forms = {
  canonical: "+49(30)12345-100",
  international: "+493012345100",
  national: "03012345100",
  local: "12345100",
  internal: "100",
  dialable: "100",
};
const berlinExternal: Forms = {
  canonical: "+49(30)1234567",
  international: "+49301234567",
  national: "0301234567",
  local: "1234567",
  internal: null,
  dialable: "00301234567",
};

Deno.test("every written form of an own extension is recognised and converted to every form", () => {
  for (
    const input of [
      "100",
      "+49(30)12345-100",
      "+49 30 12345100",
      "+49 (30) 12345-100",
      "00493012345100",
      "03012345100",
      "12345100",
    ]
  ) {
    const { number, forms } = convertPhoneNumber(input, berlin, internal);
    assert.deepEqual(number, { kind: "internal", extension: "100" }, input);
    assert.deepEqual(forms, extension100, input);
  }
});

Deno.test("external numbers convert between forms with the access codes of the location", () => {
  const table: [string, Forms][] = [
    ["0301234567", berlinExternal],
    ["030 / 123 45 67", berlinExternal],
    ["1234567", berlinExternal],
    ["+49301234567", berlinExternal],
    ["0891234567", {
      canonical: "+49891234567",
      international: "+49891234567",
      national: "0891234567",
      local: "0891234567",
      internal: null,
      dialable: "00891234567",
    }],
    ["+44 20 7946 0000", {
      canonical: "+442079460000",
      international: "+442079460000",
      national: "00442079460000",
      local: "00442079460000",
      internal: null,
      dialable: "000442079460000",
    }],
    ["12345200", {
      canonical: "+49(30)12345200",
      international: "+493012345200",
      national: "03012345200",
      local: "12345200",
      internal: null,
      dialable: "003012345200",
    }],
  ];
  for (const [input, forms] of table) {
    assert.deepEqual(convertPhoneNumber(input, berlin, internal).forms, forms, input);
  }
});

Deno.test("a number dialled with the outside line code loses it; without the option 00 is international", () => {
  assert.deepEqual(parsePhoneNumber("00301234567", berlin, internal, { withOutsideLineAccess: true }), {
    kind: "external",
    international: "49301234567",
  });
  assert.deepEqual(parsePhoneNumber("00301234567", berlin, internal), {
    kind: "external",
    international: "301234567",
  });
  assert.deepEqual(parsePhoneNumber("150", berlin, internal, { withOutsideLineAccess: true }), {
    kind: "internal",
    extension: "150",
  });
});

Deno.test("feature codes and numbers without a configured country pass every form unchanged", () => {
  assert.deepEqual(convertPhoneNumber("*21#", berlin, internal).number, { kind: "unplaced", digits: "*21#" });
  const { number, forms } = convertPhoneNumber("0301234567", DEFAULT_LOCATION, internal);
  assert.deepEqual(number, { kind: "unplaced", digits: "0301234567" });
  assert.equal(forms.canonical, "0301234567");
  assert.deepEqual(convertPhoneNumber("100", DEFAULT_LOCATION, internal).forms, {
    canonical: "100",
    international: null,
    national: null,
    local: null,
    internal: "100",
    dialable: "100",
  });
});

Deno.test("a plan without area codes or national access code still places its extensions", () => {
  const luxembourg: Location = {
    ...berlin,
    countryCode: "352",
    areaCode: "",
    localPrefix: "4711",
    nationalAccess: "",
  };
  const { number, forms } = convertPhoneNumber("4711100", luxembourg, internal);
  assert.deepEqual(number, { kind: "internal", extension: "100" });
  assert.equal(forms.canonical, "+352 4711-100");
  assert.equal(forms.national, "4711100");
});

Deno.test("what is no phone number is refused with the reason", () => {
  for (const input of ["", "+", "12a4", "1".repeat(33)]) {
    assert.throws(() => parsePhoneNumber(input, berlin, internal), PhoneNumberError, input);
  }
});

Deno.test("lines are shown canonical only while the location is used", () => {
  assert.equal(lineDisplayNumber("123", berlin), "+49(30)12345-123");
  assert.equal(lineDisplayNumber("123", { ...berlin, useLocation: false }), "123");
});
