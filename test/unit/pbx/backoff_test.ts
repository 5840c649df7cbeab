import assert from "node:assert/strict";
import { Backoff } from "../../../src/pbx/backoff.ts";

Deno.test("delays double from the floor to the ceiling, with jitter between half and all of the step", () => {
  const top = new Backoff({ minMs: 1000, maxMs: 60_000, random: () => 0.999999 });
  assert.deepEqual(Array.from({ length: 9 }, () => top.next()), [
    1000,
    2000,
    4000,
    8000,
    16000,
    32000,
    60000,
    60000,
    60000,
  ]);
  const bottom = new Backoff({ minMs: 1000, maxMs: 60_000, random: () => 0 });
  assert.deepEqual(Array.from({ length: 3 }, () => bottom.next()), [500, 1000, 2000]);
});

Deno.test("a success resets the delays to the floor", () => {
  const backoff = new Backoff({ minMs: 1000, maxMs: 60_000, random: () => 0.999999 });
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempts, 0);
  assert.equal(backoff.next(), 1000);
});
