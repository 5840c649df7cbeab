// Rewrites the two fields the multiplexer changes when it forwards an APDU (§13 design points 1, 2, 5):
// the invoke ID and the monitor cross-reference. Every other byte is copied as it came, in one pass.

import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";
import { FRAME_HEADER_SIZE, MAX_FRAME_SIZE } from "./framing.ts";
import { type ApduPeek, peekApdu } from "./peek.ts";
import {
  integerOctetCount,
  lengthOctetCount,
  readHeader,
  TlvHeader,
  writeIntegerContent,
  writeLength,
} from "./tlv.ts";

/** The fields to change; an absent field is left as it is. */
export interface ApduChanges {
  /** New invoke ID (any INTEGER of up to 4 octets; 1..32767 towards the PBX, §3 [C-pbx]). */
  invokeId?: number;
  /** New MonitorCrossRefID contents, any length. */
  crossRef?: Uint8Array;
}

/** Output options. */
export interface RewriteOptions {
  /** Put the 2-byte length prefix in front (as `encodeFrame` would), saving a copy when forwarding. */
  framed?: boolean;
}

/**
 * One replacement: the content octets `[start, end)` of the innermost element of `chain` (the start
 * offsets of the elements enclosing it, outermost first) become `newLength` bytes.
 */
interface Edit {
  chain: number[];
  start: number;
  end: number;
  newLength: number;
  /** What goes in: an INTEGER's content octets, a whole INTEGER element, or bytes. */
  integer: number;
  integerElement: boolean;
  bytes: Uint8Array | null;
}

/** Below this many bytes a loop beats `subarray` + `set`, which allocates a view per call. */
const LOOP_COPY_MAX = 64;

function copyRange(out: Uint8Array, at: number, from: Uint8Array, start: number, end: number): number {
  if (end - start < LOOP_COPY_MAX) {
    for (let i = start; i < end; i++) out[at++] = from[i];
    return at;
  }
  out.set(from.subarray(start, end), at);
  return at + (end - start);
}

function writeEdit(out: Uint8Array, at: number, edit: Edit): void {
  if (edit.bytes) {
    copyRange(out, at, edit.bytes, 0, edit.bytes.length);
  } else if (edit.integerElement) {
    out[at] = 0x02;
    out[at + 1] = edit.newLength - 2;
    writeIntegerContent(out, at + 2, edit.integer);
  } else {
    writeIntegerContent(out, at, edit.integer);
  }
}

/** Most elements enclosing one edit: APDU > result SEQUENCE > value > `55`. */
const MAX_CHAIN = 4;
/** Most edits in one rewrite: the invoke ID and the crossRef. */
const MAX_EDITS = 2;

// Scratch state reused by every call (rewrites are synchronous and never re-entered).
const rootHeader = new TlvHeader();
const idHeader = new TlvHeader();
const chainHeaders = Array.from(
  { length: MAX_EDITS },
  () => Array.from({ length: MAX_CHAIN }, () => new TlvHeader()),
);
const chainLengths = Array.from({ length: MAX_EDITS }, () => new Array<number>(MAX_CHAIN).fill(-1));

/**
 * The new content length of a definite element whose content grows by `delta` (-1: keep the length octets
 * as they are, because nothing changed or the length is indefinite), and by how much its length octets
 * grow. A changed length is re-encoded in minimal form, growing or shrinking its octets.
 */
function relength(h: TlvHeader, delta: number): number {
  return delta === 0 || h.length < 0 ? -1 : h.length + delta;
}

function octetGrowth(h: TlvHeader, newLength: number): number {
  return newLength < 0 ? 0 : lengthOctetCount(newLength) - h.lengthOctets;
}

/**
 * Copies `apdu` with the edits applied, behind `headroom` free bytes. The edits lie in different children
 * of the APDU (the invoke ID, the argument or result) and are given in source order, so only the APDU's
 * own length is shared; each chain below it is re-measured innermost first. Unchanged lengths keep their
 * octets; indefinite lengths (`80`) keep their form.
 */
function applyEdits(apdu: Uint8Array, edits: readonly Edit[], headroom: number): Uint8Array {
  readHeader(apdu, 0, apdu.length, rootHeader); // cannot fail: peekApdu has read every header used here
  let rootDelta = 0;
  for (let e = 0; e < edits.length; e++) {
    const edit = edits[e];
    let delta = edit.newLength - (edit.end - edit.start);
    for (let d = edit.chain.length - 1; d >= 1; d--) {
      const h = chainHeaders[e][d];
      readHeader(apdu, edit.chain[d], apdu.length, h);
      const newLength = relength(h, delta);
      chainLengths[e][d] = newLength;
      delta += octetGrowth(h, newLength);
    }
    rootDelta += delta;
  }
  const rootLength = relength(rootHeader, rootDelta);
  const out = new Uint8Array(headroom + apdu.length + rootDelta + octetGrowth(rootHeader, rootLength));
  let src = 0;
  let dst = headroom;
  if (rootLength >= 0) {
    dst = writeLength(out, copyRange(out, dst, apdu, 0, rootHeader.lengthStart), rootLength);
    src = rootHeader.contentStart;
  }
  for (let e = 0; e < edits.length; e++) {
    const edit = edits[e];
    for (let d = 1; d < edit.chain.length; d++) {
      const newLength = chainLengths[e][d];
      if (newLength < 0) continue;
      const h = chainHeaders[e][d];
      dst = writeLength(out, copyRange(out, dst, apdu, src, h.lengthStart), newLength);
      src = h.contentStart;
    }
    dst = copyRange(out, dst, apdu, src, edit.start);
    writeEdit(out, dst, edit);
    dst += edit.newLength;
    src = edit.end;
  }
  copyRange(out, dst, apdu, src, apdu.length);
  return out;
}

/** The edit that puts `newId` in place of the APDU's invoke ID (its first element). */
function invokeIdEdit(apdu: Uint8Array, peek: ApduPeek, newId: number): Edit {
  const count = integerOctetCount(newId);
  if (!("invokeId" in peek)) {
    throw new CstaDecodeError("invokeId rewrite", 0, `${peek.kind} APDU has no invokeId`);
  }
  const id = idHeader;
  readHeader(apdu, 0, apdu.length, id);
  readHeader(apdu, id.contentStart, apdu.length, id);
  if (id.firstByte === 0x02) {
    return {
      chain: [0, id.start],
      start: id.contentStart,
      end: id.end,
      newLength: count,
      integer: newId,
      integerElement: false,
      bytes: null,
    };
  }
  // §3 [C-std]: a Reject's NULL id (`05 00`) is swapped whole for an INTEGER element.
  return {
    chain: [0],
    start: id.start,
    end: id.end,
    newLength: 2 + count,
    integer: newId,
    integerElement: true,
    bytes: null,
  };
}

/** The edit that puts `newCrossRef` in place of the APDU's MonitorCrossRefID contents. */
function crossRefEdit(apdu: Uint8Array, peek: ApduPeek, newCrossRef: Uint8Array): Edit {
  const x = "crossRef" in peek ? peek.crossRef : null;
  let chain: number[] | null = null;
  if (x && peek.kind === "invoke" && peek.argumentStart !== null) {
    chain = [0, peek.argumentStart, x.start];
  } else if (x && peek.kind === "returnResult" && peek.resultStart !== null) {
    readHeader(apdu, 0, apdu.length, idHeader);
    readHeader(apdu, idHeader.contentStart, apdu.length, idHeader);
    const resultSequenceStart = idHeader.end; // the SEQUENCE { opcode, value } follows the invoke ID
    chain = [0, resultSequenceStart, peek.resultStart, x.start];
  }
  if (x === null || chain === null) {
    const opcode = "opcode" in peek ? ` opcode ${peek.opcode}` : "";
    throw new CstaDecodeError("crossRef rewrite", 0, `${peek.kind}${opcode} carries no crossRefIdentifier`);
  }
  return {
    chain,
    start: x.valueStart,
    end: x.end,
    newLength: newCrossRef.length,
    integer: 0,
    integerElement: false,
    bytes: newCrossRef,
  };
}

/**
 * Returns a copy of a ROSE APDU with the invoke ID and/or the MonitorCrossRefID changed, in one pass and
 * one allocation (with the frame prefix too when `framed`). All other bytes are copied unchanged; only the
 * enclosing lengths whose content changes size are re-encoded (see {@link replaceInvokeId} and
 * {@link replaceCrossRefId} for each field's rules). Indefinite-length input is handled: its `80` and
 * `00 00` stay as they are.
 * @throws CstaEncodeError when the invoke ID does not fit in 4 octets, or a framed result exceeds 65535.
 * @throws CstaDecodeError when the APDU is malformed (see {@link peekApdu}) or lacks a field to change.
 */
export function rewriteApdu(
  apdu: Uint8Array,
  changes: ApduChanges,
  options: RewriteOptions = {},
): Uint8Array {
  if (changes.invokeId !== undefined) integerOctetCount(changes.invokeId); // range check before any work
  const peek = peekApdu(apdu);
  if (peek instanceof CstaDecodeError) throw peek;
  const edits: Edit[] = [];
  if (changes.invokeId !== undefined) edits.push(invokeIdEdit(apdu, peek, changes.invokeId));
  if (changes.crossRef !== undefined) edits.push(crossRefEdit(apdu, peek, changes.crossRef));
  const headroom = options.framed ? FRAME_HEADER_SIZE : 0;
  const out = edits.length > 0 ? applyEdits(apdu, edits, headroom) : copyWithHeadroom(apdu, headroom);
  if (options.framed) {
    const length = out.length - FRAME_HEADER_SIZE;
    if (length > MAX_FRAME_SIZE) {
      throw new CstaEncodeError(
        "frame",
        `rewritten APDU of ${length} bytes exceeds the frame limit of ${MAX_FRAME_SIZE}`,
      );
    }
    out[0] = length >> 8;
    out[1] = length & 0xff;
  }
  return out;
}

function copyWithHeadroom(apdu: Uint8Array, headroom: number): Uint8Array {
  const out = new Uint8Array(headroom + apdu.length);
  out.set(apdu, headroom);
  return out;
}

/**
 * Returns a copy of a ROSE APDU (Invoke, ReturnResult, ReturnError, Reject) carrying `newId` as its
 * invoke ID, in minimal two's complement; all other bytes are unchanged except enclosing lengths when the
 * ID's size changes. A Reject's NULL id (`05 00`) becomes an INTEGER. IDs are 1..32767 towards the PBX
 * (§3 [C-pbx]), but an application's own id is handed back as it came, so any 4-octet INTEGER is allowed.
 * @throws CstaEncodeError when `newId` does not fit in 4 octets.
 * @throws CstaDecodeError when the APDU is malformed (see {@link peekApdu}) or is an ACSE APDU.
 */
export function replaceInvokeId(apdu: Uint8Array, newId: number): Uint8Array {
  return rewriteApdu(apdu, { invokeId: newId });
}

/**
 * Returns a copy of the APDU with its MonitorCrossRefID contents replaced by `newCrossRef` (any length),
 * re-encoding the `55` length and every enclosing definite length whose size changes. Applies to the APDUs
 * whose crossRef {@link peekApdu} reports: EventReport (21), ChangeMonitorFilter (72) and MonitorStop (73)
 * invokes (§8.2, §8.3) and the MonitorStart (71) ReturnResult (§8.1).
 * @throws CstaDecodeError when the APDU is malformed or carries no crossRefIdentifier.
 */
export function replaceCrossRefId(apdu: Uint8Array, newCrossRef: Uint8Array): Uint8Array {
  return rewriteApdu(apdu, { crossRef: newCrossRef });
}
