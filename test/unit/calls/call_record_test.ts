import assert from "node:assert/strict";
import { CallModel } from "../../../src/calls/call_model.ts";
import { type CallRecord, callRecordOf, callRecordSchema } from "../../../src/calls/call_record.ts";
import { dev, events as e, tableDirectory } from "./csta_events.ts";
import { CLI, type ReportedEvent, seedCalls } from "./seed_calls.ts";

const T0 = Date.UTC(2026, 11, 7, 1, 20, 40);
const at = (second: number) => new Date(T0 + second * 1000);

function play(m: CallModel, reports: ReportedEvent[]): CallRecord[] {
  for (const report of reports) {
    for (const observer of report.observers) m.apply(report.event, at(report.second), observer);
  }
  return m.takeFinished().map((call) => callRecordOf(call));
}

const model = () => new CallModel({ directory: tableDirectory(), outsideLineAccess: () => "9" });

Deno.test("each seed call ends in exactly one record that the schema accepts", () => {
  for (const call of seedCalls) {
    const records = play(model(), call.reports);
    assert.equal(records.length, 1, call.name);
    assert.deepEqual(callRecordSchema.parse(records[0]), records[0]);
  }
});

Deno.test("an answered inbound call: caller, answering extension, ring and talk seconds, trunk, SMDR link", () => {
  const [record] = play(model(), seedCalls[0].reports);
  assert.equal(record.direction, "inbound");
  assert.equal(record.outcome, "answered");
  assert.deepEqual(record.from, { number: CLI, name: "CHRIS R MOBILE", canonical: CLI });
  assert.equal(record.answeredBy?.number, "1843");
  assert.equal(record.to?.number, "1843");
  assert.equal(record.ringSeconds, 3);
  assert.equal(record.talkSeconds, 3);
  assert.equal(record.trunk, "92108");
  assert.match(record.smdrCallId!, /^\d{22}$/);
  assert.equal(record.id, `20261207012040-${record.callId}`);
});

Deno.test("hold time is counted apart from talk time", () => {
  const [record] = play(model(), seedCalls[2].reports);
  assert.equal(record.holdSeconds, 3);
  assert.equal(record.talkSeconds, 6 - 3);
  assert.equal(record.ringSeconds, 1);
});

Deno.test("an outbound call reports the dialled number as called party", () => {
  const [record] = play(model(), seedCalls[1].reports);
  assert.equal(record.direction, "outbound");
  assert.equal(record.from?.number, "1843");
  assert.equal(record.to?.number, "9" + CLI);
  assert.equal(record.ringSeconds, 7);
  assert.equal(record.talkSeconds, 4);
});

Deno.test("a consulted transfer makes one record with the transfer, not one per merged call", () => {
  const [record, ...more] = play(model(), seedCalls[3].reports);
  assert.deepEqual(more, []);
  assert.equal(record.transfers.length, 1);
  assert.equal(record.transfers[0].from?.number, "1843");
  assert.equal(record.transfers[0].to?.number, "2560");
  assert.equal(record.outcome, "answered");
  assert.equal(record.answeredBy?.number, "1843", "the first answer counts");
  assert.equal(record.startedAt, at(0).toISOString());
  assert.equal(record.endedAt, at(14).toISOString());
});

Deno.test("an internal call that rang and was not answered is missed; a busy one is busy", () => {
  const m = model();
  m.apply(e.serviceInitiated(7, "1843"), at(0), "1843");
  m.apply(e.originated(7, "1843", dev("2560")), at(0), "1843");
  m.apply(e.delivered(7, "2560", dev("1843"), dev("2560")), at(1), "2560");
  m.apply(e.connectionCleared(7, "1843"), at(9), "1843");
  m.apply(e.callCleared(7, "2560"), at(9), "2560");
  const [missed] = m.takeFinished().map((c) => callRecordOf(c));
  assert.equal(missed.direction, "internal");
  assert.equal(missed.outcome, "missed");
  assert.equal(missed.ringSeconds, 9);
  assert.equal(missed.answeredAt, null);
  assert.equal(missed.to?.number, "2560");

  m.apply(e.serviceInitiated(8, "1843"), at(20), "1843");
  m.apply(e.originated(8, "1843", dev("2560")), at(20), "1843");
  m.apply(e.failed(8, "2560", dev("2560"), dev("1843"), dev("2560")), at(21), "1843");
  m.apply(e.callCleared(8, "1843"), at(22), "1843");
  const [busy] = m.takeFinished().map((c) => callRecordOf(c));
  assert.equal(busy.outcome, "busy");
});

Deno.test("a caller who gives up while queued at a group is abandoned", () => {
  const m = model();
  const trunk = { trunk: "92108", outside: dev(CLI), ddi: "441615550123", direction: "in" as const };
  m.apply(e.queued(9, "600", dev(CLI), trunk), at(0), "600");
  m.apply(e.connectionCleared(9, "92108", dev(CLI)), at(30), "600");
  m.apply(e.callCleared(9, "600"), at(30), "600");
  const [record] = m.takeFinished().map((c) => callRecordOf(c));
  assert.equal(record.outcome, "abandoned");
  assert.equal(record.ringSeconds, 30);
});

Deno.test("a party formatter gives every party its reported form", () => {
  const m = model();
  for (const r of seedCalls[0].reports) for (const o of r.observers) m.apply(r.event, at(r.second), o);
  const record = callRecordOf(
    m.takeFinished()[0],
    (party) => ({ number: party.number, canonical: `+44${party.number.replace(/^0/, "")}` }),
  );
  assert.equal(record.from?.canonical, "+447968543537");
  assert.equal(record.answeredBy?.canonical, "+441843");
});
