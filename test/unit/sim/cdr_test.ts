import assert from "node:assert/strict";
import { CdrTransmission } from "../../../src/sim/cdr.ts";
import type { CallRecord } from "../../../src/sim/call_facts.ts";
import { DeviceAddressing } from "../../../src/sim/device_addressing.ts";
import { DevicePlan } from "../../../src/sim/device_plan.ts";

const T0 = Date.UTC(2026, 0, 1, 8, 30, 0);

function record(callId: number, extra: Partial<CallRecord> = {}): CallRecord {
  return {
    callId,
    direction: "outgoing",
    callingDevice: { kind: "device", number: "101" },
    calledDevice: { kind: "external", number: "0301234567" },
    trunk: "9001",
    startedAt: T0,
    answeredAt: T0 + 5000,
    endedAt: T0 + 65_432,
    ...extra,
  };
}

function transmission(maxBuffered = 1000) {
  const addressing = new DeviceAddressing(DevicePlan.build({ extensions: "101-110", trunks: 1 }));
  return new CdrTransmission(addressing, { maxBuffered, utcOffsetMinutes: 60 });
}

Deno.test("a report carries local times, the CO line, and the answered time in tenths of a second", () => {
  const cdr = transmission();
  const crossRef = cdr.start("transferAtEndOfCall");
  assert.ok(crossRef.ok);
  cdr.add(record(1));
  const report = cdr.next()!;
  assert.equal(report.numberOfRecordsSent, 1);
  const [item] = report.cdrInfo;
  assert.equal(item.recordCreationTime, "20260101093105");
  assert.equal(item.connectionStart, "20260101093005");
  assert.equal(item.connectionDuration, 604);
  assert.deepEqual(item.associatedCalledDevice, {
    kind: "deviceIdentifier",
    value: { deviceIdentifier: { kind: "dialingNumber", value: "9001" } },
  });
  assert.equal(item.associatedCallingDevice, undefined);
  assert.equal(report.extensions, undefined, "no condition code, no private data");
});

Deno.test("records wait for the answer; past the buffer the oldest waiting one is dropped, never the one in flight", () => {
  const cdr = transmission(2);
  cdr.start("transferAtEndOfCall");
  cdr.add(record(1));
  assert.equal(cdr.next()!.cdrInfo[0].recordNumber, 1);
  assert.equal(cdr.next(), undefined, "one report at a time");
  cdr.add(record(2));
  cdr.add(record(3));
  assert.equal(cdr.dropped, 1);
  cdr.acknowledged();
  const next = cdr.next()!;
  assert.equal(next.cdrInfo[0].recordNumber, 2);
  assert.equal(cdr.pending, 1);
});

Deno.test("CDR is off until started, only transferAtEndOfCall is offered, and stop forgets what waits", () => {
  const cdr = transmission();
  cdr.add(record(1));
  assert.equal(cdr.next(), undefined);
  assert.deepEqual(cdr.start("transferOnRequest"), {
    ok: false,
    failure: { kind: "operation", value: "parameterNotSupported" },
  });
  const started = cdr.start("transferAtEndOfCall");
  assert.ok(started.ok);
  cdr.add(record(2));
  assert.deepEqual(cdr.stop(started.value), { ok: true, value: undefined });
  assert.equal(cdr.pending, 0);
  const again = cdr.start("transferAtEndOfCall");
  assert.ok(again.ok && again.value.join() !== started.value.join(), "a new cdrCrossRefID");
});
