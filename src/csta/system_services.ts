// System services (§9): SystemStatus (the PBX keep-alive), RequestSystemStatus, SystemRegister and the
// switching-function device list (GetSwitchingFunctionDevices, SwitchingFunctionDevices, ...Changed).

import {
  bitString,
  boolean,
  ia5String,
  implicit,
  type Infer,
  integer,
  namedEnumerated,
  octetString,
  opt,
  rawContext,
  req,
  sequence,
  sequenceOf,
} from "./codec.ts";
import { constructed, tlv } from "./ber_writer.ts";
import { deviceId } from "./device_id.ts";
import { extensions, noDataResult } from "./extensions.ts";
import { type Named, namedValues, type NamesOf } from "./named_values.ts";
import { Opcode } from "./opcodes.ts";
import type { InvokePeek } from "./peek.ts";
import { encodeInvoke, encodeReturnResult } from "./rose.ts";
import { readHeader, TlvHeader } from "./tlv.ts";

/** SystemStatus values; Panasonic sends normal (2) right after the AARE and then periodically. §9 [C-pbx] */
export const SystemStatus = namedValues("SystemStatus", {
  initializing: 0,
  enabled: 1,
  normal: 2,
  messagesLost: 3,
  disabled: 4,
  overloadImminent: 5,
  overloadReached: 6,
  overloadRelieved: 7,
  partiallyDisabled: 8,
});
export type SystemStatusValue = Named<NamesOf<typeof SystemStatus>>;

/** SystemStatus invoke `A1 { id, 211, 30 { 0A status } }`, as the PBX sends it. §9 [C-pbx] */
export function systemStatusInvoke(invokeId: number, status: SystemStatusValue): Uint8Array {
  const value = Uint8Array.of(SystemStatus.toNumber(status));
  return encodeInvoke(invokeId, Opcode.systemStatus, constructed(0x30, [tlv(0x0a, value)]));
}

/**
 * The systemStatus value of a SystemStatus invoke `30 { [04 registerId] 0A status … }`, read without
 * decoding the rest (the link reads every heartbeat); undefined when there is none. §9 [C-std]
 */
export function systemStatusOf(apdu: Uint8Array, peek: InvokePeek): SystemStatusValue | undefined {
  if (peek.argumentStart === null) return undefined;
  const outer = new TlvHeader();
  const end = peek.argumentEnd!;
  if (readHeader(apdu, peek.argumentStart, end, outer) || outer.length < 0) return undefined;
  const child = new TlvHeader();
  for (let offset = outer.contentStart; offset < outer.end; offset = child.end) {
    if (readHeader(apdu, offset, outer.end, child) || child.length < 0) return undefined;
    if (child.firstByte === 0x0a && child.length === 1) {
      return SystemStatus.fromNumber(apdu[child.contentStart]);
    }
  }
  return undefined;
}

/** SystemStatus (211) argument, `30 03 0A 01 02` = normal; result noData. §9 [C-pbx] */
export const systemStatusArgument = sequence("SystemStatus argument", {
  sysStatRegisterID: opt(octetString),
  systemStatus: req(namedEnumerated(SystemStatus)),
  extensions: opt(extensions),
});
export type SystemStatusArgument = Infer<typeof systemStatusArgument>;
export const systemStatusResult = noDataResult;

/** RequestSystemStatus (210) argument and result. §9 [C-std] */
export const requestSystemStatusArgument = sequence("RequestSystemStatus argument", {
  sysStatRegisterID: opt(octetString),
  extensions: opt(extensions),
});
export type RequestSystemStatusArgument = Infer<typeof requestSystemStatusArgument>;
export const requestSystemStatusResult = sequence("RequestSystemStatus result", {
  systemStatus: req(namedEnumerated(SystemStatus)),
  extensions: opt(extensions),
});
export type RequestSystemStatusResult = Infer<typeof requestSystemStatusResult>;

/** RequestSystemStatus answer `A2 { id, 30 { 210, 30 { 0A status } } }`. §9 [C-std] */
export function requestSystemStatusAnswer(invokeId: number, status: SystemStatusValue): Uint8Array {
  return encodeReturnResult(invokeId, {
    opcode: Opcode.requestSysStat,
    value: requestSystemStatusResult.encode({ systemStatus: status }),
  });
}

/** RequestTypes bit numbers of SystemRegister. §9 [C-std] */
export const RequestTypesBit = {
  systemStatus: 0,
  requestSystemStatus: 1,
  switchingFunctionCapsChanged: 2,
  switchingFunctionDevicesChanged: 3,
} as const;

/** StatusFilter bit numbers (a set bit filters that status out). [C-std] */
export const StatusFilterBit = {
  initializing: 0,
  enabled: 1,
  normal: 2,
  messageLost: 3,
  disabled: 4,
  partiallyDisabled: 5,
  overloadImminent: 6,
  overloadReached: 7,
  overloadRelieved: 8,
} as const;

/** SystemRegister (207) argument and result. §9 [C-std] */
export const systemRegisterArgument = sequence("SystemRegister argument", {
  requestTypes: req(bitString),
  requestedStatusFilter: opt(bitString),
  extensions: opt(extensions),
});
export type SystemRegisterArgument = Infer<typeof systemRegisterArgument>;
export const systemRegisterResult = sequence("SystemRegister result", {
  sysStatRegisterID: req(octetString),
  actualStatusFilter: opt(bitString),
  extensions: opt(extensions),
});
export type SystemRegisterResult = Infer<typeof systemRegisterResult>;

/** DeviceCategory / ReqDeviceCategory values. §9 [C-std] */
export const DeviceCategory = namedValues("DeviceCategory", {
  acd: 0,
  groupACD: 1,
  groupHunt: 2,
  groupPick: 3,
  groupOther: 4,
  networkInterface: 5,
  park: 6,
  routeingDevice: 7,
  station: 8,
  voiceUnit: 9,
  other: 10,
  conference: 11,
  dtmfIV: 12,
  genericIV: 13,
  groupUser: 14,
  listenerIV: 15,
  messageIV: 16,
  promptIV: 17,
  promptQueue: 18,
});
export type DeviceCategoryValue = Named<NamesOf<typeof DeviceCategory>>;

/** GetSwitchingFunctionDevices (204) argument and result (a serviceCrossRefID). §9 [C-std] */
export const getSwitchingFunctionDevicesArgument = sequence("GetSwitchingFunctionDevices argument", {
  requestedDeviceID: opt(deviceId),
  requestedDeviceCategory: opt(namedEnumerated(DeviceCategory)),
  extensions: opt(extensions),
});
export type GetSwitchingFunctionDevicesArgument = Infer<typeof getSwitchingFunctionDevicesArgument>;
export const getSwitchingFunctionDevicesResult = sequence("GetSwitchingFunctionDevices result", {
  serviceCrossRefID: req(octetString),
  extensions: opt(extensions),
});
export type GetSwitchingFunctionDevicesResult = Infer<typeof getSwitchingFunctionDevicesResult>;

/** One DeviceList entry; deviceCategory defaults to station when absent. §9 [C-std] */
export const switchingFunctionDeviceEntry = sequence("DeviceList entry", {
  deviceID: req(deviceId),
  deviceCategory: opt(implicit(0, namedEnumerated(DeviceCategory))),
  namedDeviceTypes: opt(rawContext("NamedDeviceTypes", 1)),
  deviceAttributes: opt(bitString),
  deviceModelName: opt(ia5String),
  nidGroup: opt(deviceId),
});
export type SwitchingFunctionDeviceEntry = Infer<typeof switchingFunctionDeviceEntry>;

/** SwitchingFunctionDevices (205) argument, sent by the switch in segments; it has no result. §9 [C-std] */
export const switchingFunctionDevicesArgument = sequence("SwitchingFunctionDevices argument", {
  serviceCrossRefID: req(octetString),
  segmentID: opt(integer),
  lastSegment: req(boolean),
  deviceList: req(sequenceOf("DeviceList", switchingFunctionDeviceEntry)),
  extensions: opt(extensions),
});
export type SwitchingFunctionDevicesArgument = Infer<typeof switchingFunctionDevicesArgument>;

/** SwitchingFunctionDevicesChanged (213) / SwFunctionCapsChanged (212) argument; result noData. §9 */
export const switchingFunctionDevicesChangedArgument = sequence("SwitchingFunctionDevicesChanged argument", {
  sysStatRegisterID: opt(octetString),
  extensions: opt(extensions),
});
export type SwitchingFunctionDevicesChangedArgument = Infer<typeof switchingFunctionDevicesChangedArgument>;
export const switchingFunctionDevicesChangedResult = noDataResult;
