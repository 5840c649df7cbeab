// The hot-path peek (§15): reads only what routing needs from an APDU (kind, invoke ID, opcode, the
// monitor cross-reference) and where the argument lies, without building a tree. Errors are values.

import { CstaDecodeError } from "./decode_error.ts";
import { Opcode } from "./opcodes.ts";
import {
  DEFAULT_TLV_LIMITS,
  readHeader,
  readSmallInteger,
  skipElement,
  TlvHeader,
  type TlvLimits,
} from "./tlv.ts";

/** ACSE APDUs (§2.1): the peek reports only their kind. */
export type AcseKind = "aarq" | "aare" | "rlrq" | "rlre" | "abrt";

/** Every APDU kind the first octet can name (§15 step 2). */
export type ApduKind = AcseKind | "invoke" | "returnResult" | "returnError" | "reject";

/** A MonitorCrossRefID (`55`, §5.3) found in an APDU. */
export interface CrossRefPeek {
  /** Its content octets: a subarray of the APDU, so copy it to keep it past the APDU's life. */
  id: Uint8Array;
  /** Offset of the `55` identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  valueStart: number;
  /** Offset just past the element. */
  end: number;
}

/** An ACSE APDU: association set-up or release (§2). */
export interface AcsePeek {
  kind: AcseKind;
}

/** A ROSE Invoke (`A1`, §3). */
export interface InvokePeek {
  kind: "invoke";
  invokeId: number;
  /** linkedId `80` if present; null when absent or sent as the `81 00` "absent" choice. */
  linkedId: number | null;
  opcode: number;
  /** Offset of the argument element (hand `apdu.subarray(argumentStart, argumentEnd)` to a decoder). */
  argumentStart: number | null;
  argumentEnd: number | null;
  /**
   * For EventReport (21), ChangeMonitorFilter (72) and MonitorStop (73): the argument's first element when
   * it is a well-formed `55`; null otherwise (then the argument is mistyped, which the caller answers).
   */
  crossRef: CrossRefPeek | null;
}

/** A ROSE ReturnResult (`A2`, §3). The result SEQUENCE is optional in ROSE; Panasonic always sends it. */
export interface ReturnResultPeek {
  kind: "returnResult";
  invokeId: number;
  /** The opcode from the result SEQUENCE; null when the APDU carries no result SEQUENCE. */
  opcode: number | null;
  /** Offset of the result value element after the opcode (`05 00` for noData), or null. */
  resultStart: number | null;
  resultEnd: number | null;
  /** For MonitorStart (71): the result value's first element when it is a well-formed `55`. */
  crossRef: CrossRefPeek | null;
}

/** A ROSE ReturnError (`A3`, §3, §12). */
export interface ReturnErrorPeek {
  kind: "returnError";
  invokeId: number;
  /** The local error code; always 1 (universalFailure) for CSTA. */
  errorCode: number;
  /** Offset of the parameter element (UniversalFailure), or null. */
  parameterStart: number | null;
  parameterEnd: number | null;
}

/** Which kind of APDU a Reject complains about (§3). */
export type RejectProblemType = "general" | "invoke" | "returnResult" | "returnError";

const REJECT_PROBLEM_TYPES: readonly RejectProblemType[] = [
  "general",
  "invoke",
  "returnResult",
  "returnError",
];

/** A ROSE Reject (`A4`, §3). */
export interface RejectPeek {
  kind: "reject";
  /** null when the rejecting side could not read the id and sent NULL (`05 00`). */
  invokeId: number | null;
  problem: RejectProblemType;
  problemCode: number;
}

/** What {@link peekApdu} tells about one APDU. */
export type ApduPeek = AcsePeek | InvokePeek | ReturnResultPeek | ReturnErrorPeek | RejectPeek;

function kindOf(firstByte: number): ApduKind | null {
  switch (firstByte) {
    case 0x60:
      return "aarq";
    case 0x61:
      return "aare";
    case 0x62:
      return "rlrq";
    case 0x63:
      return "rlre";
    case 0x64:
      return "abrt";
    case 0xa1:
      return "invoke";
    case 0xa2:
      return "returnResult";
    case 0xa3:
      return "returnError";
    case 0xa4:
      return "reject";
    default:
      return null;
  }
}

/**
 * Walks the contents of one constructed element, definite or indefinite. Reused between calls (the peek
 * is synchronous and never re-entered), so a peek allocates only its answer.
 */
class Contents {
  bytes: Uint8Array = new Uint8Array(0);
  pos = 0;
  /** Bound for headers read inside: the content end (definite) or the enclosing bound (indefinite). */
  limit = 0;
  indefinite = false;
  limits: TlvLimits = DEFAULT_TLV_LIMITS;

  enter(bytes: Uint8Array, h: TlvHeader, enclosingLimit: number, limits: TlvLimits): void {
    this.bytes = bytes;
    this.pos = h.contentStart;
    this.indefinite = h.length < 0;
    this.limit = this.indefinite ? enclosingLimit : h.end;
    this.limits = limits;
  }

  /** Reads the next element's header into `h`; false at the end of contents. Does not advance. */
  next(h: TlvHeader, what: string): boolean | CstaDecodeError {
    if (this.#atEnd()) return false;
    return readHeader(this.bytes, this.pos, this.limit, h, what) ?? true;
  }

  /** Moves past the element `h` just read, finding its end if it is indefinite. */
  skip(h: TlvHeader, what: string): CstaDecodeError | undefined {
    if (h.end >= 0) {
      this.pos = h.end;
      return undefined;
    }
    const end = skipElement(this.bytes, h.start, this.limit, this.limits, what);
    if (typeof end !== "number") return end;
    this.pos = end;
    return undefined;
  }

  /** Checks nothing follows; returns the offset just past the container (past `00 00` if indefinite). */
  finish(what: string): number | CstaDecodeError {
    if (this.#atEnd()) return this.indefinite ? this.pos + 2 : this.pos;
    if (this.pos >= this.limit) {
      return new CstaDecodeError(what, this.pos, "indefinite-length contents lack end-of-contents");
    }
    return new CstaDecodeError(what, this.pos, `unexpected element (tag 0x${hex(this.bytes[this.pos])})`);
  }

  #atEnd(): boolean {
    if (!this.indefinite) return this.pos >= this.limit;
    return this.pos + 1 < this.limit && this.bytes[this.pos] === 0 && this.bytes[this.pos + 1] === 0;
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0").toUpperCase();
}

// Scratch state, reused by every call.
const apduHeader = new TlvHeader();
const element = new TlvHeader();
const valueHeader = new TlvHeader();
const crossRefHeader = new TlvHeader();
const outer = new Contents();
const inner = new Contents();

function missing(what: string, offset: number): CstaDecodeError {
  return new CstaDecodeError(what, offset, "element missing");
}

/** Decodes an INTEGER element (tag `02` unless told) of at most 4 content octets. */
function integerOf(bytes: Uint8Array, h: TlvHeader, what: string, tag = 0x02): number | CstaDecodeError {
  if (h.firstByte !== tag) {
    return new CstaDecodeError(what, h.start, `expected tag 0x${hex(tag)}, found 0x${hex(h.firstByte)}`);
  }
  return readSmallInteger(bytes, h.contentStart, h.length, what);
}

/** Reads the next element, which must exist, as an INTEGER; advances past it. */
function nextInteger(c: Contents, what: string): number | CstaDecodeError {
  const r = c.next(element, what);
  if (r !== true) return r === false ? missing(what, c.pos) : r;
  const value = integerOf(c.bytes, element, what);
  if (typeof value !== "number") return value;
  c.pos = element.end;
  return value;
}

/** The `55` element opening the SEQUENCE `seq`, or null if the SEQUENCE does not start with one. */
function crossRefIn(bytes: Uint8Array, seq: TlvHeader, seqEnd: number): CrossRefPeek | null {
  if (seq.firstByte !== 0x30) return null;
  const limit = seq.length < 0 ? seqEnd : seq.end;
  if (seq.contentStart >= limit) return null;
  if (readHeader(bytes, seq.contentStart, limit, crossRefHeader) !== undefined) return null;
  if (crossRefHeader.firstByte !== 0x55) return null;
  return {
    id: bytes.subarray(crossRefHeader.contentStart, crossRefHeader.end),
    start: crossRefHeader.start,
    valueStart: crossRefHeader.contentStart,
    end: crossRefHeader.end,
  };
}

/**
 * Tells what an APDU (the bytes after the 2-byte frame header) is, for routing: §15 steps 2-5.
 * Checks the ROSE envelope (element order, tags, lengths, nothing trailing) but not the inside of the
 * argument or result, which stays opaque bytes. Never throws for bad input: returns the error.
 * @param limits bounds for resolving indefinite lengths (§4: accepted on input).
 */
export function peekApdu(
  apdu: Uint8Array,
  limits: TlvLimits = DEFAULT_TLV_LIMITS,
): ApduPeek | CstaDecodeError {
  const err = readHeader(apdu, 0, apdu.length, apduHeader, "APDU");
  if (err) return err;
  const kind = kindOf(apduHeader.firstByte);
  if (kind === null) {
    return new CstaDecodeError("APDU", 0, `unknown APDU tag 0x${hex(apduHeader.firstByte)}`);
  }
  if (apduHeader.length >= 0 && apduHeader.end !== apdu.length) {
    return new CstaDecodeError(
      "APDU",
      apduHeader.lengthStart,
      `APDU length ${apduHeader.end} does not match the ${apdu.length} bytes of the frame`,
    );
  }
  outer.enter(apdu, apduHeader, apdu.length, limits);
  let result: ApduPeek | CstaDecodeError;
  switch (kind) {
    case "invoke":
      result = peekInvoke(apdu);
      break;
    case "returnResult":
      result = peekReturnResult(apdu, limits);
      break;
    case "returnError":
      result = peekReturnError();
      break;
    case "reject":
      result = peekReject();
      break;
    default: {
      // ACSE: only the envelope is checked here; the typed ACSE decoder reads the rest.
      if (apduHeader.length < 0) {
        const end = skipElement(apdu, 0, apdu.length, limits, "APDU");
        if (typeof end !== "number") return end;
        if (end !== apdu.length) return trailing(apdu, end);
      }
      return { kind };
    }
  }
  if (result instanceof CstaDecodeError) return result;
  const end = outer.finish("APDU");
  if (typeof end !== "number") return end;
  if (end !== apdu.length) return trailing(apdu, end);
  return result;
}

function trailing(apdu: Uint8Array, end: number): CstaDecodeError {
  return new CstaDecodeError("APDU", end, `${apdu.length - end} bytes after the end of the APDU`);
}

function peekInvoke(apdu: Uint8Array): InvokePeek | CstaDecodeError {
  const invokeId = nextInteger(outer, "Invoke invokeId");
  if (typeof invokeId !== "number") return invokeId;
  let r = outer.next(element, "Invoke opcode");
  if (r !== true) return r === false ? missing("Invoke opcode", outer.pos) : r;
  let linkedId: number | null = null;
  if (element.firstByte === 0x80 || element.firstByte === 0x81) {
    // X.880: linkedId CHOICE { present [0] IMPLICIT InvokeId, absent [1] IMPLICIT NULL }; §3 [C-std]
    if (element.firstByte === 0x80) {
      const id = readSmallInteger(apdu, element.contentStart, element.length, "Invoke linkedId");
      if (typeof id !== "number") return id;
      linkedId = id;
    } else if (element.length !== 0) {
      return new CstaDecodeError("Invoke linkedId", element.start, "absent linkedId must be an empty NULL");
    }
    outer.pos = element.end;
    r = outer.next(element, "Invoke opcode");
    if (r !== true) return r === false ? missing("Invoke opcode", outer.pos) : r;
  }
  const opcode = integerOf(apdu, element, "Invoke opcode");
  if (typeof opcode !== "number") return opcode;
  outer.pos = element.end;
  r = outer.next(valueHeader, "Invoke argument");
  if (r === false) {
    return {
      kind: "invoke",
      invokeId,
      linkedId,
      opcode,
      argumentStart: null,
      argumentEnd: null,
      crossRef: null,
    };
  }
  if (r !== true) return r;
  const skipped = outer.skip(valueHeader, "Invoke argument");
  if (skipped) return skipped;
  const argumentEnd = outer.pos;
  const wantsCrossRef = opcode === Opcode.cSTAEventReport ||
    opcode === Opcode.monitorStop ||
    opcode === Opcode.changeMonitorFilter;
  return {
    kind: "invoke",
    invokeId,
    linkedId,
    opcode,
    argumentStart: valueHeader.start,
    argumentEnd,
    crossRef: wantsCrossRef ? crossRefIn(apdu, valueHeader, argumentEnd) : null,
  };
}

function peekReturnResult(apdu: Uint8Array, limits: TlvLimits): ReturnResultPeek | CstaDecodeError {
  const invokeId = nextInteger(outer, "ReturnResult invokeId");
  if (typeof invokeId !== "number") return invokeId;
  const r = outer.next(element, "ReturnResult result");
  if (r === false) {
    return {
      kind: "returnResult",
      invokeId,
      opcode: null,
      resultStart: null,
      resultEnd: null,
      crossRef: null,
    };
  }
  if (r !== true) return r;
  if (element.firstByte !== 0x30) {
    return new CstaDecodeError(
      "ReturnResult result",
      element.start,
      `expected SEQUENCE (30), found 0x${hex(element.firstByte)}`,
    );
  }
  inner.enter(apdu, element, outer.limit, limits);
  const opcode = nextInteger(inner, "ReturnResult opcode");
  if (typeof opcode !== "number") return opcode;
  let resultStart: number | null = null;
  let resultEnd: number | null = null;
  let crossRef: CrossRefPeek | null = null;
  const v = inner.next(valueHeader, "ReturnResult value");
  if (v === true) {
    const skipped = inner.skip(valueHeader, "ReturnResult value");
    if (skipped) return skipped;
    resultStart = valueHeader.start;
    resultEnd = inner.pos;
    if (opcode === Opcode.monitorStart) crossRef = crossRefIn(apdu, valueHeader, resultEnd);
  } else if (v !== false) {
    return v;
  }
  const seqEnd = inner.finish("ReturnResult result");
  if (typeof seqEnd !== "number") return seqEnd;
  outer.pos = seqEnd;
  return { kind: "returnResult", invokeId, opcode, resultStart, resultEnd, crossRef };
}

function peekReturnError(): ReturnErrorPeek | CstaDecodeError {
  const invokeId = nextInteger(outer, "ReturnError invokeId");
  if (typeof invokeId !== "number") return invokeId;
  const errorCode = nextInteger(outer, "ReturnError errcode");
  if (typeof errorCode !== "number") return errorCode;
  const r = outer.next(valueHeader, "ReturnError parameter");
  if (r === false) {
    return { kind: "returnError", invokeId, errorCode, parameterStart: null, parameterEnd: null };
  }
  if (r !== true) return r;
  const skipped = outer.skip(valueHeader, "ReturnError parameter");
  if (skipped) return skipped;
  return {
    kind: "returnError",
    invokeId,
    errorCode,
    parameterStart: valueHeader.start,
    parameterEnd: outer.pos,
  };
}

function peekReject(): RejectPeek | CstaDecodeError {
  let r = outer.next(element, "Reject invokeId");
  if (r !== true) return r === false ? missing("Reject invokeId", outer.pos) : r;
  let invokeId: number | null;
  if (element.firstByte === 0x05) {
    // §3 [C-std]: NULL when the rejected APDU's id could not be read.
    if (element.length !== 0) {
      return new CstaDecodeError("Reject invokeId", element.start, "NULL with content");
    }
    invokeId = null;
  } else {
    const id = integerOf(outer.bytes, element, "Reject invokeId");
    if (typeof id !== "number") return id;
    invokeId = id;
  }
  outer.pos = element.end;
  r = outer.next(element, "Reject problem");
  if (r !== true) return r === false ? missing("Reject problem", outer.pos) : r;
  const problemIndex = element.firstByte - 0x80;
  if (problemIndex < 0 || problemIndex > 3) {
    return new CstaDecodeError(
      "Reject problem",
      element.start,
      `expected tag 0x80..0x83, found 0x${hex(element.firstByte)}`,
    );
  }
  const problemCode = readSmallInteger(outer.bytes, element.contentStart, element.length, "Reject problem");
  if (typeof problemCode !== "number") return problemCode;
  outer.pos = element.end;
  return { kind: "reject", invokeId, problem: REJECT_PROBLEM_TYPES[problemIndex], problemCode };
}
