import assert from "node:assert/strict";
import fc from "fast-check";
import { backoffDelay, DEFAULT_BACKOFF } from "../../../src/net/backoff.ts";

Deno.test("delays double from 1 s to the 60 s ceiling, jitter taking off at most half", () => {
  const low = (attempt: number) => backoffDelay(attempt, DEFAULT_BACKOFF, () => 0);
  const high = (attempt: number) => backoffDelay(attempt, DEFAULT_BACKOFF, () => 0.999999);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 50].map(low), [
    1000,
    1000,
    2000,
    4000,
    8000,
    16000,
    30000,
    30000,
    30000,
  ]);
  assert.deepEqual([0, 1, 2, 6, 50].map(high), [1000, 2000, 4000, 60000, 60000]);
});

Deno.test("property: every delay lies between the floor and the ceiling", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 0, max: 600_000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, minMs, extra, r) => {
        const policy = { minMs, maxMs: minMs + extra };
        const delay = backoffDelay(attempt, policy, () => r);
        assert.ok(delay >= policy.minMs && delay <= policy.maxMs, `${delay}`);
      },
    ),
  );
});
