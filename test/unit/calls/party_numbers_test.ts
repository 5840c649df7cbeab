import assert from "node:assert/strict";
import { dialledNumber, reportedParty } from "../../../src/calls/party_numbers.ts";
import type { CallPartyNumbering } from "../../../src/calls/party_numbers.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { NumberRuleBook } from "../../../src/lines/number_rule_book.ts";
import { NumberRuleRepository } from "../../../src/lines/number_rule_repository.ts";
import { NumberingPlan } from "../../../src/lines/numbering_plan.ts";
import { BERLIN } from "../../fixtures/berlin_location.ts";
import { openTempDatabase, type TempDatabase } from "../../support/temp_database.ts";

/** The numbering of a Berlin PBX (+49 30 12345-1xx, outside line 0) over a real store. */
async function berlin(): Promise<
  { temp: TempDatabase; numbering: CallPartyNumbering; rules: NumberRuleBook }
> {
  const temp = await openTempDatabase();
  const locations = new LocationRepository(() => temp.db);
  locations.saveLocation(BERLIN);
  locations.saveExtensionRanges("100-199");
  const rules = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
  const plan = new NumberingPlan(locations, new LineRepository(() => temp.db));
  return { temp, numbering: { rules, plan }, rules };
}

Deno.test("a reported party goes through its rule list; the canonical form comes from the location", async () => {
  const { temp, numbering, rules } = await berlin();
  try {
    rules.save("incoming", [{ pattern: "^0(.*)", regex: true, replacement: "\\1" }]);
    rules.save("outgoing", [{ pattern: "^00(.*)", regex: true, replacement: "+\\1" }]);
    assert.deepEqual(reportedParty(numbering, "incoming", { number: "0301234567", name: "CHRIS" }), {
      number: "301234567",
      canonical: "+49(30)1234567",
      name: "CHRIS",
    });
    // The outgoing list does not touch an incoming number and vice versa.
    assert.equal(reportedParty(numbering, "outgoing", { number: "0301234567" }).number, "0301234567");
    assert.equal(reportedParty(numbering, "incoming", { number: "00441234" }).number, "0441234");
    // A number the line dialled starts with the outside line code.
    assert.deepEqual(
      reportedParty(numbering, "outgoing", { number: "00891234567" }, { withOutsideLineAccess: true }),
      { number: "+891234567", canonical: "+49891234567" },
    );
    // The line itself: no rule, canonical extension.
    assert.deepEqual(reportedParty(numbering, null, { number: "101" }), {
      number: "101",
      canonical: "+49(30)12345-101",
    });
  } finally {
    await temp.close();
  }
});

Deno.test("a suppressed number is empty in both forms; what is no number keeps its text", async () => {
  const { temp, numbering, rules } = await berlin();
  try {
    rules.save("incoming", [{ pattern: "^[0-9][0-9][0-9]$", regex: true, replacement: "" }]);
    assert.deepEqual(reportedParty(numbering, "incoming", { number: "105", name: "Reception" }), {
      number: "",
      canonical: "",
      name: "Reception",
    });
    assert.deepEqual(reportedParty(numbering, "incoming", { number: "anonymous" }), {
      number: "anonymous",
      canonical: "anonymous",
    });
  } finally {
    await temp.close();
  }
});

Deno.test("a canonical number is turned into what the PBX dials, then the PC dialling rules apply", async () => {
  const { temp, numbering, rules } = await berlin();
  try {
    assert.deepEqual(dialledNumber(numbering, "+49(30)12345-105"), {
      ok: true,
      dialled: "105",
      fromLocation: "105",
    });
    assert.deepEqual(dialledNumber(numbering, "+49 89 1234567"), {
      ok: true,
      dialled: "00891234567",
      fromLocation: "00891234567",
    });
    rules.save("dialling", [
      { pattern: "^0089(.*)", regex: true, replacement: "0089\\1#" },
      { pattern: "^([0-9]{3})$", regex: true, replacement: "*\\1" },
    ]);
    assert.deepEqual(dialledNumber(numbering, "+4989 1234567"), {
      ok: true,
      dialled: "00891234567#",
      fromLocation: "00891234567",
    });
    // Not canonical: passed as written, without separators, then the rules.
    assert.deepEqual(dialledNumber(numbering, " 105 "), { ok: true, dialled: "*105", fromLocation: "105" });
    assert.deepEqual(dialledNumber(numbering, "030 / 123-45"), {
      ok: true,
      dialled: "03012345",
      fromLocation: "03012345",
    });
  } finally {
    await temp.close();
  }
});

Deno.test("a number that cannot be dialled or that the rules suppress is refused with the reason", async () => {
  const { temp, numbering, rules } = await berlin();
  try {
    const letters = dialledNumber(numbering, "call me");
    assert.equal(letters.ok, false);
    assert.match(!letters.ok ? letters.reason : "", /"call me" cannot be dialled/);
    const plus = dialledNumber(numbering, "+49abc");
    assert.equal(plus.ok, false);
    assert.match(!plus.ok ? plus.reason : "", /only digits/);
    rules.save("dialling", [{ pattern: "^0190", regex: true, replacement: "" }]);
    const barred = dialledNumber(numbering, "01901234");
    assert.deepEqual(barred, {
      ok: false,
      reason: 'the PC dialling rules suppress "01901234": nothing to dial',
    });
  } finally {
    await temp.close();
  }
});
