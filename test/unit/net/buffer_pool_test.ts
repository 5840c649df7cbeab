import assert from "node:assert/strict";
import { BufferPool, bufferSizeFor } from "../../../src/net/buffer_pool.ts";

Deno.test("requests are rounded up to a power of two from 1 KB to 64 KB; larger ones get their exact size", () => {
  assert.equal(bufferSizeFor(1), 1024);
  assert.equal(bufferSizeFor(1024), 1024);
  assert.equal(bufferSizeFor(1025), 2048);
  assert.equal(bufferSizeFor(65536), 65536);
  assert.equal(bufferSizeFor(65537), 65537);
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  assert.equal(pool.take(9000).length, 16384);
});

Deno.test("a buffer given back is handed out again for a request it can hold, never for a larger one", () => {
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  const first = pool.take(5000);
  pool.give(first.subarray(10, 20)); // a view gives back its whole buffer
  assert.notEqual(pool.take(9000).buffer, first.buffer, "a 16 KB request does not get the 8 KB buffer");
  assert.equal(pool.take(6000).buffer, first.buffer);
  assert.deepEqual(pool.stats(), { retainedBytes: 0, allocated: 2, reused: 1 });
});

Deno.test("a small request takes the smallest free buffer that holds it when none of its own size is free", () => {
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  const [large, medium] = [pool.take(60_000), pool.take(5000)];
  pool.give(large);
  pool.give(medium);
  assert.equal(pool.take(100).buffer, medium.buffer);
  assert.equal(pool.take(100).buffer, large.buffer);
  assert.equal(pool.take(100).length, 1024, "nothing free left: a new buffer of the requested size");
  assert.deepEqual(pool.stats(), { retainedBytes: 0, allocated: 3, reused: 2 });
});

Deno.test("the pool keeps no more free bytes than its limit; the rest is left to the GC", () => {
  const pool = new BufferPool({ retainBytes: 2500 });
  for (const buffer of [pool.take(1), pool.take(1), pool.take(1)]) pool.give(buffer);
  assert.equal(pool.stats().retainedBytes, 2048);
});

Deno.test("buffers of sizes the pool does not hand out are not kept", () => {
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  pool.give(new Uint8Array(5000));
  pool.give(new Uint8Array(512));
  pool.give(pool.take(100_000));
  assert.equal(pool.stats().retainedBytes, 0);
});

Deno.test("a negative or missing limit is refused at setup", () => {
  assert.throws(() => new BufferPool({ retainBytes: -1 }), RangeError);
  assert.throws(() => new BufferPool({ retainBytes: NaN }), RangeError);
});
