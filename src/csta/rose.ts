// ROSE APDUs (X.880, PROTOCOL.md §3): Invoke, ReturnResult, ReturnError and Reject with their arguments
// and results kept as raw bytes plus offsets; typed argument codecs live in the operation modules.

import type { BerElement, BerReader } from "./ber_reader.ts";
import { concatBytes, integerContent, tlv } from "./ber_writer.ts";
import {
  checkRawElement,
  choice,
  describeTag,
  implicit,
  type Infer,
  namedInteger,
  wrapDecode,
} from "./codec.ts";
import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";
import { namedValues } from "./named_values.ts";
import { readHeader, readSmallInteger, scanTlv, TlvHeader } from "./tlv.ts";
import { UNIVERSAL_FAILURE_ERRCODE, type UniversalFailure, universalFailure } from "./universal_failure.ts";

/** Identifier octets of the four ROSE APDUs. §3 [C-std] */
export const RoseTag = { invoke: 0xa1, returnResult: 0xa2, returnError: 0xa3, reject: 0xa4 } as const;

/** An element inside an APDU kept as bytes: `bytes` is a view of the APDU, `offset` its position there. */
export interface RawValue {
  readonly bytes: Uint8Array;
  readonly offset: number;
}

/** Invoke `A1 { invokeId, [linkedId], opcode, argument }`. */
export interface InvokeApdu {
  kind: "invoke";
  invokeId: number;
  /** `80` linked invoke id, or `null` for the explicit `81 00` "absent" form; CSTA does not use it. */
  linkedId?: number | null;
  opcode: number;
  argument?: RawValue;
}

/** ReturnResult `A2 { invokeId, 30 { opcode, value } }`; `result` is absent for a bare acknowledgement. */
export interface ReturnResultApdu {
  kind: "returnResult";
  invokeId: number;
  result?: { opcode: number; value?: RawValue };
}

/** ReturnError `A3 { invokeId, errcode, parameter }`; `failure` is decoded when errcode is universalFailure. */
export interface ReturnErrorApdu {
  kind: "returnError";
  invokeId: number;
  errorCode: number;
  parameter?: RawValue;
  failure?: UniversalFailure;
}

/** Reject problem codes by category. §3 [C-std] */
export const GeneralProblem = namedValues("GeneralProblem", {
  unrecognizedPDU: 0,
  mistypedPDU: 1,
  badlyStructuredPDU: 2,
});
export const InvokeProblem = namedValues("InvokeProblem", {
  duplicateInvocation: 0,
  unrecognizedOperation: 1,
  mistypedArgument: 2,
  resourceLimitation: 3,
  releaseInProgress: 4,
  unrecognizedLinkedId: 5,
  linkedResponseUnexpected: 6,
  unexpectedLinkedOperation: 7,
});
export const ReturnResultProblem = namedValues("ReturnResultProblem", {
  unrecognizedInvocation: 0,
  resultResponseUnexpected: 1,
  mistypedResult: 2,
});
export const ReturnErrorProblem = namedValues("ReturnErrorProblem", {
  unrecognizedInvocation: 0,
  errorResponseUnexpected: 1,
  unrecognizedError: 2,
  unexpectedError: 3,
  mistypedParameter: 4,
});

/** Reject problem: `{ kind: "invoke", value: "unrecognizedOperation" }` is `81 01 01`. */
export const rejectProblem = choice("Reject.problem", {
  general: implicit(0, namedInteger(GeneralProblem)),
  invoke: implicit(1, namedInteger(InvokeProblem)),
  returnResult: implicit(2, namedInteger(ReturnResultProblem)),
  returnError: implicit(3, namedInteger(ReturnErrorProblem)),
});
export type RejectProblem = Infer<typeof rejectProblem>;

/** Reject `A4 { invokeId | NULL, problem }`; the id is `null` when the rejected APDU's id was unreadable. */
export interface RejectApdu {
  kind: "reject";
  invokeId: number | null;
  problem: RejectProblem;
}

/** Any ROSE APDU. */
export type RoseApdu = InvokeApdu | ReturnResultApdu | ReturnErrorApdu | RejectApdu;

function rawValue(reader: BerReader, element: BerElement): RawValue {
  return {
    bytes: reader.bytes.subarray(element.start, element.end),
    offset: reader.baseOffset + element.start,
  };
}

function expectTag(
  reader: BerReader,
  element: BerElement | undefined,
  tag: number,
  what: string,
  at: number,
) {
  if (element === undefined) reader.fail(what, at, "missing");
  if (element.tag !== tag) reader.fail(what, element.start, `unexpected tag ${describeTag(element.tag)}`);
  return element;
}

function readOpcode(reader: BerReader, element: BerElement | undefined, what: string, at: number): number {
  if (element?.tag === 0x06) {
    reader.fail(what, element.start, "global (OID) operation codes are not used by CSTA");
  }
  return reader.integer(expectTag(reader, element, 0x02, what, at), what);
}

function noMore(reader: BerReader, children: BerElement[], used: number, what: string) {
  if (children.length > used) reader.fail(what, children[used].start, "unexpected extra element");
}

/** Decodes a ROSE APDU element (tag `A1`..`A4`) of `reader`. */
export function decodeRose(reader: BerReader, element: BerElement): RoseApdu {
  switch (element.tag) {
    case RoseTag.invoke:
      return decodeInvoke(reader, element);
    case RoseTag.returnResult:
      return decodeReturnResult(reader, element);
    case RoseTag.returnError:
      return decodeReturnError(reader, element);
    case RoseTag.reject:
      return decodeReject(reader, element);
    default:
      return reader.fail("ROSE APDU", element.start, `unknown APDU tag ${describeTag(element.tag)}`);
  }
}

function decodeInvoke(reader: BerReader, element: BerElement): InvokeApdu {
  const what = "Invoke";
  const children = reader.children(element, what);
  const invokeId = reader.integer(
    expectTag(reader, children[0], 0x02, `${what}.invokeId`, element.contentEnd),
    what,
  );
  const out: InvokeApdu = { kind: "invoke", invokeId, opcode: 0 };
  let next = 1;
  const linked = children[next];
  if (linked?.tag === 0x80) {
    out.linkedId = reader.integer(linked, `${what}.linkedId`);
    next++;
  } else if (linked?.tag === 0x81) {
    reader.null(linked, `${what}.linkedId`);
    out.linkedId = null;
    next++;
  }
  out.opcode = readOpcode(reader, children[next], `${what}.opcode`, element.contentEnd);
  next++;
  if (children[next]) out.argument = rawValue(reader, children[next++]);
  noMore(reader, children, next, what);
  return out;
}

function decodeReturnResult(reader: BerReader, element: BerElement): ReturnResultApdu {
  const what = "ReturnResult";
  const children = reader.children(element, what);
  const invokeId = reader.integer(
    expectTag(reader, children[0], 0x02, `${what}.invokeId`, element.contentEnd),
    what,
  );
  const out: ReturnResultApdu = { kind: "returnResult", invokeId };
  if (children.length > 1) {
    const result = expectTag(reader, children[1], 0x30, `${what}.result`, element.contentEnd);
    const parts = reader.children(result, `${what}.result`);
    const opcode = readOpcode(reader, parts[0], `${what}.result.opcode`, result.contentEnd);
    out.result = parts.length > 1 ? { opcode, value: rawValue(reader, parts[1]) } : { opcode };
    noMore(reader, parts, 2, `${what}.result`);
  }
  noMore(reader, children, 2, what);
  return out;
}

function decodeReturnError(reader: BerReader, element: BerElement): ReturnErrorApdu {
  const what = "ReturnError";
  const children = reader.children(element, what);
  const invokeId = reader.integer(
    expectTag(reader, children[0], 0x02, `${what}.invokeId`, element.contentEnd),
    what,
  );
  const errorCode = readOpcode(reader, children[1], `${what}.errcode`, element.contentEnd);
  const out: ReturnErrorApdu = { kind: "returnError", invokeId, errorCode };
  const parameter = children[2];
  if (parameter) {
    out.parameter = rawValue(reader, parameter);
    if (errorCode === UNIVERSAL_FAILURE_ERRCODE) {
      if (!universalFailure.tags.includes(parameter.tag)) {
        reader.fail(
          `${what}.parameter`,
          parameter.start,
          `not a UniversalFailure: ${describeTag(parameter.tag)}`,
        );
      }
      out.failure = wrapDecode(`${what}.parameter`, () => universalFailure.decode(reader, parameter));
    }
  }
  noMore(reader, children, 3, what);
  return out;
}

function decodeReject(reader: BerReader, element: BerElement): RejectApdu {
  const what = "Reject";
  const children = reader.children(element, what);
  const id = children[0];
  if (id === undefined) reader.fail(`${what}.invokeId`, element.contentEnd, "missing");
  let invokeId: number | null;
  if (id.tag === 0x05) invokeId = reader.null(id, `${what}.invokeId`);
  else invokeId = reader.integer(expectTag(reader, id, 0x02, `${what}.invokeId`, id.start), what);
  const problem = children[1];
  if (problem === undefined) reader.fail(`${what}.problem`, element.contentEnd, "missing");
  if (!rejectProblem.tags.includes(problem.tag)) {
    reader.fail(`${what}.problem`, problem.start, `unexpected tag ${describeTag(problem.tag)}`);
  }
  const decoded = wrapDecode(`${what}.problem`, () => rejectProblem.decode(reader, problem));
  noMore(reader, children, 2, what);
  return { kind: "reject", invokeId, problem: decoded };
}

function integerElement(value: number, what: string, tag = 0x02): Uint8Array {
  return tlv(tag, integerContent(value, what));
}

function checkedRaw(what: string, value: Uint8Array): Uint8Array {
  checkRawElement(what, value, null);
  return value;
}

/** Invoke `A1 { 02 id, [80 linkedId], 02 opcode, argument }`; `argument` is one encoded element. */
export function encodeInvoke(
  invokeId: number,
  opcode: number,
  argument?: Uint8Array,
  linkedId?: number | null,
): Uint8Array {
  const parts = [integerElement(invokeId, "Invoke.invokeId")];
  if (linkedId === null) parts.push(Uint8Array.of(0x81, 0x00));
  else if (linkedId !== undefined) parts.push(integerElement(linkedId, "Invoke.linkedId", 0x80));
  parts.push(integerElement(opcode, "Invoke.opcode"));
  if (argument !== undefined) parts.push(checkedRaw("Invoke.argument", argument));
  return tlv(RoseTag.invoke, concatBytes(parts));
}

/**
 * ReturnResult `A2 { 02 id, 30 { 02 opcode, value } }`. Without `result` it is the bare `A2 { 02 id }`;
 * without `value` the SEQUENCE holds only the opcode. For noData results pass `05 00` (see NO_DATA).
 */
export function encodeReturnResult(
  invokeId: number,
  result?: { opcode: number; value?: Uint8Array },
): Uint8Array {
  const parts = [integerElement(invokeId, "ReturnResult.invokeId")];
  if (result !== undefined) {
    const inner = [integerElement(result.opcode, "ReturnResult.opcode")];
    if (result.value !== undefined) inner.push(checkedRaw("ReturnResult.value", result.value));
    parts.push(tlv(0x30, concatBytes(inner)));
  }
  return tlv(RoseTag.returnResult, concatBytes(parts));
}

/** The NULL result value `05 00` that "noData" results carry. §3 [C-pbx] */
export const NO_DATA: Uint8Array = Uint8Array.of(0x05, 0x00);

/** `A2 { id, 30 { opcode, 05 00 } }`: the noData answer Panasonic itself uses. §3 [C-pbx] */
export function noDataAnswer(invokeId: number, opcode: number): Uint8Array {
  return encodeReturnResult(invokeId, { opcode, value: NO_DATA });
}

/** ReturnError with an arbitrary error code and optional raw parameter. */
export function encodeReturnErrorRaw(
  invokeId: number,
  errorCode: number,
  parameter?: Uint8Array,
): Uint8Array {
  const parts = [
    integerElement(invokeId, "ReturnError.invokeId"),
    integerElement(errorCode, "ReturnError.errcode"),
  ];
  if (parameter !== undefined) parts.push(checkedRaw("ReturnError.parameter", parameter));
  return tlv(RoseTag.returnError, concatBytes(parts));
}

/** ReturnError universalFailure, e.g. `A3 0B 02 01 07 02 01 01 A0 03 0A 01 01` (operation/generic). §12 */
export function encodeReturnError(invokeId: number, failure: UniversalFailure): Uint8Array {
  return encodeReturnErrorRaw(invokeId, UNIVERSAL_FAILURE_ERRCODE, universalFailure.encode(failure));
}

/** Reject, e.g. `A4 06 02 01 07 81 01 01` (invoke/unrecognizedOperation); `null` id gives `05 00`. */
export function encodeReject(invokeId: number | null, problem: RejectProblem): Uint8Array {
  const id = invokeId === null ? Uint8Array.of(0x05, 0x00) : integerElement(invokeId, "Reject.invokeId");
  return tlv(RoseTag.reject, concatBytes([id, rejectProblem.encode(problem)]));
}

/** Encodes any ROSE APDU value (raw parts are re-sent as they are). */
export function encodeRose(apdu: RoseApdu): Uint8Array {
  switch (apdu.kind) {
    case "invoke":
      return encodeInvoke(apdu.invokeId, apdu.opcode, apdu.argument?.bytes, apdu.linkedId);
    case "returnResult":
      return encodeReturnResult(
        apdu.invokeId,
        apdu.result && { opcode: apdu.result.opcode, value: apdu.result.value?.bytes },
      );
    case "returnError":
      if (apdu.parameter !== undefined) {
        return encodeReturnErrorRaw(apdu.invokeId, apdu.errorCode, apdu.parameter.bytes);
      }
      if (apdu.failure !== undefined) {
        return encodeReturnErrorRaw(apdu.invokeId, apdu.errorCode, universalFailure.encode(apdu.failure));
      }
      return encodeReturnErrorRaw(apdu.invokeId, apdu.errorCode);
    case "reject":
      return encodeReject(apdu.invokeId, apdu.problem);
    default:
      throw new CstaEncodeError("ROSE APDU", `unknown kind ${(apdu as { kind: string }).kind}`);
  }
}

const unreadableHeader = new TlvHeader();
const unreadableChild = new TlvHeader();

/**
 * The Reject for an APDU the peek could not read (X.880 GeneralProblem, X.219 gives the meanings [C-std]):
 * `unrecognizedPDU` when its first octet names none of the four ROSE APDUs; `badlyStructuredPDU` when its
 * BER is broken (a length past the end, bytes after the APDU); `mistypedPDU` when the BER is sound but the
 * ROSE structure is not (an element missing, extra or of the wrong type). The invoke ID is the APDU's own
 * when its first element is a readable INTEGER, else NULL (`05 00`).
 */
export function rejectForUnreadable(apdu: Uint8Array): RejectApdu {
  const first = apdu[0];
  const rose = first === RoseTag.invoke || first === RoseTag.returnResult || first === RoseTag.returnError ||
    first === RoseTag.reject;
  if (!rose) {
    return { kind: "reject", invokeId: null, problem: { kind: "general", value: "unrecognizedPDU" } };
  }
  const wellFormed =
    !(readHeader(apdu, 0, apdu.length, unreadableHeader, "APDU") instanceof CstaDecodeError) &&
    !unreadableHeader.indefinite && unreadableHeader.end === apdu.length &&
    !(scanTlv(apdu) instanceof CstaDecodeError);
  return {
    kind: "reject",
    invokeId: readableInvokeId(apdu),
    problem: { kind: "general", value: wellFormed ? "mistypedPDU" : "badlyStructuredPDU" },
  };
}

/** The INTEGER that opens a ROSE APDU's contents, when it is whole, whatever follows or is missing after it. */
function readableInvokeId(apdu: Uint8Array): number | null {
  // The APDU's own length may run past the frame (a cut-off APDU); its first element can still be whole.
  if (readHeader(apdu, 0, Number.MAX_SAFE_INTEGER, unreadableHeader, "APDU") instanceof CstaDecodeError) {
    return null;
  }
  const limit = unreadableHeader.indefinite ? apdu.length : Math.min(unreadableHeader.end, apdu.length);
  const at = unreadableHeader.contentStart;
  if (readHeader(apdu, at, limit, unreadableChild, "invokeId") instanceof CstaDecodeError) return null;
  if (unreadableChild.firstByte !== 0x02) return null;
  const id = readSmallInteger(apdu, unreadableChild.contentStart, unreadableChild.length, "invokeId");
  return typeof id === "number" ? id : null;
}

/** Wraps bytes in a {@link RawValue} at offset 0, for building APDU values by hand. */
export function rawValueOf(bytes: Uint8Array): RawValue {
  return { bytes, offset: 0 };
}
