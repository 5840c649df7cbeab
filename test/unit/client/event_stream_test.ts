import assert from "node:assert/strict";
import fc from "fast-check";
import { EventStream } from "../../../src/client/event_stream.ts";

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

Deno.test("a reader waiting on an empty stream gets the next pushed entry", async () => {
  const stream = new EventStream<number>(4);
  const waiting = stream.next();
  stream.push(7);
  assert.deepEqual(await waiting, { done: false, value: 7 });
  assert.equal(stream.buffered, 0);
});

Deno.test("past its capacity the stream drops the oldest entries and counts them", async () => {
  const stream = new EventStream<number>(3);
  for (let i = 1; i <= 5; i++) stream.push(i);
  assert.equal(stream.dropped, 2);
  assert.equal(stream.buffered, 3);
  assert.deepEqual(await take(stream.iterate(), 3), [3, 4, 5]);
});

Deno.test("after end a reader gets what is buffered, then done", async () => {
  const stream = new EventStream<string>(10);
  stream.push("a");
  stream.push("b");
  stream.end();
  stream.push("ignored");
  const seen: string[] = [];
  for await (const item of stream.iterate()) seen.push(item);
  assert.deepEqual(seen, ["a", "b"]);
});

Deno.test("end wakes a reader that is waiting", async () => {
  const stream = new EventStream<number>(2);
  const waiting = stream.next();
  stream.end();
  assert.deepEqual(await waiting, { done: true, value: undefined });
});

Deno.test("leaving a for-await loop early keeps the rest for the next reader", async () => {
  const stream = new EventStream<number>(10);
  for (let i = 0; i < 5; i++) stream.push(i);
  for await (const item of stream.iterate()) {
    if (item === 1) break;
  }
  assert.deepEqual(await take(stream.iterate(), 3), [2, 3, 4]);
});

Deno.test("a capacity below one is refused", () => {
  assert.throws(() => new EventStream(0), RangeError);
});

Deno.test("property: readers see pushed entries in order, the buffer never exceeds its capacity and every entry is accounted for", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 20 }),
      fc.array(fc.oneof(fc.constant("push" as const), fc.constant("take" as const)), { maxLength: 300 }),
      async (capacity, steps) => {
        const stream = new EventStream<number>(capacity);
        const taken: number[] = [];
        let next = 0;
        for (const step of steps) {
          if (step === "push") stream.push(next++);
          else if (stream.buffered > 0) taken.push((await stream.next()).value as number);
          assert.ok(stream.buffered <= capacity);
        }
        stream.end();
        for await (const item of stream.iterate()) taken.push(item);
        assert.equal(taken.length + stream.dropped, next);
        for (let i = 1; i < taken.length; i++) assert.ok(taken[i] > taken[i - 1]);
      },
    ),
    { numRuns: 300 },
  );
});
