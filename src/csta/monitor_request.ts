// Reads what the multiplexer must know of a MonitorStart or ChangeMonitorFilter argument: the monitored
// object's element (kept as bytes to start the PBX monitor with), the device it names, and the filter.

import { decodeValue, implicit } from "./codec.ts";
import { CstaDecodeError } from "./decode_error.ts";
import { type DeviceID, deviceId } from "./device_id.ts";
import { type MonitorFilter, monitorFilter, NO_MONITOR_FILTER } from "./monitor_filter.ts";
import { readHeader, TlvHeader } from "./tlv.ts";

export interface MonitorStartRequest {
  /** The monitorObject element exactly as the application sent it (`30 …` device, `6B …` call). */
  objectElement: Uint8Array;
  /** The device, when the object is a DeviceID (a call monitor has none). */
  device?: DeviceID;
  filter: MonitorFilter;
  /** The requestedMonitorFilter element (`A0 …`), echoed as actualmonitorFilter. */
  filterElement?: Uint8Array;
}

const requestedFilter = implicit(0, monitorFilter);

/**
 * MonitorStart argument `30 { monitorObject, [A0 filter] OPT, … }` (§8.1 [C-std]). Only the first two
 * elements matter here; the rest is the application's business.
 */
export function readMonitorStart(argument: Uint8Array): MonitorStartRequest | CstaDecodeError {
  try {
    const outer = header(argument, 0, argument.length, "MonitorStart argument");
    if (outer.firstByte !== 0x30) {
      throw new CstaDecodeError("MonitorStart argument", 0, "expected a SEQUENCE");
    }
    const end = outer.length < 0 ? argument.length : outer.end;
    const object = header(argument, outer.contentStart, end, "MonitorStart monitorObject");
    if (object.length < 0) {
      throw new CstaDecodeError("MonitorStart monitorObject", object.start, "indefinite length");
    }
    const objectElement = argument.slice(object.start, object.end);
    const device = object.firstByte === 0x30 ? decodeValue(deviceId, objectElement, object.start) : undefined;
    if (object.firstByte !== 0x30 && object.firstByte !== 0x6b) {
      throw new CstaDecodeError(
        "MonitorStart monitorObject",
        object.start,
        "neither a DeviceID nor a ConnectionID",
      );
    }
    const request: MonitorStartRequest = { objectElement, device, filter: NO_MONITOR_FILTER };
    if (object.end < end && argument[object.end] === 0xa0) {
      const filter = header(argument, object.end, end, "MonitorStart requestedMonitorFilter");
      if (filter.length < 0) {
        throw new CstaDecodeError("MonitorStart requestedMonitorFilter", filter.start, "indefinite length");
      }
      request.filterElement = argument.slice(filter.start, filter.end);
      request.filter = decodeValue(requestedFilter, request.filterElement, filter.start);
    }
    return request;
  } catch (error) {
    if (error instanceof CstaDecodeError) return error;
    throw error;
  }
}

export interface ChangeFilterRequest {
  crossRef: Uint8Array;
  filter: MonitorFilter;
  filterElement?: Uint8Array;
}

/** ChangeMonitorFilter argument `30 { 55 xref, A0 requestedFilterList, … }` (§8.2 [C-std]). */
export function readChangeMonitorFilter(argument: Uint8Array): ChangeFilterRequest | CstaDecodeError {
  try {
    const outer = header(argument, 0, argument.length, "ChangeMonitorFilter argument");
    const end = outer.length < 0 ? argument.length : outer.end;
    const xref = header(argument, outer.contentStart, end, "ChangeMonitorFilter crossRefIdentifier");
    if (xref.firstByte !== 0x55 || xref.length < 0) {
      throw new CstaDecodeError(
        "ChangeMonitorFilter crossRefIdentifier",
        xref.start,
        "expected [APPLICATION 21]",
      );
    }
    const crossRef = argument.slice(xref.contentStart, xref.end);
    // ECMA-285 types requestedFilterList as an untagged MonitorFilter (`30`); PROTOCOL.md §8.2 shows the
    // `A0` of MonitorStart. Both are accepted; the answer uses the ECMA form.
    const tag = xref.end < end ? argument[xref.end] : undefined;
    if (tag !== 0x30 && tag !== 0xa0) return { crossRef, filter: NO_MONITOR_FILTER };
    const filter = header(argument, xref.end, end, "ChangeMonitorFilter requestedFilterList");
    if (filter.length < 0) {
      throw new CstaDecodeError("ChangeMonitorFilter requestedFilterList", filter.start, "indefinite length");
    }
    const filterElement = argument.slice(filter.start, filter.end);
    const decoded = decodeValue(tag === 0x30 ? monitorFilter : requestedFilter, filterElement, filter.start);
    filterElement[0] = 0x30;
    return { crossRef, filterElement, filter: decoded };
  } catch (error) {
    if (error instanceof CstaDecodeError) return error;
    throw error;
  }
}

/** The first element's content of a SEQUENCE (`30 { 04 id, … }`), e.g. a cdrCrossRefID. */
export function firstOctetString(value: Uint8Array): Uint8Array | undefined {
  const outer = new TlvHeader();
  if (readHeader(value, 0, value.length, outer) || outer.firstByte !== 0x30) return undefined;
  const first = new TlvHeader();
  const end = outer.length < 0 ? value.length : outer.end;
  if (readHeader(value, outer.contentStart, end, first) || first.length < 0 || first.constructed) {
    return undefined;
  }
  return value.slice(first.contentStart, first.end);
}

function header(bytes: Uint8Array, offset: number, limit: number, what: string): TlvHeader {
  const out = new TlvHeader();
  const error = readHeader(bytes, offset, limit, out, what);
  if (error) throw error;
  return out;
}
