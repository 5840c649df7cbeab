import assert from "node:assert/strict";
import { LineRights, lineScopeProblem } from "../../../src/line_api/line_scope.ts";

Deno.test("a line scope covers its list and ranges; read access does not control", () => {
  const rights = new LineRights({ lines: "101, 103-110", access: "read" }, 'token "wall"');
  assert.equal(rights.covers("101"), true);
  assert.equal(rights.covers("105"), true);
  assert.equal(rights.covers("102"), false);
  assert.equal(rights.covers("1050"), false);
  assert.equal(rights.control, false);
  const all = LineRights.full("user admin");
  assert.equal(all.covers("*21#"), true);
  assert.equal(all.control, true);
});

Deno.test("a bad scope is refused with the extension-range reason", () => {
  assert.equal(lineScopeProblem({ lines: "*", access: "control" }), undefined);
  assert.match(lineScopeProblem({ lines: "110-101", access: "read" }) ?? "", /110 comes after 101/);
  assert.match(lineScopeProblem({ lines: "1x", access: "read" }) ?? "", /not a number/);
});
