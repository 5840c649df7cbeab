import assert from "node:assert/strict";
import {
  cdrReportArgument,
  durationSeconds,
  formatGeneralizedTime,
  parseGeneralizedTime,
} from "../../../src/csta/call_detail_records.ts";
import { decodeValue } from "../../../src/csta/codec.ts";
import { dialingNumber, party } from "../../../src/csta/device_id.ts";
import { readExtensions } from "../../../src/csta/extensions.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";

Deno.test("Panasonic's local YYYYMMDDhhmmss parses without a zone, Z and offsets are read", () => {
  assert.deepEqual(parseGeneralizedTime("20240131235959"), {
    year: 2024,
    month: 1,
    day: 31,
    hour: 23,
    minute: 59,
    second: 59,
  });
  assert.equal(parseGeneralizedTime("20240131235959Z")?.offsetMinutes, 0);
  assert.equal(parseGeneralizedTime("20240131235959-0130")?.offsetMinutes, -90);
  assert.equal(parseGeneralizedTime("2024013123.5")?.fraction, "5");
  for (const bad of ["", "2024", "20241331000000", "20240131246000", "2024013123595x"]) {
    assert.equal(parseGeneralizedTime(bad), undefined, bad);
  }
  assert.equal(
    formatGeneralizedTime({ year: 2024, month: 2, day: 3, hour: 4, minute: 5, second: 6 }),
    "20240203040506",
  );
});

Deno.test("a CDR report with times, duration in tenths and KME extensions decodes and re-encodes", () => {
  const bytes = cdrReportArgument.encode({
    cdrCrossRefID: Uint8Array.of(1),
    numberOfRecordsSent: 1,
    cdrInfo: [{
      recordCreationTime: "20240131120130",
      callingDevice: party(dialingNumber("201")),
      calledDevice: party(dialingNumber("0301234567")),
      connectionStart: "20240131120000",
      connectionEnd: "20240131120130",
      connectionDuration: 905,
      extensions: hexBytes("7E 0A A1 08 A6 06 AA 04 0A 02 00 01"),
    }],
  });
  const report = decodeValue(cdrReportArgument, bytes);
  const item = report.cdrInfo[0];
  assert.equal(durationSeconds(item.connectionDuration!), 90.5);
  assert.equal(item.connectionEnd, "20240131120130");
  assert.ok(bytesHex(bytes).includes("87 02 03 89"), "connectionDuration is [7] IMPLICIT INTEGER");
  assert.deepEqual(readExtensions(item.extensions!).privateData.map(bytesHex), ["A6 06 AA 04 0A 02 00 01"]);
  assert.equal(bytesHex(cdrReportArgument.encode(report)), bytesHex(bytes));
});
