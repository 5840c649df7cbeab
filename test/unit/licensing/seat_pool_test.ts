import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { SEAT_REFUSAL_FAILURE, SeatPool } from "../../../src/licensing/seat_pool.ts";

const twoLines = () => new SeatPool(() => ({ ok: true, lines: 2 }), new ManualClock(Date.UTC(2026, 0, 2)));

Deno.test("with two licences two devices are monitored, the third is refused, releasing one lets it in", () => {
  const pool = twoLines();
  assert.deepEqual(pool.acquire("101", "app-1"), { ok: true, newSeat: true });
  assert.deepEqual(pool.acquire("102", "app-1"), { ok: true, newSeat: true });
  assert.deepEqual(pool.acquire("103", "app-2"), {
    ok: false,
    reason: "no-free-licence",
    message: "no free licence for 103: all 2 licensed lines are in use",
    deviceKey: "103",
    holderId: "app-2",
    linesLicensed: 2,
    linesInUse: 2,
    at: Date.UTC(2026, 0, 2),
  });
  assert.deepEqual(pool.release("101", "app-1"), { released: true, seatFreed: true });
  assert.deepEqual(pool.acquire("103", "app-2"), { ok: true, newSeat: true });
  assert.equal(pool.inUse(), 2);
});

Deno.test("a device monitored by several holders takes one licence, freed by the last holder", () => {
  const pool = twoLines();
  pool.acquire("101", "app-1");
  assert.deepEqual(pool.acquire("101", "app-2"), { ok: true, newSeat: false });
  assert.deepEqual(pool.acquire("101", "line-api:101", "line"), { ok: true, newSeat: false });
  assert.equal(pool.inUse(), 1);
  assert.deepEqual(pool.release("101", "app-1"), { released: true, seatFreed: false });
  assert.deepEqual(pool.release("101", "app-2"), { released: true, seatFreed: false });
  assert.deepEqual(pool.release("101", "line-api:101"), { released: true, seatFreed: true });
  assert.deepEqual(pool.release("101", "line-api:101"), { released: false, seatFreed: false });
  assert.equal(pool.inUse(), 0);
});

Deno.test("the appliance's own call tracking takes no licence, even with none left or none at all", () => {
  const pool = twoLines();
  pool.acquire("101", "app-1");
  pool.acquire("102", "app-1");
  for (const device of ["101", "103", "104"]) {
    assert.deepEqual(pool.acquire(device, "call-tracker", "call-tracking"), { ok: true, newSeat: false });
  }
  assert.equal(pool.inUse(), 2);
  const none = new SeatPool(() => ({ ok: false, reason: "trial-ended", message: "ended" }));
  assert.deepEqual(none.acquire("101", "call-tracker", "call-tracking"), { ok: true, newSeat: false });
});

Deno.test("a device held only by call tracking takes a licence when an application joins, and frees it when it leaves", () => {
  const pool = twoLines();
  pool.acquire("101", "call-tracker", "call-tracking");
  assert.deepEqual(pool.acquire("101", "app-1"), { ok: true, newSeat: true });
  assert.deepEqual(pool.release("101", "app-1"), { released: true, seatFreed: true });
  assert.deepEqual(pool.seats(), []);
});

Deno.test("a refused acquire leaves no trace, and acquiring twice counts once", () => {
  const pool = new SeatPool(() => ({ ok: true, lines: 1 }));
  pool.acquire("101", "app-1");
  pool.acquire("101", "app-1");
  assert.equal(pool.acquire("102", "app-1").ok, false);
  assert.deepEqual(pool.seats(), [{ deviceKey: "101", holders: [{ id: "app-1", kind: "application" }] }]);
  assert.deepEqual(pool.release("101", "app-1"), { released: true, seatFreed: true });
});

Deno.test("a disconnecting application releases all it held", () => {
  const pool = twoLines();
  pool.acquire("101", "app-1");
  pool.acquire("102", "app-1");
  pool.acquire("102", "app-2");
  assert.deepEqual(pool.releaseHolder("app-1"), ["101", "102"]);
  assert.deepEqual(pool.seats(), [{ deviceKey: "102", holders: [{ id: "app-2", kind: "application" }] }]);
});

Deno.test("without a licence limit the refusal carries the limit's reason; the CSTA mapping is objectMonitorLimitExceeded", () => {
  const pool = new SeatPool(() => ({ ok: false, reason: "trial-ended", message: "the trial has ended" }));
  const refusal = pool.acquire("101", "app-1");
  assert.equal(!refusal.ok && refusal.reason, "trial-ended");
  assert.deepEqual(SEAT_REFUSAL_FAILURE, { category: "subscribedResourceAvailability", value: 2 });
});

Deno.test("every refusal is told to the refusal listener, grants are not", () => {
  const told: string[] = [];
  const pool = new SeatPool(
    () => ({ ok: true, lines: 1 }),
    new ManualClock(),
    (refusal) => told.push(refusal.deviceKey),
  );
  pool.acquire("101", "app-1");
  pool.acquire("102", "app-1");
  pool.acquire("103", "app-1");
  assert.deepEqual(told, ["102", "103"]);
});

Deno.test("a refusal names the line as an administrator knows it, not by the multiplexer's device key", () => {
  const pool = new SeatPool(() => ({ ok: true, lines: 1 }), new ManualClock());
  pool.acquire("n:101", "app-1");
  const byNumber = pool.acquire("n:127", "app-2");
  assert.equal(
    !byNumber.ok && byNumber.message,
    "no free licence for line 127: all 1 licensed lines are in use",
  );
  const byDevice = pool.acquire("d:16777473", "app-2");
  assert.equal(
    !byDevice.ok && byDevice.message,
    "no free licence for device number 16777473: all 1 licensed lines are in use",
  );
});
