import assert from "node:assert/strict";
import { assessExpiry } from "../../../src/tls/expiry.ts";

const day = 86_400_000;
const notBefore = new Date(Date.UTC(2026, 0, 1));
const notAfter = new Date(Date.UTC(2026, 11, 31));

Deno.test("assessExpiry warns from 30 days before the end and counts whole days left", () => {
  const at = (ms: number) => assessExpiry(notBefore, notAfter, ms);
  assert.deepEqual([at(notAfter.getTime() - 31 * day).state, at(notAfter.getTime() - 31 * day).daysLeft], [
    "valid",
    31,
  ]);
  assert.deepEqual([
    at(notAfter.getTime() - 30 * day + 1).state,
    at(notAfter.getTime() - 30 * day + 1).daysLeft,
  ], [
    "expires_soon",
    29,
  ]);
  assert.equal(at(notAfter.getTime()).state, "expires_soon");
  assert.match(at(notAfter.getTime() - 5 * day).message, /in 5 days/);
});

Deno.test("assessExpiry calls a certificate past its end expired and one before its start not yet valid", () => {
  const expired = assessExpiry(notBefore, notAfter, notAfter.getTime() + 3 * day);
  assert.equal(expired.state, "expired");
  assert.equal(expired.daysLeft, -3);
  assert.match(expired.message, /expired on 2026-12-31T00:00:00.000Z \(3 days ago\)/);
  const early = assessExpiry(notBefore, notAfter, notBefore.getTime() - 2 * day);
  assert.equal(early.state, "not_yet_valid");
  assert.match(early.message, /in 2 days\); check the appliance's clock/);
});

Deno.test("assessExpiry takes the warning period from its caller", () => {
  assert.equal(assessExpiry(notBefore, notAfter, notAfter.getTime() - 40 * day, 60).state, "expires_soon");
  assert.equal(assessExpiry(notBefore, notAfter, notAfter.getTime() - 40 * day, 7).state, "valid");
});
