// Panasonic KmeSpecificPrivateData (§5.4, §11): the GetSystemData device-list escape, its answer, the
// segmented systemDataLinkedReply escapes the PBX sends back, and kmeAdditionalData (CDR condition code).

// Tags come from reverse-engineered production code (LinTcMon); every CHOICE level is an explicit wrapper.

import { BerReader, TagClass, tagKey } from "./ber_reader.ts";
import { concatBytes, tlv } from "./ber_writer.ts";
import {
  boolean,
  type Codec,
  decodeValue,
  describeTag,
  enumerated,
  explicit,
  ia5String,
  integer,
  namedEnumerated,
  octetString,
  opt,
  req,
  sequence,
  sequenceOf,
  wrapDecode,
} from "./codec.ts";
import { CstaDecodeError } from "./decode_error.ts";
import { type DeviceID, deviceId } from "./device_id.ts";
import { escapeArgument } from "./escape.ts";
import { buildExtensions, extensions, readExtensions } from "./extensions.ts";
import { type Named, namedValues, type NamesOf } from "./named_values.ts";
import { Opcode } from "./opcodes.ts";
import type { InvokePeek } from "./peek.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA, type RawValue } from "./rose.ts";

/** KmeSpecificPrivateData alternatives as transcribed in LinTcMon; only [4] and [6] are seen. §5.4 [?] */
export const KmeAlternative = {
  kmeCallControl: 1,
  kmeDeviceStatus: 2,
  kmeDeviceMonitor: 3,
  kmeSystemData: 4,
  kmeLocalAlerm: 5,
  kmeAdditionalData: 6,
  kmePrivateEvent: 7,
  kmeResourceControl: 8,
  kmeGeneric: 9,
  kmeExtendedDataAccess: 10,
  kmePDFControl: 11,
  kmeAlterIf: 12,
  kmeHotelControl: 13,
} as const;

const ctx = (n: number) => tagKey(TagClass.context, true, n);

/**
 * Whether an Escape invoke carries KME hotel control: its argument `30 { <KmeSpecificPrivateData> … }`
 * starts with alternative [13] (`AD`). Read from the first content octet, without decoding. §5.4 [?]
 */
export function isHotelEscape(apdu: Uint8Array, peek: InvokePeek): boolean {
  if (peek.argumentStart === null) return false;
  const start = peek.argumentStart;
  const lengthOctets = apdu[start + 1] & 0x80 ? 1 + (apdu[start + 1] & 0x7f) : 1;
  return apdu[start + 1 + lengthOctets] === ctx(KmeAlternative.kmeHotelControl);
}
const wrap = (n: number, ...children: Uint8Array[]) => tlv(ctx(n), concatBytes(children));

/** Device-list categories seen in LinTcMon's two GetSystemData escapes; their meaning is unknown. §11 [?] */
export const KNOWN_DEVICE_LIST_CATEGORIES: readonly number[] = [5, 2];

/**
 * The GetSystemData device-list request as private data: `A4 { A0 { A4 { A1 { A0 { 0A category } } } } }`
 * (kmeSystemData → getSystemData → request.deviceList → category → standardDevice). §11 [C-pbx]
 */
export function deviceListRequestPrivateData(category: number): Uint8Array {
  return wrap(4, wrap(0, wrap(4, wrap(1, wrap(0, enumerated.encode(category))))));
}

/** The Escape argument of the request: `30 0D A4 0B A0 09 A4 07 A1 05 A0 03 0A 01 <category>`. */
export function deviceListRequestArgument(category: number): Uint8Array {
  return escapeArgument.encode({ privateData: deviceListRequestPrivateData(category) });
}

/**
 * The whole request invoke, byte for byte as captured from LinTcMon:
 * `A1 16 02 02 06 02 02 01 33 30 0D A4 0B A0 09 A4 07 A1 05 A0 03 0A 01 05` for id 0x0602, category 5.
 */
export function encodeDeviceListRequest(invokeId: number, category: number): Uint8Array {
  return encodeInvoke(invokeId, Opcode.escape, deviceListRequestArgument(category));
}

/** One device of the PBX's device list. §11 [?] */
export interface KmeDeviceEntry {
  /** Usually a deviceNumber (`81 …`), the handle to monitor the device by. */
  device: DeviceID;
  /** Extension number as digits. */
  number: string;
  status?: number;
  status2?: number;
}

const deviceEntry: Codec<KmeDeviceEntry> = sequence("KmeDeviceStateEntry", {
  device: req(deviceId),
  number: req(ia5String),
  status: opt(enumerated),
  status2: opt(integer),
});

// sysData [3] → KmeGetSystemDataRsp SEQUENCE { deviceList [38] → SEQUENCE OF entries } §11 [?]
const getSystemDataResponse = sequence("KmeGetSystemDataRsp", {
  deviceList: opt(explicit(38, sequenceOf("KmeDeviceStateList", deviceEntry))),
});

const linkedReply = sequence("KmeSystemDataLinkedReply", {
  crossRefID: opt(explicit(0, octetString)),
  segmentID: opt(explicit(1, integer)),
  lastSegment: opt(explicit(2, boolean)),
  sysData: opt(explicit(3, getSystemDataResponse)),
});

/** One segment of the device list, as the PBX sends it in its own Escape invokes. §11 [?] */
export interface KmeDeviceListSegment {
  /** The KME cross reference tying segments to the request. */
  crossRefID?: Uint8Array;
  segmentID?: number;
  /** True on the final segment. */
  lastSegment?: boolean;
  devices: KmeDeviceEntry[];
}

/** Panasonic KME private data, as far as cstabox understands it. */
export type KmePrivateData =
  | { kind: "deviceListRequest"; category: number }
  | { kind: "deviceListSegment"; segment: KmeDeviceListSegment }
  | { kind: "getSystemDataPosAck"; crossRefID: Uint8Array }
  | { kind: "additionalData"; data: KmeAdditionalData }
  | { kind: "other"; alternative: number; raw: Uint8Array };

const WHAT = "KmeSpecificPrivateData";

function only(reader: BerReader, element: ReturnType<BerReader["single"]>, what: string) {
  const inner = reader.children(element, what);
  if (inner.length !== 1) reader.fail(what, element.start, `wrapper holds ${inner.length} elements`);
  return inner[0];
}

/** Decodes one KmeSpecificPrivateData element (`A4 …`, `A6 …`, …); unknown alternatives stay raw. */
export function decodeKmePrivateData(bytes: Uint8Array, baseOffset = 0): KmePrivateData {
  const reader = new BerReader(bytes, baseOffset);
  const top = reader.single(WHAT);
  if ((top.tag & 0xe0) !== 0xa0) reader.fail(WHAT, top.start, `unexpected tag ${describeTag(top.tag)}`);
  const alternative = top.tag & 0x1f;
  if (alternative === KmeAlternative.kmeAdditionalData) {
    return { kind: "additionalData", data: decodeAdditionalData(reader, top) };
  }
  if (alternative !== KmeAlternative.kmeSystemData) {
    return { kind: "other", alternative, raw: reader.raw(top) };
  }
  const systemData = only(reader, top, `${WHAT}.kmeSystemData`);
  switch (systemData.tag) {
    case ctx(0): { // getSystemData → request → deviceList [4] → category [1] → standardDevice [0]
      const what = `${WHAT}.getSystemData`;
      const request = only(reader, systemData, what);
      if (request.tag !== ctx(4)) {
        reader.fail(what, request.start, `unsupported request ${describeTag(request.tag)}`);
      }
      const category = only(reader, only(reader, request, what), what);
      const value = only(reader, category, what);
      if (value.tag !== 0x0a) reader.fail(what, value.start, "reqStandardDevice ENUMERATED expected");
      return { kind: "deviceListRequest", category: reader.integer(value, what) };
    }
    case ctx(3): { // systemDataLinkedReply → SEQUENCE
      const what = `${WHAT}.systemDataLinkedReply`;
      const reply = only(reader, systemData, what);
      if (reply.tag !== 0x30) reader.fail(what, reply.start, `unexpected tag ${describeTag(reply.tag)}`);
      const value = wrapDecode(what, () => linkedReply.decode(reader, reply));
      const segment: KmeDeviceListSegment = { devices: value.sysData?.deviceList ?? [] };
      if (value.crossRefID !== undefined) segment.crossRefID = value.crossRefID;
      if (value.segmentID !== undefined) segment.segmentID = value.segmentID;
      if (value.lastSegment !== undefined) segment.lastSegment = value.lastSegment;
      return { kind: "deviceListSegment", segment };
    }
    case ctx(4): { // getSystemDataPosAck → OCTET STRING
      const what = `${WHAT}.getSystemDataPosAck`;
      const ack = only(reader, systemData, what);
      if (ack.tag !== 0x04) reader.fail(what, ack.start, "OCTET STRING expected");
      return { kind: "getSystemDataPosAck", crossRefID: reader.primitive(ack, what).slice() };
    }
    default:
      return { kind: "other", alternative, raw: reader.raw(top) };
  }
}

/** Private data of one device-list segment: `A4 { A3 { 30 { A0 xref, A1 seg, A2 last, A3 { 30 { BF 26 … } } } } }`. */
export function deviceListSegmentPrivateData(segment: KmeDeviceListSegment): Uint8Array {
  const value = {
    ...(segment.crossRefID !== undefined ? { crossRefID: segment.crossRefID } : {}),
    ...(segment.segmentID !== undefined ? { segmentID: segment.segmentID } : {}),
    ...(segment.lastSegment !== undefined ? { lastSegment: segment.lastSegment } : {}),
    sysData: { deviceList: segment.devices },
  };
  return wrap(4, wrap(3, linkedReply.encode(value)));
}

/** The PBX's Escape invoke carrying one device-list segment (what the simulator sends). §11 [?] */
export function encodeDeviceListSegment(invokeId: number, segment: KmeDeviceListSegment): Uint8Array {
  return encodeInvoke(
    invokeId,
    Opcode.escape,
    escapeArgument.encode({ privateData: deviceListSegmentPrivateData(segment) }),
  );
}

/**
 * Reads the KME private data of an Escape invoke argument (either direction). Throws
 * {@link CstaDecodeError} when the argument is not an EscapeArgument; offsets are APDU offsets.
 */
export function decodeKmeEscape(argument: RawValue | Uint8Array): KmePrivateData {
  const [bytes, offset] = argument instanceof Uint8Array ? [argument, 0] : [argument.bytes, argument.offset];
  const escape = decodeValue(escapeArgument, bytes, offset);
  const reader = new BerReader(bytes, offset);
  const element = reader.children(reader.single("Escape argument"), "Escape argument")
    .find((child) =>
      child.end - child.start === escape.privateData.length && child.tag !== 0xa0 && child.tag !== 0x30
    );
  return decodeKmePrivateData(escape.privateData, offset + (element?.start ?? 0));
}

/**
 * Answer to the GetSystemData escape: noData, or extensions whose private data is
 * `getSystemDataPosAck [4] OCTET STRING` (the KME cross reference). §11 [?]
 */
export function encodeDeviceListRequestResult(invokeId: number, crossRefID?: Uint8Array): Uint8Array {
  const value = crossRefID === undefined
    ? NO_DATA
    : buildExtensions({ privateData: [wrap(4, wrap(4, octetString.encode(crossRefID)))] });
  return encodeReturnResult(invokeId, { opcode: Opcode.escape, value });
}

/** What the PBX answered to GetSystemData: the KME cross reference when it sent one. */
export interface DeviceListRequestResult {
  crossRefID?: Uint8Array;
  /** The raw result value when it was extensions (private data untouched). */
  extensions?: Uint8Array;
}

/**
 * Decodes the ReturnResult value of the GetSystemData escape (`05 00`, `7E { … }`, or KME private data
 * given directly). A cross reference is looked for in every private data item.
 */
export function decodeDeviceListRequestResult(value: RawValue | Uint8Array): DeviceListRequestResult {
  const [bytes, offset] = value instanceof Uint8Array ? [value, 0] : [value.bytes, value.offset];
  if (bytes.length === 0) throw new CstaDecodeError("GetSystemData result", offset, "empty result value");
  if (bytes[0] === 0x05) {
    const reader = new BerReader(bytes, offset);
    reader.null(reader.single("GetSystemData result"), "GetSystemData result");
    return {};
  }
  const items = bytes[0] === 0x7e ? readExtensions(bytes, offset).privateData : [bytes];
  const out: DeviceListRequestResult = bytes[0] === 0x7e
    ? { extensions: decodeValue(extensions, bytes, offset) }
    : {};
  for (const item of items) {
    if ((item[0] & 0xe0) !== 0xa0) continue;
    const kme = decodeKmePrivateData(item, offset);
    if (kme.kind === "getSystemDataPosAck") out.crossRefID = kme.crossRefID;
  }
  return out;
}

/** kmeAdditionalData condition codes (CDR). §5.4 [?] */
export const KmeConditionCode = namedValues("KmeConditionCode", {
  reverseCharging: 0,
  callTransfer: 1,
  callForwarding: 2,
  disaTie: 3,
  remoteMaintenance: 4,
  noAnswer: 5,
});

/** kmeAdditionalData `[6]`: one of the partly known alternatives, or the raw element. §5.4 [?] */
export type KmeAdditionalData =
  | { kind: "device"; value: DeviceID }
  | { kind: "holdType"; value: number }
  | { kind: "conditionCode"; value: Named<NamesOf<typeof KmeConditionCode>> }
  | { kind: "callID"; value: Uint8Array }
  | { kind: "didNo"; value: DeviceID }
  | { kind: "other"; tag: number; raw: Uint8Array };

const conditionCode = namedEnumerated(KmeConditionCode);

function decodeAdditionalData(reader: BerReader, top: ReturnType<BerReader["single"]>): KmeAdditionalData {
  const what = `${WHAT}.kmeAdditionalData`;
  const choice = only(reader, top, what);
  const tag = choice.tag & 0x1f;
  const inner = choice.tag === ctx(tag) && tag < 31 ? reader.children(choice, what) : [];
  const value = inner.length === 1 ? inner[0] : undefined;
  const as = <T>(codec: Codec<T>) =>
    value !== undefined && codec.tags.includes(value.tag) ? codec.decode(reader, value) : undefined;
  const device = tag === 6 || tag === 17 ? as(deviceId) : undefined;
  if (tag === 6 && device) return { kind: "device", value: device };
  if (tag === 17 && device) return { kind: "didNo", value: device };
  if (tag === 9 && value?.tag === 0x0a) return { kind: "holdType", value: reader.integer(value, what) };
  if (tag === 10 && value?.tag === 0x0a) {
    return { kind: "conditionCode", value: conditionCode.decode(reader, value) };
  }
  if (tag === 13 && value?.tag === 0x04) {
    return { kind: "callID", value: reader.primitive(value, what).slice() };
  }
  return { kind: "other", tag, raw: reader.raw(choice) };
}

/** Encodes kmeAdditionalData private data, e.g. a CDR condition code `A6 { AA { 0A cc } }`. §5.4 [?] */
export function additionalDataPrivateData(data: KmeAdditionalData): Uint8Array {
  switch (data.kind) {
    case "device":
      return wrap(6, wrap(6, deviceId.encode(data.value)));
    case "didNo":
      return wrap(6, wrap(17, deviceId.encode(data.value)));
    case "holdType":
      return wrap(6, wrap(9, enumerated.encode(data.value)));
    case "conditionCode":
      return wrap(6, wrap(10, conditionCode.encode(data.value)));
    case "callID":
      return wrap(6, wrap(13, octetString.encode(data.value)));
    case "other":
      return wrap(6, data.raw);
  }
}
