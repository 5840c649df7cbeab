import assert from "node:assert/strict";
import { NumberRuleBook } from "../../../src/lines/number_rule_book.ts";
import { NumberRuleError } from "../../../src/lines/number_rule.ts";
import { NumberRuleRepository } from "../../../src/lines/number_rule_repository.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

Deno.test("saved lists are kept apart, survive reopening and are applied in their order", async () => {
  const temp = await openTempDatabase();
  try {
    const book = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
    book.save("incoming", [{ pattern: "^0(.*)", regex: true, replacement: "\\1" }]);
    book.save("dialling", [
      { pattern: "^[0-9][0-9][0-9]$", regex: true, replacement: "" },
      { pattern: "110", regex: false, replacement: "0110" },
    ]);
    const reopened = new NumberRuleBook(new NumberRuleRepository(temp.another()));
    assert.deepEqual(reopened.rules("incoming"), [{ pattern: "^0(.*)", regex: true, replacement: "\\1" }]);
    assert.deepEqual(reopened.rules("outgoing"), []);
    assert.equal(reopened.apply("incoming", "0301"), "301");
    assert.equal(reopened.apply("outgoing", "0301"), "0301");
    assert.equal(reopened.apply("dialling", "123"), null);
    assert.equal(reopened.check("dialling", "110").matched, 0);
  } finally {
    await temp.close();
  }
});

Deno.test("a list with a bad rule is refused and the list in force stays, in memory and in the store", async () => {
  const temp = await openTempDatabase();
  try {
    const book = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
    book.save("outgoing", [{ pattern: "^0(.*)", regex: true, replacement: "\\1" }]);
    assert.throws(
      () =>
        book.save("outgoing", [
          { pattern: "^9(.*)", regex: true, replacement: "\\1" },
          { pattern: "^(", regex: true, replacement: "" },
        ]),
      (error) => error instanceof NumberRuleError && error.index === 1 && error.field === "pattern",
    );
    assert.equal(book.apply("outgoing", "0301"), "301");
    assert.equal(book.apply("outgoing", "9301"), "9301");
    assert.deepEqual(
      new NumberRuleBook(new NumberRuleRepository(temp.another())).rules("outgoing"),
      book.rules("outgoing"),
    );
  } finally {
    await temp.close();
  }
});

Deno.test("unsaved rules can be checked without touching the saved list", async () => {
  const temp = await openTempDatabase();
  try {
    const book = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
    const check = book.checkUnsaved(
      "incoming",
      [{ pattern: "^80(.*)", regex: true, replacement: "0\\1" }],
      "80301",
    );
    assert.deepEqual(check, { number: "80301", matched: 0, result: "0301", suppressed: false });
    assert.deepEqual(book.rules("incoming"), []);
  } finally {
    await temp.close();
  }
});

Deno.test("a stored rule that no longer compiles is reported when the book loads", async () => {
  const temp = await openTempDatabase();
  try {
    new NumberRuleRepository(() => temp.db).replace("incoming", [{
      pattern: "^(0+)+$",
      regex: true,
      replacement: "",
    }]);
    const book = new NumberRuleBook(new NumberRuleRepository(() => temp.db));
    assert.throws(
      () => book.load(),
      (error) => error instanceof NumberRuleError && error.list === "incoming",
    );
  } finally {
    await temp.close();
  }
});
