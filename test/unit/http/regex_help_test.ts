// The rules page's regex help (seed 3.2): every sign of the manual's table is there, and each worked
// example shows what cstabox's own rule engine makes of its number, which is what the manual promises.

import assert from "node:assert/strict";
import { exampleResult } from "../../../src/http/pages/regex_help.tsx";
import { signedIn } from "./web_fixture.ts";

Deno.test("the rules page explains the regex signs of the manual and shows its examples with their results", async () => {
  const { f, b } = await signedIn();
  try {
    const { res, html } = await b.page("/numbers");
    assert.equal(res.status, 200);
    const signs = html.slice(
      html.indexOf('<table id="regex-signs">'),
      html.indexOf('<table id="regex-examples">'),
    );
    for (const sign of ["^", "[^ ]", "$", "|", ".", "*", "+", "?", "( )", "[ ]"]) {
      assert.ok(signs.includes(`<td><code>${sign.replace("&", "&amp;")}</code></td>`), `sign ${sign}`);
    }
    const examples = html.slice(html.indexOf('<table id="regex-examples">'));
    for (
      const [number, result] of [
        ["0301234567", "301234567"],
        ["80301234", "0301234"],
        ["501230301234567", "0301234567"],
        ["123", "(suppressed)"],
        ["1234567", "01234567"],
        ["12", "0301234512"],
        ["1234567", "081511234567"],
      ]
    ) {
      assert.ok(
        examples.includes(`<code>${number}</code> → <code>${result}</code>`),
        `${number} -> ${result}`,
      );
    }
  } finally {
    await f.close();
  }
});

Deno.test("an example's result comes from the rule engine: no match and suppression are said so", () => {
  assert.equal(exampleResult("^0(.*)", "\\1", "0301"), "301");
  assert.equal(exampleResult("^0(.*)", "\\1", "301"), "301 (no match)");
  assert.equal(exampleResult("^[0-9]{3}$", "", "123"), "(suppressed)");
});
