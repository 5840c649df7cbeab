import assert from "node:assert/strict";
import { CstaFailureError, CstaTimeoutError } from "../../../src/client/client_errors.ts";
import {
  LINE_ERRORS,
  LineApiError,
  lineErrorOf,
  lineErrorOfFailure,
} from "../../../src/line_api/line_errors.ts";

const where = { operation: "lineMakeCall", line: "101", callId: "k3f9-2", addressField: "to" };

Deno.test("a UniversalFailure maps to one TAPI code and status, with a message naming line, call and reason", () => {
  const cases: [Parameters<typeof lineErrorOfFailure>[0], string, number][] = [
    [{ kind: "stateIncompatibility", value: "invalidConnectionState" }, "LINEERR_INVALCALLSTATE", 409],
    [
      { kind: "subscribedResourceAvailability", value: "objectMonitorLimitExceeded" },
      "LINEERR_RESOURCEUNAVAIL",
      403,
    ],
    [{ kind: "systemResourceAvailability", value: "resourceBusy" }, "LINEERR_INUSE", 409],
    [{ kind: "performanceManagement", value: "performanceLimitExceeded" }, "LINEERR_TIMEOUT", 504],
    [{ kind: "operation", value: "invalidCalledDeviceID" }, "LINEERR_INVALADDRESS", 400],
    [{ kind: "operation", value: "invalidConnectionID" }, "LINEERR_INVALCALLHANDLE", 404],
    [{ kind: "operation", value: "serviceNotSupported" }, "LINEERR_OPERATIONUNAVAIL", 403],
    [{ kind: "operation", value: "generic" }, "LINEERR_OPERATIONFAILED", 502],
    [{ kind: "unspecified" } as never, "LINEERR_OPERATIONFAILED", 502],
  ];
  for (const [failure, code, status] of cases) {
    const error = lineErrorOfFailure(failure, where);
    assert.equal(error.code, code, JSON.stringify(failure));
    assert.equal(error.status, status);
    assert.match(error.message, /^lineMakeCall on line 101, call k3f9-2: .* \(PBX: /);
  }
  assert.equal(lineErrorOfFailure({ kind: "operation", value: "invalidDestination" }, where).field, "to");
});

Deno.test("client-side errors map too: a timeout is 504, a PBX error is read from the ReturnError", () => {
  const request = { operation: "MakeCall", opcode: 10, invokeId: 3 };
  const failed = lineErrorOf(
    new CstaFailureError(request, 1, { kind: "operation", value: "invalidDestination" }),
    where,
  );
  assert.equal(failed.code, "LINEERR_INVALADDRESS");
  const late = lineErrorOf(new CstaTimeoutError("MakeCall", 10_000, request), where);
  assert.equal(late.status, 504);
  assert.match(late.message, /did not answer within 10000 ms/);
  const mine = new LineApiError("LINEERR_INVALPARAM", "to: missing", "to");
  assert.equal(lineErrorOf(mine, where), mine);
});

Deno.test("docs/line-api.md lists every error code with its status and meaning", async () => {
  const doc = await Deno.readTextFile(new URL("../../../docs/line-api.md", import.meta.url));
  const rows = doc.split("\n").map((line) => line.replace(/\s+\|/g, " |").replace(/\|\s+/g, "| ").trim());
  for (const [code, e] of Object.entries(LINE_ERRORS)) {
    assert.ok(rows.includes(`| \`${code}\` | ${e.status} | ${e.when} |`), `${code} row missing or different`);
  }
});
