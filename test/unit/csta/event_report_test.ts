import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { LocalConnectionState } from "../../../src/csta/connection_state.ts";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { ForwardDefault, ForwardingType } from "../../../src/csta/device_features.ts";
import { dialingNumber, party } from "../../../src/csta/device_id.ts";
import {
  type CstaEvent,
  decodeEventReport,
  encodeEventReport,
  type EventReportArgument,
  type TypedEventName,
} from "../../../src/csta/event_report.ts";
import { filterSuppresses, monitorFilterSuppressing } from "../../../src/csta/monitor_filter.ts";
import { decodeTypedInvoke } from "../../../src/csta/operations.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

const DELIVERED = exampleApdu(protocolExample("EventReport Delivered"));

Deno.test("§14.6 Delivered decodes to call 0x0011 ringing at 201 from 0301234567, alerting, newCall", () => {
  const apdu = decodeApdu(DELIVERED);
  assert.ok(apdu.kind === "invoke");
  assert.equal(apdu.invokeId, 5);
  const report = decodeEventReport(apdu.argument!);
  assert.deepEqual(report, {
    crossRefIdentifier: Uint8Array.of(0, 0, 0, 1),
    event: {
      kind: "delivered",
      connection: connection(Uint8Array.of(0x00, 0x11), dialingNumber("201")),
      alertingDevice: party(dialingNumber("201")),
      callingDevice: party(dialingNumber("0301234567")),
      calledDevice: party(dialingNumber("201")),
      lastRedirectionDevice: { kind: "notKnown" },
      localConnectionInfo: "alerting",
      cause: "newCall",
    },
  });
  assert.equal(bytesHex(encodeEventReport(5, report)), bytesHex(DELIVERED));
  assert.deepEqual(decodeTypedInvoke(apdu)?.operation, "cSTAEventReport");
});

Deno.test("Offered ([12]) decodes with its untagged correlatorData, as the ECMA-285 ASN.1 has it", () => {
  const hex = "30 4B 55 04 00 00 00 01 A0 43 AC 41 " +
    "6B 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31 " + // offeredConnection 0x0011 at 201
    "63 07 30 05 80 03 32 30 31 " + // offeredDevice 201
    "61 0E 30 0C 80 0A 30 33 30 31 32 33 34 35 36 37 " + // callingDevice 0301234567
    "62 07 30 05 80 03 32 30 31 64 02 87 00 4E 01 02 " + // calledDevice, lastRedirection, alerting
    "04 02 AB CD 0A 01 16"; // correlatorData (untagged OCTET STRING), cause newCall
  const report = decodeEventReport(hexBytes(hex));
  assert.deepEqual(report.event, {
    kind: "offered",
    offeredConnection: connection(Uint8Array.of(0x00, 0x11), dialingNumber("201")),
    offeredDevice: party(dialingNumber("201")),
    callingDevice: party(dialingNumber("0301234567")),
    calledDevice: party(dialingNumber("201")),
    lastRedirectionDevice: { kind: "notKnown" },
    localConnectionInfo: "alerting",
    correlatorData: Uint8Array.of(0xab, 0xcd),
    cause: "newCall",
  });
  assert.equal(bytesHex(encodeEventReport(1, report).subarray(8)), hex);
});

Deno.test("event kinds match the MonitorFilter names, so a filter applies to decoded events", () => {
  const report = decodeEventReport(
    (decodeApdu(DELIVERED) as { argument: { bytes: Uint8Array } }).argument.bytes,
  );
  assert.equal(filterSuppresses(monitorFilterSuppressing(["delivered"]), report.event.kind), true);
  assert.equal(filterSuppresses(monitorFilterSuppressing(["established"]), report.event.kind), false);
});

Deno.test("events of other categories and tags decode as unknown and re-encode unchanged", () => {
  const cases: [string, number, number][] = [
    ["30 0E 55 01 07 A3 09 A8 07 63 05 87 00 0A 01 00", 3, 8], // physical: ringerStatus
    ["30 0B 55 01 07 A4 06 A0 04 63 02 87 00", 4, 0], // logical: agentBusy
    ["30 0B 55 01 07 A0 06 A0 04 6B 02 80 00", 0, 0], // call control: bridged
    ["30 09 55 01 07 A7 04 A0 02 04 00", 7, 0], // vendor: privateEvent
    ["30 08 55 01 07 A0 03 85 01 00", 0, 5], // primitive event element
  ];
  for (const [hex, category, tag] of cases) {
    const report = decodeEventReport(hexBytes(hex));
    assert.equal(report.event.kind, "unknown", hex);
    if (report.event.kind !== "unknown") continue;
    assert.equal(report.event.category, category);
    assert.equal(report.event.tag, tag);
    assert.equal(bytesHex(encodeEventReport(1, report).subarray(8)), hex);
  }
});

Deno.test("Conferenced carries its extensions as [5] and Transferred its connections as [1]", () => {
  const conferenced = encodeEventReport(1, {
    crossRefIdentifier: Uint8Array.of(1),
    event: {
      kind: "conferenced",
      primaryOldCall: { callID: Uint8Array.of(1) },
      conferencingDevice: party(dialingNumber("201")),
      addedParty: party(dialingNumber("202")),
      conferenceConnections: [],
      cause: "conference",
      extensions: hexBytes("A5 04 A1 02 04 00"),
    },
  });
  assert.ok(bytesHex(conferenced).endsWith("30 00 0A 01 3F A5 04 A1 02 04 00"), bytesHex(conferenced));
  const transferred = encodeEventReport(1, {
    crossRefIdentifier: Uint8Array.of(1),
    event: {
      kind: "transferred",
      primaryOldCall: { callID: Uint8Array.of(1) },
      secondaryOldCall: { callID: Uint8Array.of(2) },
      transferringDevice: party(dialingNumber("201")),
      transferredToDevice: party(dialingNumber("202")),
      transferredConnections: [{ newConnection: { callID: Uint8Array.of(3) } }],
      cause: "transfer",
    },
  });
  assert.ok(bytesHex(transferred).includes("6B 03 80 01 01 A0 03 80 01 02"), "secondaryOldCall [0] IMPLICIT");
  assert.ok(bytesHex(transferred).includes("A1 09 30 07 A0 05 6B 03 80 01 03"), "transferredConnections [1]");
});

Deno.test("a malformed EventReport is a CstaDecodeError naming the event and an offset", () => {
  const cases = [
    "30 03 04 01 07", // no crossRef
    "30 03 55 01 07", // no eventSpecificInfo
    "30 07 55 01 07 80 02 00 00", // category not constructed
    "30 0A 55 01 07 A0 05 A4 03 6B 01 80", // broken connection inside delivered
    "30 09 55 01 07 A0 04 A4 00 A4 00", // two events in one category
  ];
  for (const hex of cases) {
    assert.throws(() => decodeEventReport(hexBytes(hex)), (error: unknown) => {
      assert.ok(error instanceof CstaDecodeError, `${hex}: ${error}`);
      assert.match(error.what, /EventReport/);
      return true;
    });
  }
  assert.throws(
    () => decodeEventReport(hexBytes("30 0A 55 01 07 A0 05 A4 03 0A 01 16")),
    /DeliveredEvent\.connection/,
  );
});

// --- property: encode → decode is the identity for every typed event and for unknown ones ---

const { rec, octets, bool, smallInt, text, eventCause, bitString, named, rawContext } = arb;
const conn = arb.connectionId;
const dev = arb.deviceId;
const p = arb.partyDeviceId;
const ext = { extensions: arb.extensionsBytes };
const state = named(LocalConnectionState);
const connList = fc.array(rec({}, { newConnection: conn, oldConnection: conn }), { maxLength: 2 });
const common = {
  localConnectionInfo: state,
  networkCallingDevice: p,
  networkCalledDevice: p,
  associatedCallingDevice: p,
  associatedCalledDevice: p,
};

const EVENTS: { [N in TypedEventName]: fc.Arbitrary<object> } = {
  callCleared: rec({ clearedCall: conn, cause: eventCause }, {
    correlatorData: octets(),
    userData: octets(),
    mediaCallCharacteristics: rawContext(2),
    callCharacteristics: bitString,
    languagePreferences: text,
    ...ext,
  }),
  conferenced: rec({
    primaryOldCall: conn,
    conferencingDevice: p,
    addedParty: p,
    conferenceConnections: connList,
    cause: eventCause,
  }, {
    secondaryOldCall: conn,
    localConnectionInfo: state,
    correlatorData: octets(),
    userData: octets(),
    servicesPermitted: rawContext(2),
    deviceHistory: rawContext(8),
    extensions: octets(3).map((c) => Uint8Array.of(0xa5, c.length + 2, 0x04, c.length, ...c)),
  }),
  connectionCleared: rec({ droppedConnection: conn, releasingDevice: p, cause: eventCause }, {
    localConnectionInfo: state,
    correlatorData: octets(),
    userData: octets(),
    chargingInfo: rawContext(1),
    droppedConnectionInfo: rawContext(5),
    ...ext,
  }),
  delivered: rec({
    connection: conn,
    alertingDevice: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, {
    originatingNIDConnection: conn,
    correlatorData: octets(),
    userData: octets(),
    servicesPermitted: rawContext(1),
    callCharacteristics: bitString,
    subjectOfCall: text,
    locationInfo: rawContext(10),
    ...common,
    ...ext,
  }),
  diverted: rec({
    connection: conn,
    divertingDevice: p,
    newDestination: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, {
    callingDevice: p,
    calledDevice: p,
    correlatorData: octets(),
    userData: octets(),
    connectionInfo: rawContext(4),
    ...common,
    ...ext,
  }),
  established: rec({
    establishedConnection: conn,
    answeringDevice: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, {
    originatingNIDConnection: conn,
    correlatorData: octets(),
    userData: octets(),
    languagePreferences: text,
    ...common,
    ...ext,
  }),
  failed: rec({
    failedConnection: conn,
    failingDevice: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, { correlatorData: octets(), userData: octets(), messageInfo: rawContext(7), ...common, ...ext }),
  held: rec({ heldConnection: conn, holdingDevice: p, cause: eventCause }, {
    localConnectionInfo: state,
    correlatorData: octets(),
    heldConnectionInfo: rawContext(4),
    ...ext,
  }),
  networkReached: rec({
    outboundConnection: conn,
    networkInterfaceUsed: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, { networkCapability: rawContext(1), localConnectionInfo: state, networkCalledDevice: p, ...ext }),
  offered: rec({
    offeredConnection: conn,
    offeredDevice: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, {
    originatingNIDConnection: conn,
    correlatorData: octets(),
    userData: octets(),
    servicesPermitted: rawContext(0),
    callCharacteristics: bitString,
    subjectOfCall: text,
    locationInfo: rawContext(9),
    ...common,
    ...ext,
  }),
  originated: rec({ originatedConnection: conn, callingDevice: p, calledDevice: p, cause: eventCause }, {
    originatingDevice: dev,
    correlatorData: octets(),
    ...common,
    ...ext,
  }),
  queued: rec({
    queuedConnection: conn,
    queue: p,
    callingDevice: p,
    calledDevice: p,
    lastRedirectionDevice: arb.redirectionDeviceId,
    cause: eventCause,
  }, {
    numberQueued: smallInt,
    callsInFront: smallInt,
    correlatorData: octets(),
    userData: octets(),
    ...common,
    ...ext,
  }),
  retrieved: rec({ retrievedConnection: conn, retrievingDevice: p, cause: eventCause }, {
    localConnectionInfo: state,
    correlatorData: octets(),
    ...ext,
  }),
  serviceInitiated: rec({ initiatedConnection: conn, initiatingDevice: p, cause: eventCause }, {
    calledDevice: p,
    localConnectionInfo: state,
    correlatorData: octets(),
    networkCallingDevice: p,
    associatedCallingDevice: p,
    ...ext,
  }),
  transferred: rec({
    primaryOldCall: conn,
    transferringDevice: p,
    transferredToDevice: p,
    transferredConnections: connList,
    cause: eventCause,
  }, {
    secondaryOldCall: conn,
    localConnectionInfo: state,
    userData: octets(),
    chargingInfo: rawContext(3),
    ...ext,
  }),
  doNotDisturb: rec({ device: p, doNotDisturbOn: bool }, {
    callOrigination: bitString,
    callingDeviceList: fc.array(dev, { maxLength: 2 }),
    ...ext,
  }),
  forwarding: rec({ device: p, forwardStatus: bool }, {
    forwardingType: named(ForwardingType),
    forwardTo: dev,
    forwardDefault: named(ForwardDefault),
    ringCount: smallInt,
    ringDuration: smallInt,
    ...ext,
  }),
};

Deno.test("every typed event survives encode then decode inside an EventReport APDU", () => {
  for (const [kind, fields] of Object.entries(EVENTS)) {
    fc.assert(
      fc.property(fields, octets(4), (value, crossRef) => {
        const argument = { crossRefIdentifier: crossRef, event: { kind, ...value } as CstaEvent };
        const apdu = decodeApdu(encodeEventReport(9, argument));
        assert.ok(apdu.kind === "invoke" && apdu.opcode === 21);
        assert.deepEqual(decodeEventReport(apdu.argument!), argument, kind);
      }),
      { numRuns: 60 },
    );
  }
});

Deno.test("unknown events survive encode then decode with their category, tag and bytes", () => {
  const unknown = fc.record({
    category: fc.integer({ min: 1, max: 7 }),
    tag: fc.integer({ min: 0, max: 30 }),
    content: octets(6),
  }, { noNullPrototype: true }).map(({ category, tag, content }): EventReportArgument => ({
    crossRefIdentifier: Uint8Array.of(1),
    event: {
      kind: "unknown",
      category,
      tag,
      raw: Uint8Array.of(0xa0 | tag, content.length + 2, 0x04, content.length, ...content),
    },
  })).filter((argument) =>
    !(argument.event.kind === "unknown" && argument.event.category === 4 &&
      [11, 12].includes(argument.event.tag))
  );
  fc.assert(fc.property(unknown, (argument) => {
    assert.deepEqual(decodeEventReport(encodeEventReport(1, argument).subarray(8)), argument);
  }));
});
