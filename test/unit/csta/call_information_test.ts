import assert from "node:assert/strict";
import fc from "fast-check";
import {
  accountInfoOf,
  callInformationAsEvent,
  decodeCallInformation,
  isCallInformation,
} from "../../../src/csta/call_information.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { dialingNumber, party } from "../../../src/csta/device_id.ts";
import { decodeEventReport, eventReportArgument } from "../../../src/csta/event_report.ts";

const hexBytes = (hex: string) => Uint8Array.from(hex.split(" "), (b) => parseInt(b, 16));

Deno.test("a hand-written CallInformation element (connection, device, callingDevice with privateName, accountInfo) decodes field by field", () => {
  // a0 { 6b ConnectionID, 63 SubjectDeviceID, 61 CallingDeviceID { 30 { 80 "0301", a1 { 16 "JO" } } }, 80 "12" }
  const raw = hexBytes(
    "a0 2e 6b 0f 30 0d 80 02 00 01 a1 07 30 05 80 03 31 30 31 63 07 30 05 80 03 31 30 31 " +
      "61 0e 30 0c 80 04 30 33 30 31 a1 04 16 02 4a 4f 80 02 31 32",
  );
  const event = { kind: "unknown" as const, category: 1, tag: 0, raw };
  assert.ok(isCallInformation(event));
  const info = decodeCallInformation(event);
  assert.deepEqual(info.connection, connection(Uint8Array.of(0, 1), dialingNumber("101")));
  assert.deepEqual(info.device, party(dialingNumber("101")));
  const calling = dialingNumber("0301");
  calling.privateName = "JO";
  assert.deepEqual(info.callingDevice, party(calling));
  assert.deepEqual(info.accountInfo, accountInfoOf("12"));
  assert.deepEqual(callInformationAsEvent(info).raw, raw, "written back to the same bytes");
});

Deno.test("a CallInformation element without its device is a CstaDecodeError; other callAssociated tags are not CallInformation", () => {
  const raw = hexBytes("a0 11 6b 0f 30 0d 80 02 00 01 a1 07 30 05 80 03 31 30 31");
  assert.throws(() => decodeCallInformation({ kind: "unknown", category: 1, tag: 0, raw }), CstaDecodeError);
  assert.equal(isCallInformation({ kind: "unknown", category: 1, tag: 1, raw }), false);
  assert.equal(isCallInformation({ kind: "unknown", category: 0, tag: 0, raw }), false);
});

Deno.test("property: account codes and caller names survive an EventReport round trip as CallInformation", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[0-9]{1,10}$/),
      fc.option(fc.stringMatching(/^[ -~]{1,20}$/), { nil: undefined }),
      fc.integer({ min: 0, max: 0xffff }),
      (code, name, callId) => {
        const calling = dialingNumber("0301234567");
        if (name !== undefined) calling.privateName = name;
        const fields = {
          connection: connection(Uint8Array.of(callId >> 8, callId & 0xff), dialingNumber("101")),
          device: party(dialingNumber("101")),
          callingDevice: party(calling),
          accountInfo: accountInfoOf(code),
        };
        const bytes = eventReportArgument.encode({
          crossRefIdentifier: Uint8Array.of(0, 0, 0, 1),
          event: callInformationAsEvent(fields),
        });
        const event = decodeEventReport(bytes).event;
        assert.ok(event.kind === "unknown" && isCallInformation(event));
        assert.deepEqual(decodeCallInformation(event), fields);
      },
    ),
    { numRuns: 200 },
  );
});
