import assert from "node:assert/strict";
import { decodeValue } from "../../../src/csta/codec.ts";
import {
  describeUniversalFailure,
  OperationErrors,
  PerformanceManagementErrors,
  PrivateDataInfoErrors,
  SecurityErrors,
  StateIncompatibilityErrors,
  SubscribedResourceAvailabilityErrors,
  SystemResourceAvailabilityErrors,
  type UniversalFailure,
  universalFailure,
} from "../../../src/csta/universal_failure.ts";
import { bytesHex } from "../../fixtures/protocol_examples.ts";

const CATEGORIES = [
  ["operation", 0xa0, OperationErrors],
  ["security", 0xa1, SecurityErrors],
  ["stateIncompatibility", 0xa2, StateIncompatibilityErrors],
  ["systemResourceAvailability", 0xa3, SystemResourceAvailabilityErrors],
  ["subscribedResourceAvailability", 0xa4, SubscribedResourceAvailabilityErrors],
  ["performanceManagement", 0xa5, PerformanceManagementErrors],
  ["privateData", 0xa6, PrivateDataInfoErrors],
] as const;

Deno.test("every named value of every category encodes under its category tag and decodes to its name", () => {
  let count = 0;
  for (const [kind, tag, table] of CATEGORIES) {
    for (const name of table.names) {
      const failure = { kind, value: name } as UniversalFailure;
      const bytes = universalFailure.encode(failure);
      assert.equal(bytes[0], tag, `${kind}/${name}`);
      assert.equal(bytes[2], 0x0a, "ENUMERATED inside the explicit tag");
      assert.deepEqual(decodeValue(universalFailure, bytes), failure);
      count++;
    }
  }
  assert.ok(count > 250, `${count} named values`);
});

Deno.test("the §12 values keep their numbers", () => {
  assert.equal(OperationErrors.toNumber("invalidMonitorCrossRefID"), 60);
  assert.equal(OperationErrors.toNumber("invalidDestinationDeviceObject"), 195);
  assert.equal(OperationErrors.toNumber("privateDataNotSupported"), 126);
  assert.equal(SecurityErrors.toNumber("securityInfoViolated"), 4);
  assert.equal(StateIncompatibilityErrors.toNumber("invalidConnectionState"), 25);
  assert.equal(SystemResourceAvailabilityErrors.toNumber("resourceLimitExceeded"), 26);
  assert.equal(SubscribedResourceAvailabilityErrors.toNumber("objectRegistrationLimitExceeded"), 5);
  assert.equal(PerformanceManagementErrors.toNumber("performanceLimitExceeded"), 2);
  assert.equal(PrivateDataInfoErrors.toNumber("cSTAPrivateDataInfoError"), 1);
});

Deno.test("an unknown value is kept as a number and re-encoded unchanged", () => {
  const bytes = Uint8Array.of(0xa0, 0x04, 0x0a, 0x02, 0x03, 0xe8);
  const failure = decodeValue(universalFailure, bytes);
  assert.deepEqual(failure, { kind: "operation", value: 1000 });
  assert.equal(bytesHex(universalFailure.encode(failure)), bytesHex(bytes));
  assert.equal(describeUniversalFailure(failure), "operation/1000");
  assert.equal(describeUniversalFailure({ kind: "unspecified" }), "unspecified");
});
