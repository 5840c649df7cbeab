// Latch: races against a one-time signal that leave nothing attached to it (the MQTT outbox's leak).

import assert from "node:assert/strict";
import { Latch } from "../../src/latch.ts";

Deno.test("a race ended by its work leaves nothing attached to the latch", async () => {
  const closed = new Latch<"closed">();
  for (let i = 0; i < 1000; i++) assert.equal(await closed.race(Promise.resolve(i)), i);
  assert.equal(closed.waiting, 0, "1,000 races, none still attached");
  await assert.rejects(closed.race(Promise.reject(new Error("broker gone"))), /broker gone/);
  assert.equal(closed.waiting, 0);
});

Deno.test("the latch ends every race waiting and every later one with its value, once", async () => {
  const closed = new Latch<string>();
  const never = new Promise<number>(() => {});
  const waiting = [closed.race(never), closed.race(never)];
  assert.equal(closed.waiting, 2);
  closed.fire("closed");
  closed.fire("again");
  assert.deepEqual(await Promise.all(waiting), ["closed", "closed"]);
  assert.equal(await closed.race(Promise.resolve(1)), "closed", "a fired latch wins at once");
  assert.equal(closed.fired, true);
  assert.equal(closed.waiting, 0);
});
