import assert from "node:assert/strict";
import { InvokeIdAllocator, MAX_INVOKE_ID } from "../../../src/csta/invoke_ids.ts";

Deno.test("invoke IDs run 1..32767 and wrap around to 1", () => {
  const ids = new InvokeIdAllocator();
  for (let i = 1; i <= MAX_INVOKE_ID; i++) {
    assert.equal(ids.allocate(), i);
    ids.release(i);
  }
  assert.equal(ids.allocate(), 1);
});

Deno.test("after the wrap, IDs still in flight are skipped", () => {
  const ids = new InvokeIdAllocator();
  const held = [ids.allocate(), ids.allocate(), ids.allocate()]; // 1, 2, 3 stay in flight
  for (let i = 4; i <= MAX_INVOKE_ID; i++) ids.release(ids.allocate()!);
  assert.equal(ids.allocate(), 4);
  assert.deepEqual(held, [1, 2, 3]);
});

Deno.test("when every ID is in flight, allocation says so instead of reusing one", () => {
  const ids = new InvokeIdAllocator();
  for (let i = 0; i < MAX_INVOKE_ID; i++) assert.notEqual(ids.allocate(), undefined);
  assert.equal(ids.allocate(), undefined);
  ids.release(500);
  assert.equal(ids.allocate(), 500);
});
