import assert from "node:assert/strict";
import {
  AcseServiceUserDiagnostic,
  decodeAcse,
  encodeAare,
  encodeAareRejected,
  encodeAarq,
  encodeAbrt,
  encodeAcse,
  encodeLoginAarq,
  encodeRlre,
  encodeRlrq,
  loginAuthenticationValue,
  PANASONIC_APPLICATION_CONTEXT,
  PANASONIC_CSTA_VERSION,
  panasonicAareAccepted,
  panasonicAarq,
  PROTOCOL_VERSION_1,
  readCredentials,
} from "../../../src/csta/acse.ts";
import { isBitSet } from "../../../src/csta/bit_string.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";

Deno.test("panasonicAarq produces the captured AARQ of §14.1 byte for byte", () => {
  assert.equal(bytesHex(panasonicAarq()), bytesHex(exampleApdu(protocolExample("AARQ Panasonic form"))));
});

Deno.test("panasonicAareAccepted produces the captured AARE of §14.2 byte for byte", () => {
  assert.equal(bytesHex(panasonicAareAccepted()), bytesHex(exampleApdu(protocolExample("AARE accepted"))));
});

Deno.test("encodeLoginAarq produces the §14.12 login AARQ byte for byte", () => {
  assert.equal(
    bytesHex(encodeLoginAarq("user", "secret")),
    bytesHex(exampleApdu(protocolExample("AARQ with a login (hypothetical layout)"))),
  );
});

Deno.test("the Panasonic AARQ decodes to version1, 1.3.12.0.218 and cSTAVersion versionFive", () => {
  const aarq = decodeAcse(panasonicAarq());
  assert.equal(aarq.kind, "aarq");
  if (aarq.kind !== "aarq") return;
  assert.equal(aarq.applicationContextName, PANASONIC_APPLICATION_CONTEXT);
  assert.deepEqual(aarq.protocolVersion, PROTOCOL_VERSION_1);
  assert.ok(aarq.cstaVersion && isBitSet(aarq.cstaVersion, 4), "versionFive bit");
  assert.equal(aarq.credentials, undefined);
});

Deno.test("the accepted AARE decodes with result accepted and the no-reason-given diagnostic Panasonic sends", () => {
  const aare = decodeAcse(panasonicAareAccepted());
  assert.equal(aare.kind, "aare");
  if (aare.kind !== "aare") return;
  assert.equal(aare.result, "accepted");
  assert.deepEqual(aare.resultSourceDiagnostic, { kind: "acseServiceUser", value: "noReasonGiven" });
  assert.deepEqual(aare.cstaVersion, PANASONIC_CSTA_VERSION);
});

Deno.test("encodeAareRejected gives the derived authentication-failure AARE of §2.3", () => {
  assert.equal(
    bytesHex(encodeAareRejected()),
    "61 19 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A A2 03 02 01 01 A3 05 A1 03 02 01 0D",
  );
});

Deno.test("every acse-service-user diagnostic survives an AARE round trip by name", () => {
  for (const name of AcseServiceUserDiagnostic.names) {
    const bytes = encodeAareRejected({ kind: "acseServiceUser", value: name });
    const aare = decodeAcse(bytes);
    assert.equal(aare.kind, "aare");
    if (aare.kind !== "aare") continue;
    assert.deepEqual(aare.resultSourceDiagnostic, { kind: "acseServiceUser", value: name });
    assert.equal(aare.result, "rejectedPermanent");
    assert.equal(bytesHex(encodeAcse(aare)), bytesHex(bytes));
  }
  assert.equal(AcseServiceUserDiagnostic.nameOf(13), "authenticationFailure");
});

Deno.test("a provider diagnostic and an unknown diagnostic number are kept", () => {
  const provider = decodeAcse(
    encodeAareRejected({ kind: "acseServiceProvider", value: "noCommonAcseVersion" }, "rejectedTransient"),
  );
  assert.ok(provider.kind === "aare");
  assert.deepEqual(provider.resultSourceDiagnostic, {
    kind: "acseServiceProvider",
    value: "noCommonAcseVersion",
  });
  assert.equal(provider.result, "rejectedTransient");
  const unknown = decodeAcse(encodeAareRejected({ kind: "acseServiceUser", value: 99 }));
  assert.ok(unknown.kind === "aare");
  assert.deepEqual(unknown.resultSourceDiagnostic, { kind: "acseServiceUser", value: 99 });
});

Deno.test("the estos login layout yields name and password as UTF-8", () => {
  const aarq = decodeAcse(encodeLoginAarq("Jürgen", "pässwört€"));
  assert.ok(aarq.kind === "aarq");
  assert.deepEqual(aarq.credentials, { name: "Jürgen", password: "pässwört€" });
});

Deno.test("the X.227 charstring form AC 80 is read as a password only", () => {
  const bytes = encodeAarq({
    protocolVersion: PROTOCOL_VERSION_1,
    applicationContextName: PANASONIC_APPLICATION_CONTEXT,
    callingAuthenticationValue: hexBytes("80 06 73 65 63 72 65 74"),
  });
  assert.ok(bytesHex(bytes).includes("AC 08 80 06 73 65 63 72 65 74"));
  const aarq = decodeAcse(bytes);
  assert.ok(aarq.kind === "aarq");
  assert.deepEqual(aarq.credentials, { password: "secret" });
});

Deno.test("credentials are the first two string leaves whatever the nesting", () => {
  // external with a direct-reference OID first (not a string), then deeper nesting and a third leaf
  const value = hexBytes("A2 17 06 02 2A 03 A0 11 A0 0F 30 0D 0C 01 61 A1 03 16 01 62 80 03 63 63 63");
  assert.deepEqual(readCredentials(value), { name: "a", password: "b" });
  assert.deepEqual(readCredentials(hexBytes("A3 03 80 01 78")), { name: "x" });
  assert.equal(readCredentials(hexBytes("81 02 00 FF")), undefined);
  assert.equal(readCredentials(hexBytes("A2 04 06 02 2A 03")), undefined);
});

Deno.test("loginAuthenticationValue nests name [0] and password [1] as guessed in §2.4", () => {
  assert.equal(
    bytesHex(loginAuthenticationValue("user", "secret")),
    "A2 12 A0 10 A0 0E 80 04 75 73 65 72 81 06 73 65 63 72 65 74",
  );
});

Deno.test("release and abort APDUs have the §14.13 bytes and decode back", () => {
  assert.equal(bytesHex(encodeRlrq()), "62 03 80 01 00");
  assert.equal(bytesHex(encodeRlre()), "63 03 80 01 00");
  assert.equal(bytesHex(encodeAbrt()), "64 03 80 01 00");
  assert.deepEqual(decodeAcse(hexBytes("62 03 80 01 01")), { kind: "rlrq", reason: "urgent" });
  assert.deepEqual(decodeAcse(hexBytes("63 03 80 01 01")), { kind: "rlre", reason: "notFinished" });
  const abrt = encodeAbrt({ source: "acseServiceProvider", diagnostic: "authenticationFailure" });
  assert.equal(bytesHex(abrt), "64 06 80 01 01 81 01 05");
  assert.deepEqual(decodeAcse(abrt), {
    kind: "abrt",
    source: "acseServiceProvider",
    diagnostic: "authenticationFailure",
  });
});

Deno.test("the reduced LinTcMon AARQ with its malformed version decodes leniently", () => {
  const aarq = decodeAcse(hexBytes("60 14 80 09 00 76 65 72 73 69 6F 6E 33 A1 07 06 05 2B 0C 00 81 5A"));
  assert.ok(aarq.kind === "aarq");
  assert.equal(aarq.applicationContextName, PANASONIC_APPLICATION_CONTEXT);
  assert.equal(aarq.userInformation, undefined);
});

Deno.test("fields ACSE does not interpret are kept in place and re-encoded", () => {
  // called-AP-title A2 between application-context-name and user-information
  const bytes = hexBytes("60 0F A1 07 06 05 2B 0C 00 81 5A A2 04 06 02 2A 03");
  const aarq = decodeAcse(bytes);
  assert.ok(aarq.kind === "aarq");
  assert.equal(aarq.unknownFields?.length, 1);
  assert.equal(bytesHex(encodeAcse(aarq)), bytesHex(bytes));
});

Deno.test("malformed ACSE input fails with a CstaDecodeError that names the APDU and an offset", () => {
  const cases = ["60 05 80 03 07", "61 03 80 01 00", "64 00", "60 04 A1 02 06 00", "65 00", "60 02 A1 80"];
  for (const hex of cases) {
    assert.throws(() => decodeAcse(hexBytes(hex), 2), (error: unknown) => {
      assert.ok(error instanceof CstaDecodeError, `${hex}: ${error}`);
      assert.ok(error.offset >= 2, `${hex}: offset ${error.offset}`);
      return true;
    });
  }
});

Deno.test("encodeAare refuses a malformed application context name", () => {
  assert.throws(
    () => encodeAare({ result: "accepted", applicationContextName: "not-an-oid" }),
    /not a dotted OID/,
  );
});

Deno.test("an element RLRQ does not declare is kept raw whatever its universal type, and re-encoded", () => {
  // A UniversalString of 1 octet (not a multiple of 4): asn1js threw on it; the codec keeps it as bytes.
  const bytes = hexBytes("62 06 80 01 00 1C 01 00");
  const rlrq = decodeAcse(bytes);
  assert.ok(rlrq.kind === "rlrq");
  assert.equal(rlrq.reason, "normal");
  assert.deepEqual(rlrq.unknownFields, [{ after: "reason", raw: hexBytes("1C 01 00") }]);
  assert.equal(bytesHex(encodeAcse(rlrq)), bytesHex(bytes));
});

Deno.test("object identifiers round-trip through the codec, large arcs included, and bad ones are refused", () => {
  const bytes = encodeAarq({ applicationContextName: "2.999.16384.1" });
  // 2*40+999 = 1079 = 88 37; 16384 = 81 80 00 (X.690 8.19)
  assert.equal(bytesHex(bytes), "60 0A A1 08 06 06 88 37 81 80 00 01");
  const aarq = decodeAcse(bytes);
  assert.ok(aarq.kind === "aarq");
  assert.equal(aarq.applicationContextName, "2.999.16384.1");
  assert.throws(() => encodeAarq({ applicationContextName: "1.40.2" }), /not a valid OID/);
  assert.throws(() => decodeAcse(hexBytes("60 05 A1 03 06 01 81")), /object identifier truncated/);
});

Deno.test("user-information that is not the CSTA layout is kept raw and gives no cSTAVersion", () => {
  // EXTERNAL with an octet-aligned [1] encoding instead of single-ASN1-type
  const user = hexBytes("BE 07 28 05 81 03 01 02 03");
  const bytes = encodeAarq({ applicationContextName: PANASONIC_APPLICATION_CONTEXT, userInformation: user });
  const aarq = decodeAcse(bytes);
  assert.ok(aarq.kind === "aarq");
  assert.deepEqual(aarq.userInformation, user);
  assert.equal(aarq.cstaVersion, undefined);
  assert.equal(bytesHex(encodeAcse(aarq)), bytesHex(bytes));
});
