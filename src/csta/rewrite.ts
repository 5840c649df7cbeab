// Rewrites the two fields the multiplexer changes when it forwards an APDU (§13 design points 1, 2, 5):
// the invoke ID and the monitor cross-reference. Every other byte is copied as it came.

import { CstaDecodeError } from "./decode_error.ts";
import { type ApduPeek, peekApdu } from "./peek.ts";
import {
  integerOctetCount,
  lengthOctetCount,
  readHeader,
  TlvHeader,
  writeIntegerContent,
  writeLength,
} from "./tlv.ts";

/** Deepest chain of elements around a rewritten field: APDU > result SEQUENCE > value > `55`. */
const MAX_LEVELS = 4;

const levelHeaders = Array.from({ length: MAX_LEVELS }, () => new TlvHeader());
const newLengths = new Array<number>(MAX_LEVELS).fill(-1);
const scratch = new TlvHeader();

/**
 * Copies `apdu` with the content octets `[start, end)` of the innermost element in `chain` replaced by
 * `replacement`. `chain` lists the start offsets of the elements that enclose the edit, outermost first.
 * A definite length whose content changes size is re-encoded in minimal form (short or long, growing or
 * shrinking its octets); an unchanged length keeps its original octets; an indefinite length (`80`)
 * needs no change and keeps its form.
 */
function splice(
  apdu: Uint8Array,
  chain: readonly number[],
  start: number,
  end: number,
  replacement: Uint8Array,
) {
  const levels = chain.length;
  for (let i = 0; i < levels; i++) {
    // Cannot fail: peekApdu has already checked every one of these headers.
    readHeader(apdu, chain[i], apdu.length, levelHeaders[i]);
  }
  let delta = replacement.length - (end - start);
  for (let i = levels - 1; i >= 0; i--) {
    const h = levelHeaders[i];
    if (delta === 0 || h.length < 0) {
      newLengths[i] = -1;
      continue;
    }
    const length = h.length + delta;
    newLengths[i] = length;
    delta += lengthOctetCount(length) - h.lengthOctets;
  }
  const out = new Uint8Array(apdu.length + delta);
  let src = 0;
  let dst = 0;
  for (let i = 0; i < levels; i++) {
    if (newLengths[i] < 0) continue;
    const h = levelHeaders[i];
    out.set(apdu.subarray(src, h.lengthStart), dst);
    dst = writeLength(out, dst + (h.lengthStart - src), newLengths[i]);
    src = h.contentStart;
  }
  out.set(apdu.subarray(src, start), dst);
  dst += start - src;
  out.set(replacement, dst);
  out.set(apdu.subarray(end), dst + replacement.length);
  return out;
}

function peekOrThrow(apdu: Uint8Array): ApduPeek {
  const peek = peekApdu(apdu);
  if (peek instanceof CstaDecodeError) throw peek;
  return peek;
}

/** Offset of the APDU's first content element (the invoke ID of a ROSE APDU). */
function firstChildStart(apdu: Uint8Array): number {
  readHeader(apdu, 0, apdu.length, scratch);
  return scratch.contentStart;
}

/**
 * Returns a copy of a ROSE APDU (Invoke, ReturnResult, ReturnError, Reject) carrying `newId` as its
 * invoke ID, in minimal two's complement; all other bytes are unchanged except enclosing lengths when the
 * ID's size changes. A Reject's NULL id (`05 00`) becomes an INTEGER. IDs are 1..32767 towards the PBX
 * (§3 [C-pbx]), but an application's own id is handed back as it came, so any 4-octet INTEGER is allowed.
 * Indefinite-length APDUs are handled: their `80` stays and only definite lengths are re-encoded.
 * @throws CstaEncodeError when `newId` does not fit in 4 octets.
 * @throws CstaDecodeError when the APDU is malformed (see {@link peekApdu}) or is an ACSE APDU.
 */
export function replaceInvokeId(apdu: Uint8Array, newId: number): Uint8Array {
  const content = new Uint8Array(integerOctetCount(newId));
  writeIntegerContent(content, 0, newId);
  const peek = peekOrThrow(apdu);
  if (!("invokeId" in peek)) {
    throw new CstaDecodeError("invokeId rewrite", 0, `${peek.kind} APDU has no invokeId`);
  }
  const idStart = firstChildStart(apdu);
  readHeader(apdu, idStart, apdu.length, scratch);
  if (scratch.firstByte === 0x02) {
    return splice(apdu, [0, idStart], scratch.contentStart, scratch.end, content);
  }
  // Reject with NULL id: swap the whole `05 00` element for an INTEGER element.
  const element = new Uint8Array(2 + content.length);
  element[0] = 0x02;
  element[1] = content.length;
  element.set(content, 2);
  return splice(apdu, [0], scratch.start, scratch.end, element);
}

/**
 * Returns a copy of the APDU with its MonitorCrossRefID contents replaced by `newCrossRef` (any length),
 * re-encoding the `55` length and every enclosing definite length whose size changes. Applies to the APDUs
 * whose crossRef {@link peekApdu} reports: EventReport (21), ChangeMonitorFilter (72) and MonitorStop (73)
 * invokes (§8.2, §8.3) and the MonitorStart (71) ReturnResult (§8.1). Indefinite lengths are handled as
 * in {@link replaceInvokeId}.
 * @throws CstaDecodeError when the APDU is malformed or carries no crossRefIdentifier.
 */
export function replaceCrossRefId(apdu: Uint8Array, newCrossRef: Uint8Array): Uint8Array {
  const peek = peekOrThrow(apdu);
  if (peek.kind === "invoke" && peek.crossRef && peek.argumentStart !== null) {
    const x = peek.crossRef;
    return splice(apdu, [0, peek.argumentStart, x.start], x.valueStart, x.end, newCrossRef);
  }
  if (peek.kind === "returnResult" && peek.crossRef && peek.resultStart !== null) {
    const x = peek.crossRef;
    readHeader(apdu, firstChildStart(apdu), apdu.length, scratch);
    const resultSequenceStart = scratch.end; // the SEQUENCE { opcode, value } follows the invoke ID
    return splice(
      apdu,
      [0, resultSequenceStart, peek.resultStart, x.start],
      x.valueStart,
      x.end,
      newCrossRef,
    );
  }
  const opcode = "opcode" in peek ? ` opcode ${peek.opcode}` : "";
  throw new CstaDecodeError("crossRef rewrite", 0, `${peek.kind}${opcode} carries no crossRefIdentifier`);
}
