import assert from "node:assert/strict";
import fc from "fast-check";
import {
  boxName,
  callId,
  fitNumber,
  formatRecord,
  parseRecord,
  RECORD_FIELDS,
  RECORD_LENGTH,
  SmdrRecordError,
  toRecordAscii,
} from "../../../src/smdr/record.ts";
import { SMDR_EVENT_TYPES, type SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { collapseSpaces, seedContacts, seedDdiNames, seedScenarios } from "./seed_scenarios.ts";

const names = new Map(seedContacts.map((c) => [c.number, c.name]));
const ddiNames = new Map(seedDdiNames.map((d) => [d.number, d.name]));

/** What the service does before formatting: names of the caller and the DDI, on inbound calls. */
function withNames(event: SmdrEvent): SmdrEvent {
  if (event.direction === "OUT") return event;
  return { ...event, contactName: names.get(event.callerNumber), ddiName: ddiNames.get(event.ddi ?? "") };
}

Deno.test("the layout is 13 fields of 150 characters and 12 spaces: 162", () => {
  assert.equal(RECORD_FIELDS.length, 13);
  assert.equal(RECORD_FIELDS.reduce((s, f) => s + f.width, 0), 150);
  assert.equal(RECORD_LENGTH, 162);
});

for (const scenario of seedScenarios) {
  Deno.test(`seed scenario "${scenario.name}": records collapse to the seed's lines`, () => {
    const records = scenario.events.map((e) => formatRecord(withNames(e), { padding: "0" }));
    for (const record of records) assert.equal(record.length, 162);
    assert.deepEqual(records.map(collapseSpaces), scenario.expectedLines);
  });
}

Deno.test("the seed's outbound lines differ from ours only by the empty DDI name box", () => {
  const outbound = seedScenarios.find((s) => s.name === "outbound")!;
  const ours = outbound.events.map((e) => collapseSpaces(formatRecord(e, { padding: "0" })));
  assert.deepEqual(
    ours.map((line) => line.replace(" | | 000000000000 ", " 000000000000 ")),
    outbound.seedLines,
  );
});

Deno.test("padding and boxes are where the seed's collapsed runs were", () => {
  const event = seedScenarios[0].events[0];
  const record = formatRecord(withNames(event), { padding: "0" });
  assert.equal(
    record,
    "2012-03-09 01:20:40 |IN | 2012030901204052070264 0092108 0001843 0000000 0000079XXXXXXXX " +
      "|CHRIS R MOBILE| 00044161XXXXXXX |CHRIS DID | 000000000000 |RINGING     |",
  );
});

Deno.test("every record of a call carries the same call ID: start time and the serial's last 8 digits", () => {
  for (const scenario of seedScenarios) {
    const ids = scenario.events.map((e) => parseRecord(formatRecord(e, { padding: "0" })).callId);
    assert.equal(new Set(ids).size, 1, scenario.name);
  }
  assert.equal(callId(new Date(2026, 0, 2, 3, 4, 5), 1_234_567_890), "2026010203040534567890");
  assert.equal(callId(new Date(2026, 0, 2, 3, 4, 5), 7), "2026010203040500000007");
});

Deno.test("a number longer than its field keeps its last digits", () => {
  assert.equal(fitNumber("00441615551234567", 15, "0"), "441615551234567");
  assert.equal(fitNumber("12345678", 7, "0"), "2345678");
});

Deno.test("number fields drop spaces, the delimiter and non-ASCII, and pad with the padding character", () => {
  assert.equal(fitNumber("+49 30 1234|5", 15, " "), "     +493012345");
  assert.equal(fitNumber("", 7, "*"), "*******");
  assert.equal(fitNumber("１２3", 7, "0"), "0000003");
});

Deno.test("names are cut to width, left-aligned and folded to printable ASCII", () => {
  assert.equal(boxName("Bartholomew Featherstonehaugh", 16), "|Bartholomew Fe|");
  assert.equal(boxName("Anna", 12), "|Anna      |");
  assert.equal(toRecordAscii("Müller Straße Øre"), "Muller Strasse Ore");
  assert.equal(toRecordAscii("a|b\tc\u{1F600}"), "a?b c?");
});

Deno.test("the source extension is printed on DIVERTED and TRANSFERRED only", () => {
  const base = seedScenarios[0].events[0];
  for (const type of SMDR_EVENT_TYPES) {
    const fields = parseRecord(
      formatRecord({ ...base, event: type, sourceExtension: "1843" }, { padding: "0" }),
    );
    const shown = type === "DIVERTED" || type === "TRANSFERRED";
    assert.equal(fields.sourceExtension, shown ? "0001843" : "0000000", type);
  }
});

Deno.test("a padding character outside printable ASCII is refused, not printed", () => {
  const event = seedScenarios[0].events[0];
  assert.throws(() => formatRecord(event, { padding: "é" }), SmdrRecordError);
  assert.throws(() => formatRecord(event, { padding: "\t" }), SmdrRecordError);
  assert.equal(formatRecord(event, { padding: " " }).length, 162);
});

Deno.test("parseRecord reads back every field and rejects a record of the wrong length", () => {
  const record = formatRecord(withNames(seedScenarios[3].events[3]), { padding: "0" });
  const fields = parseRecord(record + "\r\n");
  assert.equal(fields.direction, "IN");
  assert.equal(fields.extension, "0002560");
  assert.equal(fields.sourceExtension, "0001843");
  assert.equal(fields.contactName, "CHRIS R MOBILE");
  assert.equal(fields.ddiName, "CHRIS DID");
  assert.equal(fields.event, "TRANSFERRED");
  assert.throws(() => parseRecord(record.slice(1)), /161 characters/);
});

const text = fc.string({ unit: "binary", maxLength: 40 });
const date = fc.date({ min: new Date(1970, 0, 1), max: new Date(9999, 11, 31), noInvalidDate: true });
const anyEvent: fc.Arbitrary<SmdrEvent> = fc.record({
  event: fc.constantFrom(...SMDR_EVENT_TYPES),
  at: date,
  direction: fc.constantFrom("IN" as const, "OUT" as const),
  callStart: date,
  callSerial: fc.maxSafeNat(),
  trunk: text,
  extension: text,
  sourceExtension: fc.option(text, { nil: undefined }),
  callerNumber: text,
  ddi: fc.option(text, { nil: undefined }),
  accountCode: fc.option(text, { nil: undefined }),
  contactName: fc.option(text, { nil: undefined }),
  ddiName: fc.option(text, { nil: undefined }),
});

Deno.test("property: any event formats to 162 printable ASCII characters that parse back", () => {
  const padding = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(anyEvent, padding, (event, pad) => {
      const record = formatRecord(event, { padding: pad });
      const wire = new TextEncoder().encode(record + "\r\n");
      assert.equal(wire.length, 164);
      assert.ok(/^[\x20-\x7e]{162}$/.test(record));
      const fields = parseRecord(record);
      assert.equal(fields.event, event.event);
      assert.equal(fields.direction, event.direction);
    }),
    { numRuns: 2000 },
  );
});
