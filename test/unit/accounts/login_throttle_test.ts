import assert from "node:assert/strict";
import { LoginThrottle } from "../../../src/accounts/login_throttle.ts";
import { ManualClock } from "../../../src/clock.ts";

Deno.test("an address is refused after its failed logins per minute, and again allowed a minute later", () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle(() => 3, clock);
  for (let i = 0; i < 3; i++) throttle.recordFailure("192.0.2.7");
  assert.equal(throttle.blocked("192.0.2.7"), true);
  assert.equal(throttle.blocked("192.0.2.8"), false, "other addresses are not affected");
  assert.deepEqual(throttle.blockedAddresses(), ["192.0.2.7"]);
  clock.advance(60_001);
  assert.equal(throttle.blocked("192.0.2.7"), false);
});

Deno.test("a successful login clears its own user's failures only, never the address's or another user's", () => {
  const throttle = new LoginThrottle(() => 2, new ManualClock());
  throttle.recordFailure("192.0.2.7", "admin");
  throttle.recordSuccess("admin");
  assert.equal(throttle.blocked("192.0.2.8", "admin"), false);
  // One valid account does not open unlimited guesses at another from the same address.
  throttle.recordFailure("192.0.2.7", "operator");
  throttle.recordSuccess("mine");
  assert.equal(throttle.blocked("192.0.2.7", "mine"), true, "the address has used up its attempts");
  assert.equal(throttle.blocked("192.0.2.9", "operator"), false, "one failure for operator");
});

Deno.test("failures count per user name too: guesses from many addresses at one user lock that user name only", () => {
  const clock = new ManualClock();
  const throttle = new LoginThrottle(() => 3, clock);
  for (let i = 0; i < 3; i++) throttle.recordFailure(`192.0.2.${i}`, "admin");
  assert.equal(throttle.blocked("198.51.100.1", "admin"), true, "a fresh address guessing at admin");
  assert.equal(throttle.blocked("198.51.100.1", "operator"), false, "another user from that address");
  assert.equal(throttle.blocked("192.0.2.0"), false, "each address has one failure");
  assert.deepEqual(throttle.blockedUsers(), ["admin"]);
  clock.advance(60_001);
  assert.equal(throttle.blocked("198.51.100.1", "admin"), false);
});

Deno.test("a lock-out lasts a minute of elapsed time, whatever happens to the wall clock", () => {
  const realNow = Date.now;
  let wallClock = realNow();
  Date.now = () => wallClock;
  try {
    const throttle = new LoginThrottle(() => 1);
    throttle.recordFailure("192.0.2.7");
    // NTP setting the clock an hour forward must not end the lock-out at once (nor setting it back make it
    // last an hour): the throttle measures on the monotonic clock.
    wallClock += 3_600_000;
    assert.equal(throttle.blocked("192.0.2.7"), true);
  } finally {
    Date.now = realNow;
  }
});
