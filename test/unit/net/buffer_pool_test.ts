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
  assert.deepEqual(pool.stats(), { retainedBytes: 0, allocated: 2, reused: 1, released: 0 });
});

Deno.test("a small request takes the smallest free buffer that holds it when none of its own size is free", () => {
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  const [large, medium] = [pool.take(60_000), pool.take(5000)];
  pool.give(large);
  pool.give(medium);
  assert.equal(pool.take(100).buffer, medium.buffer);
  assert.equal(pool.take(100).buffer, large.buffer);
  assert.equal(pool.take(100).length, 1024, "nothing free left: a new buffer of the requested size");
  assert.deepEqual(pool.stats(), { retainedBytes: 0, allocated: 3, reused: 2, released: 0 });
});

Deno.test("the pool keeps no more free bytes than its limit and frees the rest at once, not at the next GC", () => {
  const pool = new BufferPool({ retainBytes: 2500 });
  const buffers = [pool.take(1), pool.take(1), pool.take(1)];
  for (const buffer of buffers) pool.give(buffer);
  assert.equal(pool.stats().retainedBytes, 2048);
  assert.deepEqual(buffers.map((b) => (b.buffer as ArrayBuffer).detached), [false, false, true]);
  assert.equal(buffers[2].length, 0, "a view of a freed buffer is empty");
  assert.equal(pool.stats().released, 1);
});

Deno.test("buffers of sizes the pool does not hand out are not kept, and are freed", () => {
  const pool = new BufferPool({ retainBytes: 1 << 20 });
  const given = [new Uint8Array(5000), new Uint8Array(512), pool.take(100_000)];
  for (const buffer of given) pool.give(buffer);
  assert.equal(pool.stats().retainedBytes, 0);
  assert.ok(given.every((b) => (b.buffer as ArrayBuffer).detached));
  assert.equal(pool.stats().released, 3);
});

Deno.test("a buffer given twice, or one that cannot be detached, is passed over without an error", () => {
  const pool = new BufferPool({ retainBytes: 0 });
  const buffer = new Uint8Array(1024);
  pool.give(buffer);
  pool.give(buffer);
  const memory = new WebAssembly.Memory({ initial: 1 });
  pool.give(new Uint8Array(memory.buffer));
  assert.equal(memory.buffer.byteLength, 65536, "a WebAssembly memory keeps its bytes");
  assert.deepEqual(pool.stats(), { retainedBytes: 0, allocated: 0, reused: 0, released: 1 });
});

Deno.test("a negative or missing limit is refused at setup", () => {
  assert.throws(() => new BufferPool({ retainBytes: -1 }), RangeError);
  assert.throws(() => new BufferPool({ retainBytes: NaN }), RangeError);
});
