import assert from "node:assert/strict";
import { READ_BUFFER_DEFAULTS, ReadBuffer } from "../../../src/net/read_buffer.ts";

const sizesAfter = (buffer: ReadBuffer, reads: ("full" | number)[]) =>
  reads.map((read) => {
    buffer.afterRead(read === "full" ? buffer.bytes.length : read);
    return buffer.bytes.length;
  });

Deno.test("a read buffer starts at its smallest size, 1 KB by default", () => {
  assert.equal(new ReadBuffer().bytes.length, READ_BUFFER_DEFAULTS.minBytes);
  assert.equal(READ_BUFFER_DEFAULTS.minBytes, 1024);
});

Deno.test("reads that fill the buffer double it up to the largest size", () => {
  const buffer = new ReadBuffer({ minBytes: 1024, maxBytes: 8192 });
  assert.deepEqual(sizesAfter(buffer, ["full", "full", "full", "full"]), [2048, 4096, 8192, 8192]);
});

Deno.test("reads that use less than a quarter halve it back down to the smallest size", () => {
  const buffer = new ReadBuffer({ minBytes: 1024, maxBytes: 8192 });
  sizesAfter(buffer, ["full", "full", "full"]);
  assert.deepEqual(sizesAfter(buffer, [100, 100, 100, 100]), [4096, 2048, 1024, 1024]);
});

Deno.test("reads between a quarter and full keep the buffer as it is", () => {
  const buffer = new ReadBuffer({ minBytes: 1024, maxBytes: 8192 });
  sizesAfter(buffer, ["full"]);
  const before = buffer.bytes;
  assert.deepEqual(sizesAfter(buffer, [512, 1000, 2047]), [2048, 2048, 2048]);
  assert.equal(buffer.bytes, before, "no new buffer while the size stays");
});

Deno.test("bounds that are not powers of two still give whole sizes", () => {
  const buffer = new ReadBuffer({ minBytes: 3, maxBytes: 10 });
  assert.deepEqual(sizesAfter(buffer, ["full", "full", "full", 0, 0, 0]), [6, 10, 10, 5, 3, 3]);
});

Deno.test("bounds out of order are refused when the buffer is made", () => {
  assert.throws(() => new ReadBuffer({ minBytes: 4096, maxBytes: 1024 }), RangeError);
  assert.throws(() => new ReadBuffer({ minBytes: 0 }), RangeError);
});
