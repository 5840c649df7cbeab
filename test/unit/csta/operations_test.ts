import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { AutoOriginate, ConsultOptions, ParticipationType } from "../../../src/csta/call_control.ts";
import { DigitMode } from "../../../src/csta/call_features.ts";
import {
  BillingID,
  CDRTermReason,
  CDRTransferMode,
  ReasonForTerm,
} from "../../../src/csta/call_detail_records.ts";
import type { Codec } from "../../../src/csta/codec.ts";
import { decodeValue } from "../../../src/csta/codec.ts";
import type { ConnectionList } from "../../../src/csta/connection_id.ts";
import { LocalConnectionState, SimpleCallState } from "../../../src/csta/connection_state.ts";
import { connection } from "../../../src/csta/connection_id.ts";
import { deviceNumber, dialingNumber } from "../../../src/csta/device_id.ts";
import { ForwardDefault, ForwardingType } from "../../../src/csta/device_features.ts";
import { MonitorFilterBits } from "../../../src/csta/monitor_filter.ts";
import type { MonitorFilter } from "../../../src/csta/monitor_filter.ts";
import { MonitorType } from "../../../src/csta/monitoring.ts";
import {
  decodeTypedArgument,
  decodeTypedInvoke,
  decodeTypedResult,
  encodeTypedInvoke,
  encodeTypedResult,
  type OperationName,
  operationOf,
  operations,
} from "../../../src/csta/operations.ts";
import { DeviceCategory, SystemStatus } from "../../../src/csta/system_services.ts";
import { bytesHex, exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

const { rec, octets, bool, digits, smallInt, text, eventCause, bitString, named, rawContext } = arb;
const ext = { extensions: arb.extensionsBytes };
const conn = arb.connectionId;
const dev = arb.deviceId;

function invokeOf(name: string) {
  const apdu = decodeApdu(exampleApdu(protocolExample(name)));
  assert.ok(apdu.kind === "invoke", name);
  return apdu;
}

Deno.test("§14.4 MonitorStart arguments decode to device 101/201 by number or digits with and without filter", () => {
  const empty = decodeTypedInvoke(invokeOf("MonitorStart device 101 with empty filter"));
  assert.deepEqual(empty, {
    operation: "monitorStart",
    invokeId: 0x78,
    argument: {
      monitorObject: { kind: "deviceObject", value: dialingNumber("101") },
      requestedMonitorFilter: {},
    },
  });
  const noFilter = decodeTypedInvoke(invokeOf("MonitorStart device 201 without filter"));
  assert.deepEqual(noFilter?.argument, {
    monitorObject: { kind: "deviceObject", value: dialingNumber("201") },
  });
  const byNumber = decodeTypedInvoke(invokeOf("MonitorStart by deviceNumber"));
  assert.deepEqual(byNumber?.argument, {
    monitorObject: { kind: "deviceObject", value: deviceNumber(0x01000041) },
  });
  for (
    const [name, id] of [["MonitorStart device 101 with empty filter", 0x78], [
      "MonitorStart device 201 without filter",
      1,
    ], ["MonitorStart by deviceNumber", 2]] as const
  ) {
    const typed = decodeTypedInvoke(invokeOf(name))!;
    assert.equal(
      bytesHex(encodeTypedInvoke(id, "monitorStart", typed.argument as never)),
      bytesHex(exampleApdu(protocolExample(name))),
    );
  }
});

Deno.test("§14.5 MonitorStart result carries crossRef 00000001 and re-encodes exactly", () => {
  const apdu = decodeApdu(exampleApdu(protocolExample("MonitorStart result")));
  assert.ok(apdu.kind === "returnResult");
  const result = decodeTypedResult("monitorStart", apdu.result!.value!);
  assert.deepEqual(result, { crossRefIdentifier: Uint8Array.of(0, 0, 0, 1) });
  assert.equal(
    bytesHex(encodeTypedResult(1, "monitorStart", result)),
    bytesHex(exampleApdu(protocolExample("MonitorStart result"))),
  );
});

Deno.test("§14.7 MonitorStop and its noData result", () => {
  const stop = decodeTypedInvoke(invokeOf("MonitorStop"));
  assert.deepEqual(stop, {
    operation: "monitorStop",
    invokeId: 3,
    argument: { crossRefIdentifier: Uint8Array.of(0, 0, 0, 1) },
  });
  assert.equal(
    bytesHex(encodeTypedResult(3, "monitorStop", {})),
    bytesHex(exampleApdu(protocolExample("MonitorStop result"))),
  );
});

Deno.test("§14.8 MakeCall and §14.9 ClearConnection decode to their devices and connection", () => {
  const make = decodeTypedInvoke(invokeOf("MakeCall 201 to 0301234567"));
  assert.deepEqual(make?.argument, {
    callingDevice: dialingNumber("201"),
    calledDirectoryNumber: dialingNumber("0301234567"),
  });
  assert.equal(
    bytesHex(
      encodeTypedInvoke(10, "makeCall", {
        callingDevice: dialingNumber("201"),
        calledDirectoryNumber: dialingNumber("0301234567"),
      }),
    ),
    bytesHex(exampleApdu(protocolExample("MakeCall 201 to 0301234567"))),
  );
  const clear = decodeTypedInvoke(invokeOf("ClearConnection of call 0x0011 at 201"));
  assert.deepEqual(clear?.argument, {
    connectionToBeCleared: connection(Uint8Array.of(0x00, 0x11), dialingNumber("201")),
  });
});

Deno.test("§14.3 SystemStatus normal and §14.11 StartCDRTransmission decode by name", () => {
  assert.deepEqual(decodeTypedInvoke(invokeOf("SystemStatus normal from the PBX"))?.argument, {
    systemStatus: "normal",
  });
  assert.deepEqual(decodeTypedInvoke(invokeOf("StartCDRTransmission transferAtEndOfCall"))?.argument, {
    transferMode: "transferAtEndOfCall",
  });
  assert.equal(
    bytesHex(encodeTypedResult(42, "cDRReport", {})),
    bytesHex(exampleApdu(protocolExample("Answer to a CDRReport"))),
  );
});

Deno.test("ConsultationCall decodes the tagged 4th-edition form and the untagged 2nd-edition form", () => {
  const existing = connection(Uint8Array.of(0, 0x11), dialingNumber("201"));
  const second = encodeTypedInvoke(1, "consultationCall", {
    existingCall: existing,
    consultedDevice: dialingNumber("202"),
  });
  assert.equal(
    bytesHex(second),
    "A1 20 02 01 01 02 01 07 30 18 6B 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31 30 05 80 03 32 30 32",
  );
  const fourth = encodeTypedInvoke(1, "consultationCall", {
    edition: 4,
    existingCall: existing,
    consultedDevice: dialingNumber("202"),
    consultOptions: "transferOnly",
  });
  assert.equal(
    bytesHex(fourth),
    "A1 25 02 01 01 02 01 07 30 1D A0 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31 A1 07 30 05 80 03 32 30 32 8A 01 02",
  );
  const decodedSecond = decodeTypedInvoke(decodeApdu(second) as never);
  assert.deepEqual(decodedSecond?.argument, {
    edition: 2,
    existingCall: existing,
    consultedDevice: dialingNumber("202"),
  });
  const decodedFourth = decodeTypedInvoke(decodeApdu(fourth) as never);
  assert.deepEqual(decodedFourth?.argument, {
    edition: 4,
    existingCall: existing,
    consultedDevice: dialingNumber("202"),
    consultOptions: "transferOnly",
  });
});

Deno.test("operationOf maps opcodes back to typed operations and leaves unknown ones undefined", () => {
  for (const [name, spec] of Object.entries(operations)) assert.equal(operationOf(spec.opcode), name);
  assert.equal(operationOf(18), undefined);
  assert.equal(decodeTypedInvoke({ kind: "invoke", invokeId: 1, opcode: 999 }), undefined);
  assert.throws(() => decodeTypedInvoke({ kind: "invoke", invokeId: 1, opcode: 71 }), /no argument/);
});

Deno.test("a malformed argument reports the field path and the APDU offset", () => {
  const apdu = decodeApdu(hexBytes("A1 12 02 01 0A 02 01 0A 30 0A 30 05 80 03 32 30 31 30 01 80"));
  assert.ok(apdu.kind === "invoke");
  assert.throws(
    () => decodeTypedArgument("makeCall", apdu.argument!),
    (error: Error & { offset?: number }) => {
      assert.match(error.message, /MakeCall argument\.calledDirectoryNumber/);
      assert.equal(error.offset, 20);
      return true;
    },
  );
});

// --- property tests: encode → decode is the identity for every typed argument and result ---

const filter: fc.Arbitrary<MonitorFilter> = rec(
  {},
  Object.fromEntries(Object.keys(MonitorFilterBits).map((c) => [c, bitString])),
) as fc.Arbitrary<MonitorFilter>;
const connectionListArb: fc.Arbitrary<ConnectionList> = fc.array(
  rec({}, {
    newConnection: conn,
    oldConnection: conn,
    endpoint: fc.oneof(
      dev.map((value) => ({ kind: "deviceID" as const, value })),
      fc.constantFrom({ kind: "notKnown" as const }, { kind: "restricted" as const }),
    ),
    associatedNID: fc.oneof(
      dev.map((value) => ({ kind: "deviceID" as const, value })),
      fc.constant({ kind: "notKnown" as const }),
    ),
    resultingConnectionInfo: arb.rawSequence,
  }),
  { maxLength: 3 },
);
const noData = rec({}, ext);
const party = arb.partyDeviceId;

const ARGUMENTS: { [N in OperationName]: fc.Arbitrary<unknown> } = {
  alternateCall: rec({ heldCall: conn, activeCall: conn }, {
    connectionReservation: bool,
    consultOptions: named(ConsultOptions),
    ...ext,
  }),
  answerCall: rec({ callToBeAnswered: conn }, { correlatorData: octets(), userData: octets(), ...ext }),
  clearCall: rec({ callToBeCleared: conn }, { userData: octets(), reason: eventCause, ...ext }),
  clearConnection: rec({ connectionToBeCleared: conn }, {
    correlatorData: octets(),
    userData: octets(),
    reason: eventCause,
    ...ext,
  }),
  conferenceCall: rec({ heldCall: conn, activeCall: conn }, ext),
  consultationCall: fc.oneof(
    rec({ edition: fc.constant(2 as const), existingCall: conn, consultedDevice: dev }, ext),
    rec({ edition: fc.constant(4 as const), existingCall: conn, consultedDevice: dev }, {
      connectionReservation: bool,
      accountCode: octets(),
      authCode: octets(),
      correlatorData: octets(),
      userData: octets(),
      callCharacteristics: bitString,
      mediaCallCharacteristics: rawContext(8),
      callingConnectionInfo: rawContext(9),
      consultOptions: named(ConsultOptions),
      subjectOfCall: text,
      languagePreferences: text,
      ...ext,
    }),
  ),
  holdCall: rec({ callToBeHeld: conn }, { connectionReservation: bool, ...ext }),
  makeCall: rec({ callingDevice: dev, calledDirectoryNumber: dev }, {
    accountCode: octets(),
    authCode: octets(),
    autoOriginate: named(AutoOriginate),
    correlatorData: octets(),
    userData: octets(),
    callCharacteristics: bitString,
    mediaCallCharacteristics: rawContext(4),
    callingConnectionInfo: rawContext(5),
    subjectOfCall: text,
    languagePreferences: text,
    reason: eventCause,
    ...ext,
  }),
  reconnectCall: rec({ activeCall: conn, heldCall: conn }, ext),
  retrieveCall: rec({ callToBeRetrieved: conn }, ext),
  transferCall: rec({ heldCall: conn, activeCall: conn }, ext),
  singleStepConf: rec({ activeCall: conn, deviceToJoin: dev }, {
    participationType: named(ParticipationType),
    accountCode: octets(),
    authCode: octets(),
    correlatorData: octets(),
    userData: octets(),
    subjectOfCall: text,
    languagePreferences: text,
    ...ext,
  }),
  singleStepTrans: rec({ activeCall: conn, transferredTo: dev }, {
    accountCode: octets(),
    authCode: octets(),
    correlatorData: octets(),
    userData: octets(),
    callCharacteristics: bitString,
    subjectOfCall: text,
    languagePreferences: text,
    reason: eventCause,
    ...ext,
  }),
  cSTAEventReport: rec({
    crossRefIdentifier: octets(),
    event: fc.oneof(
      rec({
        kind: fc.constant("held" as const),
        heldConnection: conn,
        holdingDevice: arb.partyDeviceId,
        cause: eventCause,
      }),
      rawContext(3).map((raw) => ({ kind: "unknown" as const, category: 3, tag: 3, raw })),
    ),
  }),
  escape: rec({
    privateData: fc.oneof(octets().map((c) => Uint8Array.of(0x04, c.length, ...c)), rawContext(4)),
  }, {
    escapeRegisterID: octets(),
    security: arb.rawSequence,
  }),
  monitorStart: rec({
    monitorObject: fc.oneof(
      dev.map((value) => ({ kind: "deviceObject" as const, value })),
      conn.map((value) => ({ kind: "callObject" as const, value })),
    ),
  }, {
    requestedMonitorFilter: filter,
    monitorType: named(MonitorType),
    requestedMonitorMediaClass: bitString,
    ...ext,
  }),
  changeMonitorFilter: rec({ crossRefIdentifier: octets(), requestedFilterList: filter }, ext),
  monitorStop: rec({ crossRefIdentifier: octets() }, ext),
  snapshotDevice: rec({ snapshotObject: dev }, ext),
  snapshotCall: rec({ snapshotObject: conn }, ext),
  getSwitchingFunctionDevices: rec({}, {
    requestedDeviceID: dev,
    requestedDeviceCategory: named(DeviceCategory),
    ...ext,
  }),
  switchingFunctionDevices: rec({
    serviceCrossRefID: octets(),
    lastSegment: bool,
    deviceList: fc.array(
      rec({ deviceID: dev }, {
        deviceCategory: named(DeviceCategory),
        namedDeviceTypes: rawContext(1),
        deviceAttributes: bitString,
        deviceModelName: text,
        nidGroup: dev,
      }),
      { maxLength: 3 },
    ),
  }, { segmentID: smallInt, ...ext }),
  systemRegister: rec({ requestTypes: bitString }, { requestedStatusFilter: bitString, ...ext }),
  requestSysStat: rec({}, { sysStatRegisterID: octets(), ...ext }),
  systemStatus: rec({ systemStatus: named(SystemStatus) }, { sysStatRegisterID: octets(), ...ext }),
  swFunctionCapsChanged: rec({}, { sysStatRegisterID: octets(), ...ext }),
  swFunctionDevicesChanged: rec({}, { sysStatRegisterID: octets(), ...ext }),
  callBack: rec({ callbackConnection: conn }, {
    callCharacteristics: bitString,
    subjectOfCall: text,
    languagePreferences: text,
    ...ext,
  }),
  camponCall: rec({ camponConnection: conn }, ext),
  deflectCall: rec({ callToBeDiverted: conn, newDestination: dev }, {
    addNewDestinationsList: fc.array(dev, { maxLength: 2 }),
    correlatorData: octets(),
    userData: octets(),
    callCharacteristics: bitString,
    subjectOfCall: text,
    languagePreferences: text,
    reason: eventCause,
    ...ext,
  }),
  dialDigits: rec({ diallingConnection: conn, diallingSequence: dev }, { correlatorData: octets(), ...ext }),
  directedPickupCall: rec({ callToBePickedUp: conn, requestingDevice: dev }, {
    correlatorData: octets(),
    userData: octets(),
    ...ext,
  }),
  groupPickupCall: rec({ newDestination: dev }, {
    pickGroup: dev,
    correlatorData: octets(),
    userData: octets(),
    ...ext,
  }),
  intrudeCall: rec({ intrude: conn }, {
    participationType: named(ParticipationType),
    userData: octets(),
    ...ext,
  }),
  generateDigits: rec({ connectionToSendDigits: conn, charactersToSend: digits }, {
    digitMode: named(DigitMode),
    toneDuration: smallInt,
    pulseRate: smallInt,
    pauseDuration: smallInt,
    ...ext,
  }),
  getDoNotDisturb: rec({ device: dev }, ext),
  getForwarding: rec({ device: dev }, ext),
  setDoNotDisturb: rec({ device: dev, doNotDisturbOn: bool }, {
    callOrigination: bitString,
    callingDeviceList: fc.array(dev, { maxLength: 2 }),
    ...ext,
  }),
  setForwarding: rec({ device: dev, activateForward: bool }, {
    forwardingType: named(ForwardingType),
    forwardDN: dev,
    ringCount: smallInt,
    ringDuration: smallInt,
    ...ext,
  }),
  cDRReport: rec({
    cdrCrossRefID: octets(),
    numberOfRecordsSent: smallInt,
    cdrInfo: fc.array(
      rec({ recordCreationTime: fc.constantFrom("20240131235959", "20240101000000.5Z", "2024") }, {
        recordNumber: smallInt,
        callingDevice: party,
        calledDevice: party,
        associatedCallingDevice: party,
        associatedCalledDevice: party,
        networkCallingDevice: party,
        networkCalledDevice: party,
        callCharacteristics: bitString,
        mediaCallCharacteristics: rawContext(1),
        chargedDevice: fc.oneof(
          dev.map((value) => ({ kind: "operator" as const, value })),
          dev.map((value) => ({ kind: "nonOperator" as const, value })),
        ),
        recordedCall: conn,
        nodeNumber: rawContext(3),
        tariffTable: smallInt,
        connectionStart: fc.constant("20240131120000"),
        connectionEnd: fc.constant("20240131120130"),
        connectionDuration: smallInt,
        accessCode: octets(),
        carrier: smallInt,
        selectedRoute: smallInt,
        billingID: named(BillingID),
        chargingInfo: rawContext(12),
        supplServiceInfo: bitString,
        reasonForTerm: named(ReasonForTerm),
        authCode: octets(),
        accountInfo: octets(),
        deviceCategory: named(DeviceCategory),
        namedDeviceTypes: rawContext(18),
        operatorDevice: dev,
        ...ext,
      }),
      { maxLength: 2 },
    ),
  }, { lastStoredCDRReportSent: bool, ...ext }),
  startCDRTransmission: rec({ transferMode: named(CDRTransferMode) }, ext),
  stopCDRTransmission: rec({ cdrCrossRefID: octets() }, { cdrTermReason: named(CDRTermReason), ...ext }),
};

const RESULTS: Partial<Record<OperationName, fc.Arbitrary<unknown>>> = {
  makeCall: rec({ callingDevice: conn }, {
    mediaCallCharacteristics: rawContext(0),
    initiatedCallInfo: rawContext(1),
    callLinkageData: rawContext(2),
    ...ext,
  }),
  consultationCall: rec({ initiatedCall: conn }, {
    mediaCallCharacteristics: rawContext(0),
    initiatedCallInfo: rawContext(1),
    ...ext,
  }),
  transferCall: rec({ transferredCall: conn }, {
    connections: connectionListArb,
    transferredCallInfo: rawContext(1),
    callLinkageDataList: rawContext(2),
    ...ext,
  }),
  conferenceCall: rec({ conferenceCall: conn }, {
    connections: connectionListArb,
    conferenceCallInfo: rawContext(1),
    ...ext,
  }),
  singleStepTrans: rec({ transferredCall: conn }, { connections: connectionListArb, ...ext }),
  singleStepConf: rec({ conferencedCall: conn }, {
    conferencedCallInfo: arb.rawSequence,
    callLinkageDataList: rawContext(1),
    ...ext,
  }),
  monitorStart: rec({ crossRefIdentifier: octets() }, {
    actualmonitorFilter: filter,
    actualMonitorMediaClass: bitString,
    monitorExistingCalls: bool,
    ...ext,
  }),
  changeMonitorFilter: rec({}, { actualFilterList: filter, ...ext }),
  monitorStop: noData,
  snapshotDevice: rec({
    crossRefIDorSnapshotData: fc.oneof(
      octets().map((value) => ({ kind: "serviceCrossRefID" as const, value })),
      fc.array(
        rec({
          connectionIdentifier: conn,
          localCallState: fc.oneof(
            fc.array(named(LocalConnectionState), { maxLength: 3 }).map((value) => ({
              kind: "compoundCallState" as const,
              value,
            })),
            named(SimpleCallState).map((value) => ({ kind: "simpleCallState" as const, value })),
            fc.constant({ kind: "unknown" as const }),
          ),
        }, {
          endpointDevice: party,
          servicesPermitted: rawContext(0),
          mediaServiceInfoList: rawContext(1),
          callLinkageData: rawContext(4),
        }),
        { maxLength: 3 },
      ).map((value) => ({ kind: "snapshotData" as const, value })),
    ),
  }, ext),
  snapshotCall: rec({
    crossRefIDorSnapshotData: fc.oneof(
      octets().map((value) => ({ kind: "serviceCrossRefID" as const, value })),
      fc.array(
        rec({ deviceOnCall: party }, {
          callIdentifier: conn,
          localConnectionState: named(LocalConnectionState),
          servicesPermitted: rawContext(0),
          locationInfo: rawContext(2),
        }),
        { maxLength: 3 },
      ).map((value) => ({ kind: "snapshotData" as const, value })),
    ),
  }, {
    mediaCallCharacteristics: arb.rawSequence,
    callCharacteristics: bitString,
    callingDevice: party,
    calledDevice: party,
    associatedCallingDeviceID: party,
    associatedCalledDeviceID: party,
    correlatorData: octets(),
    subjectOfCall: text,
    languagePreferences: text,
    deviceHistory: rawContext(6),
    ...ext,
  }),
  getSwitchingFunctionDevices: rec({ serviceCrossRefID: octets() }, ext),
  systemRegister: rec({ sysStatRegisterID: octets() }, { actualStatusFilter: bitString, ...ext }),
  requestSysStat: rec({ systemStatus: named(SystemStatus) }, ext),
  systemStatus: noData,
  callBack: rec({}, { targetDevice: dev, ...ext }),
  groupPickupCall: rec({}, {
    pickedCall: conn,
    pickedCallInfo: arb.rawSequence,
    callLinkageData: rawContext(1),
    ...ext,
  }),
  directedPickupCall: rec({}, { pickedCall: conn, ...ext }),
  intrudeCall: rec({}, {
    conferencedCall: conn,
    conferencedCallInfo: arb.rawSequence,
    callLinkageDataList: rawContext(1),
    ...ext,
  }),
  getDoNotDisturb: rec({ doNotDisturbOn: bool }, {
    callOrigination: bitString,
    callingDeviceList: fc.array(dev, { maxLength: 2 }),
    ...ext,
  }),
  getForwarding: rec({
    forwardingList: fc.array(
      rec({ forwardStatus: bool }, {
        forwardingType: named(ForwardingType),
        forwardDN: dev,
        forwardDefault: named(ForwardDefault),
        ringDuration: smallInt,
        ringCount: smallInt,
      }),
      { maxLength: 3 },
    ),
  }, ext),
  startCDRTransmission: rec({ cdrCrossRefID: octets() }, ext),
  escape: noData,
  cDRReport: noData,
};

Deno.test("every typed argument survives encode then decode, inside an Invoke APDU", () => {
  for (const [name, arbitrary] of Object.entries(ARGUMENTS) as [OperationName, fc.Arbitrary<never>][]) {
    fc.assert(
      fc.property(arbitrary, fc.integer({ min: 1, max: 32767 }), (argument, invokeId) => {
        const apdu = decodeApdu(encodeTypedInvoke(invokeId, name, argument));
        assert.ok(apdu.kind === "invoke");
        assert.deepEqual(decodeTypedInvoke(apdu), { operation: name, invokeId, argument }, name);
      }),
      { numRuns: 60 },
    );
  }
});

Deno.test("every typed result survives encode then decode, inside a ReturnResult APDU", () => {
  for (const [name, arbitrary] of Object.entries(RESULTS) as [OperationName, fc.Arbitrary<never>][]) {
    fc.assert(
      fc.property(arbitrary, (result) => {
        const apdu = decodeApdu(encodeTypedResult(5, name as never, result));
        assert.ok(apdu.kind === "returnResult");
        assert.equal(apdu.result?.opcode, operations[name].opcode);
        assert.deepEqual(decodeTypedResult(name as never, apdu.result!.value!), result, name);
      }),
      { numRuns: 60 },
    );
  }
});

Deno.test("an element no declaration knows survives decode then encode at its position", () => {
  fc.assert(
    fc.property(ARGUMENTS.makeCall, arb.foreignElement, fc.nat(), (argument, foreign, at) => {
      const codec = operations.makeCall.argument as Codec<unknown>;
      const bytes = codec.encode(argument);
      // insert the foreign element after one of the top-level children
      const children = topLevelChildren(bytes);
      const cut = children[at % children.length];
      const content = [...bytes.subarray(headerLength(bytes), cut), ...foreign, ...bytes.subarray(cut)];
      const modified = Uint8Array.of(0x30, ...lengthBytes(content.length), ...content);
      assert.equal(bytesHex(codec.encode(decodeValue(codec, modified))), bytesHex(modified));
    }),
    { numRuns: 100 },
  );
});

function headerLength(bytes: Uint8Array): number {
  return bytes[1] < 0x80 ? 2 : 2 + (bytes[1] & 0x7f);
}

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  return length < 0x100 ? [0x81, length] : [0x82, length >> 8, length & 0xff];
}

/** Offsets just after each top-level child of a SEQUENCE (its first content offset included). */
function topLevelChildren(bytes: Uint8Array): number[] {
  const out = [headerLength(bytes)];
  let pos = headerLength(bytes);
  while (pos < bytes.length) {
    const lengthByte = bytes[pos + 1];
    const [length, size] = lengthByte < 0x80 ? [lengthByte, 2] : [
      bytes.subarray(pos + 2, pos + 2 + (lengthByte & 0x7f)).reduce((a, b) => a * 256 + b, 0),
      2 + (lengthByte & 0x7f),
    ];
    pos += size + length;
    out.push(pos);
  }
  return out;
}
