import assert from "node:assert/strict";
import { createNumberRulesApi } from "../../../../src/http/api/number_rules_api.ts";
import { NumberRuleBook } from "../../../../src/lines/number_rule_book.ts";
import { NumberRuleRepository } from "../../../../src/lines/number_rule_repository.ts";
import { MANUAL_EXAMPLES } from "../../lines/manual_examples.ts";
import { apiCall } from "../../../support/api_call.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";

async function setup() {
  const temp = await openTempDatabase();
  const rules = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
  const call = apiCall("/api/number-rules", createNumberRulesApi({ rules }));
  return { temp, call };
}

Deno.test("the seven estos manual examples through PUT and POST /api/number-rules/check", async () => {
  const { temp, call } = await setup();
  try {
    for (const example of MANUAL_EXAMPLES) {
      const rule = { pattern: example.pattern, regex: true, replacement: example.replacement };
      const saved = await call("PUT", "/api/number-rules/incoming", { rules: [rule] });
      assert.equal(saved.status, 200, example.purpose);
      const [number, expected] = example.matching;
      const check = await call("POST", "/api/number-rules/check", { list: "incoming", number });
      assert.deepEqual(await check.json(), {
        list: "incoming",
        number,
        matched: 0,
        result: expected ?? "",
        suppressed: expected === null,
        rule,
      }, example.purpose);
      const passing =
        await (await call("POST", "/api/number-rules/check", { list: "incoming", number: example.passing }))
          .json();
      assert.deepEqual(
        [passing.matched, passing.result, passing.rule],
        [null, example.passing, null],
        example.purpose,
      );
    }
  } finally {
    await temp.close();
  }
});

Deno.test("unsaved rules are checked without being saved", async () => {
  const { temp, call } = await setup();
  try {
    const check = await call("POST", "/api/number-rules/check", {
      list: "dialling",
      number: "80301",
      rules: [{ pattern: "^80(.*)", replacement: "0\\1" }],
    });
    assert.deepEqual((await check.json()).result, "0301");
    assert.deepEqual(await (await call("GET", "/api/number-rules")).json(), {
      incoming: [],
      outgoing: [],
      dialling: [],
    });
  } finally {
    await temp.close();
  }
});

Deno.test("a bad pattern is refused with 422 naming list, position and field, and the saved list stays", async () => {
  const { temp, call } = await setup();
  try {
    const good = { pattern: "^0(.*)", regex: true, replacement: "\\1" };
    await call("PUT", "/api/number-rules/outgoing", { rules: [good] });
    const refused = await call("PUT", "/api/number-rules/outgoing", {
      rules: [good, { pattern: "^(1|12)*$", regex: true, replacement: "" }],
    });
    assert.equal(refused.status, 422);
    const body = await refused.json();
    assert.equal(body.error.code, "invalid_rule");
    assert.equal(body.error.field, "rules[1].pattern");
    assert.match(body.error.message, /^outgoing rule 2, pattern: /);
    assert.deepEqual(body.error.details.list, "outgoing");
    assert.deepEqual((await (await call("GET", "/api/number-rules/outgoing")).json()).rules, [good]);

    const badCheck = await call("POST", "/api/number-rules/check", {
      list: "incoming",
      number: "1",
      rules: [{ pattern: "^(0)", replacement: "\\2" }],
    });
    assert.equal((await badCheck.json()).error.field, "rules[0].replacement");
    assert.equal((await call("GET", "/api/number-rules/inbound")).status, 404);
    assert.equal(
      (await call("POST", "/api/number-rules/check", { list: "inbound", number: "1" })).status,
      400,
    );
  } finally {
    await temp.close();
  }
});
