// Monitoring services (§8.1, §8.2): MonitorStart, MonitorStop and ChangeMonitorFilter, with the
// MonitorCrossRefID (`55`) that ties events to a monitor.

import { TagClass } from "./ber_reader.ts";
import { constructed, tlv } from "./ber_writer.ts";
import {
  bitString,
  boolean,
  choice,
  type Codec,
  implicit,
  type Infer,
  namedEnumerated,
  octetString,
  opt,
  req,
  sequence,
} from "./codec.ts";
import { type ConnectionID, connectionId } from "./connection_id.ts";
import { type DeviceID, deviceId } from "./device_id.ts";
import { extensions, noDataResult } from "./extensions.ts";
import { type MonitorFilter, monitorFilter } from "./monitor_filter.ts";
import { namedValues } from "./named_values.ts";
import { Opcode } from "./opcodes.ts";
import { encodeInvoke, encodeReturnResult } from "./rose.ts";

/** MonitorCrossRefID `[APPLICATION 21] IMPLICIT OCTET STRING` (`55`), opaque bytes. §5.3 [C-std] */
export const monitorCrossRefId: Codec<Uint8Array> = implicit(21, octetString, TagClass.application);

/** MonitorObject: the device (`30`) or the call (`6B`) to monitor. */
export type MonitorObject = { kind: "deviceObject"; value: DeviceID } | {
  kind: "callObject";
  value: ConnectionID;
};

/** MonitorObject codec (CSTAObject). */
export const monitorObject: Codec<MonitorObject> = choice("MonitorObject", {
  deviceObject: deviceId,
  callObject: connectionId,
});

/** MonitorType. §8.1 [C-std] */
export const MonitorType = namedValues("MonitorType", { call: 0, device: 1 });

/** MonitorStart argument; Panasonic sends an empty `A0 00` filter and no monitorType. §8.1 [C-pbx] */
export const monitorStartArgument = sequence("MonitorStart argument", {
  monitorObject: req(monitorObject),
  requestedMonitorFilter: opt(implicit(0, monitorFilter)),
  monitorType: opt(namedEnumerated(MonitorType)),
  requestedMonitorMediaClass: opt(implicit(1, bitString)),
  extensions: opt(extensions),
});
export type MonitorStartArgument = Infer<typeof monitorStartArgument>;

/** MonitorStart result; the crossRefIdentifier is always first. §8.1 [C-std] */
export const monitorStartResult = sequence("MonitorStart result", {
  crossRefIdentifier: req(monitorCrossRefId),
  actualmonitorFilter: opt(implicit(0, monitorFilter)),
  actualMonitorMediaClass: opt(implicit(1, bitString)),
  monitorExistingCalls: opt(boolean),
  extensions: opt(extensions),
});
export type MonitorStartResult = Infer<typeof monitorStartResult>;

/** MonitorStop argument `30 { 55 xref }`; result noData. §8.2 [C-std] */
export const monitorStopArgument = sequence("MonitorStop argument", {
  crossRefIdentifier: req(monitorCrossRefId),
  extensions: opt(extensions),
});
export type MonitorStopArgument = Infer<typeof monitorStopArgument>;
export const monitorStopResult = noDataResult;

// ECMA-285 declares requestedFilterList untagged (`30`); PROTOCOL.md §8.2 shows `A0`. Accept both, send
// the ECMA form. §8.2 [C-std]
const filterList: Codec<MonitorFilter> = { ...monitorFilter, tags: [0x30, 0xa0] };

/** ChangeMonitorFilter argument. §8.2 [C-std] */
export const changeMonitorFilterArgument = sequence("ChangeMonitorFilter argument", {
  crossRefIdentifier: req(monitorCrossRefId),
  requestedFilterList: req(filterList),
  extensions: opt(extensions),
});
export type ChangeMonitorFilterArgument = Infer<typeof changeMonitorFilterArgument>;

/** ChangeMonitorFilter result. §8.2 [C-std] */
export const changeMonitorFilterResult = sequence("ChangeMonitorFilter result", {
  actualFilterList: opt(filterList),
  extensions: opt(extensions),
});
export type ChangeMonitorFilterResult = Infer<typeof changeMonitorFilterResult>;

// The multiplexer writes these few APDUs byte by byte (no decode, no re-encode): the application's own
// filter element is echoed exactly as it sent it. §13 design points 2 and 3

const MONITOR_CROSS_REF_TAG = 0x55;

/** MonitorStart invoke for the PBX: the device only, no filter (the monitor is shared). §13 point 3 */
export function monitorStartInvoke(invokeId: number, monitorObject: Uint8Array): Uint8Array {
  return encodeInvoke(invokeId, Opcode.monitorStart, constructed(0x30, [monitorObject]));
}

/** MonitorStop invoke `30 { 55 xref }`, towards the PBX or to tell an application. §8.2 [C-std] */
export function monitorStopInvoke(invokeId: number, xref: Uint8Array): Uint8Array {
  return encodeInvoke(invokeId, Opcode.monitorStop, constructed(0x30, [tlv(MONITOR_CROSS_REF_TAG, xref)]));
}

/** MonitorStart result `30 { 55 xref, [A0 actualmonitorFilter] }`. §8.1 [C-std], §13 point 2 */
export function monitorStartAnswer(
  invokeId: number,
  appXref: Uint8Array,
  filterElement?: Uint8Array,
): Uint8Array {
  const parts = [tlv(MONITOR_CROSS_REF_TAG, appXref)];
  if (filterElement) parts.push(filterElement);
  return encodeReturnResult(invokeId, { opcode: Opcode.monitorStart, value: constructed(0x30, parts) });
}

/** ChangeMonitorFilter result `30 { [A0 actualFilterList] }`. §8.2 [C-std] */
export function changeMonitorFilterAnswer(invokeId: number, filterElement?: Uint8Array): Uint8Array {
  return encodeReturnResult(invokeId, {
    opcode: Opcode.changeMonitorFilter,
    value: constructed(0x30, filterElement ? [filterElement] : []),
  });
}
