// Fuzz of the hot path: 100,000 mutated §14 fixtures and random APDUs through FrameReassembler, peekApdu
// and both rewriters. Only values or CstaDecodeError may come out, answers must agree, memory stays bounded.

import assert from "node:assert/strict";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { encodeFrame, FrameReassembler } from "../../../src/csta/framing.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId } from "../../../src/csta/rewrite.ts";
import { readHeader, scanTlv, TlvHeader } from "../../../src/csta/tlv.ts";
import { bytesHex, exampleApdu, PROTOCOL_EXAMPLES } from "../../fixtures/protocol_examples.ts";

const SEED = 0x5eed_c57a;
const ITERATIONS = 100_000;

/** xorshift32: deterministic, so a failure names the iteration that reproduces it. */
class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }
  /** 0..n-1 */
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
  int32(): number {
    return this.next() | 0;
  }
}

const SEEDS = PROTOCOL_EXAMPLES.map(exampleApdu);

/** Offsets of every length octet of a well-formed element tree, so mutations can aim at lengths. */
function lengthOffsets(apdu: Uint8Array): number[] {
  const found: number[] = [];
  const walk = (start: number, end: number) => {
    for (let pos = start; pos < end;) {
      const h = new TlvHeader();
      if (readHeader(apdu, pos, end, h) !== undefined || h.length < 0) return;
      for (let i = h.lengthStart; i < h.contentStart; i++) found.push(i);
      if (h.constructed) walk(h.contentStart, h.end);
      pos = h.end;
    }
  };
  walk(0, apdu.length);
  return found;
}

const SEED_LENGTHS = SEEDS.map(lengthOffsets);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function tlv(tag: number, content: readonly number[], indefinite = false): number[] {
  if (indefinite) return [tag, 0x80, ...content, 0, 0];
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...length, ...content];
}

function smallInteger(value: number): number[] {
  return value < 0x80 ? [value] : value < 0x8000 ? [value >> 8, value & 0xff] : [0, value >> 8, value & 0xff];
}

/** A random, mostly well-formed BER element, sometimes with indefinite lengths. */
function randomElement(rng: Rng, depth: number): number[] {
  if (depth === 0 || rng.chance(0.4)) {
    const tag = rng.pick([0x02, 0x04, 0x05, 0x0a, 0x55, 0x80, 0x81, 0x87, 0x4e, 0x1f]);
    const content = [...rng.bytes(rng.int(tag === 0x02 ? 5 : 24))];
    // 0x1f stands for a two-octet tag: context-specific primitive [33].
    return tag === 0x1f ? [0x9f, 0x21, ...tlv(0, content).slice(1)] : tlv(tag, content);
  }
  const tag = rng.pick([0x30, 0xa0, 0xa1, 0xa4, 0x6b, 0x61, 0x62, 0x63, 0x7e, 0xbf]);
  const children = Array.from({ length: rng.int(4) }, () => randomElement(rng, depth - 1)).flat();
  return tag === 0xbf
    ? [0xbf, 0x81, 0x00, ...tlv(0, children).slice(1)]
    : tlv(tag, children, rng.chance(0.2));
}

/** A random ROSE or ACSE APDU around random contents: the well-formed half of the corpus. */
function randomApdu(rng: Rng): Uint8Array {
  const id = tlv(0x02, smallInteger(rng.int(40000)));
  const opcode = tlv(0x02, smallInteger(rng.pick([21, 71, 72, 73, 10, 211, 361])));
  const crossRef = tlv(0x55, [...rng.bytes(1 + rng.int(16))]);
  const rest = () => Array.from({ length: rng.int(3) }, () => randomElement(rng, 5)).flat();
  const indefinite = rng.chance(0.15);
  switch (rng.int(6)) {
    case 0:
      return Uint8Array.from(
        tlv(0xa1, [...id, ...opcode, ...tlv(0x30, [...crossRef, ...rest()], rng.chance(0.2))], indefinite),
      );
    case 1:
      return Uint8Array.from(tlv(0xa1, [...id, ...opcode, ...rest()], indefinite));
    case 2:
      return Uint8Array.from(
        tlv(0xa2, [...id, ...tlv(0x30, [...opcode, ...tlv(0x30, [...crossRef, ...rest()])])], indefinite),
      );
    case 3:
      return Uint8Array.from(
        tlv(0xa3, [...id, 0x02, 0x01, 0x01, ...tlv(0xa0, [0x0a, 0x01, rng.int(128)])], indefinite),
      );
    case 4:
      return Uint8Array.from(
        tlv(0xa4, [...(rng.chance(0.3) ? [0x05, 0x00] : id), 0x80 + rng.int(4), 0x01, rng.int(8)]),
      );
    default:
      return Uint8Array.from(tlv(0x60 + rng.int(5), rest(), indefinite));
  }
}

const NESTED_SEQUENCE = Uint8Array.of(0x30, 0x80);

/** One corruption of an APDU: the malformed half of the corpus. */
function mutate(rng: Rng, apdu: Uint8Array, lengths: readonly number[] | null): Uint8Array {
  const out = apdu.slice();
  switch (rng.int(7)) {
    case 0: { // bit flips
      for (let n = 1 + rng.int(4); n > 0 && out.length > 0; n--) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    }
    case 1: // truncation
      return out.subarray(0, rng.int(out.length + 1));
    case 2: { // length-octet corruption
      const at = lengths && lengths.length > 0 ? rng.pick(lengths) : rng.int(Math.max(1, out.length));
      if (at < out.length) {
        out[at] = rng.pick([
          0x00,
          0x7f,
          0x80,
          0x81,
          0x82,
          0x84,
          0x85,
          0xff,
          (out[at] + 1) & 0xff,
          (out[at] - 1) & 0xff,
        ]);
      }
      return out;
    }
    case 3: { // duplication of a slice inside the APDU
      const a = rng.int(out.length + 1);
      const b = a + rng.int(out.length - a + 1);
      const at = rng.int(out.length + 1);
      return concat([out.subarray(0, at), out.subarray(a, b), out.subarray(at)]);
    }
    case 4: // splice of two APDUs
      return concat([out.subarray(0, rng.int(out.length + 1)), rng.pick(SEEDS).subarray(rng.int(8))]);
    case 5: // random bytes behind a plausible first octet
      return concat([Uint8Array.of(rng.pick([0xa1, 0xa2, 0xa3, 0xa4, 0x60, 0x62])), rng.bytes(rng.int(300))]);
    default: { // nesting bomb: deep indefinite SEQUENCEs, a known quadratic case for full decoders
      const bomb = new Uint8Array(2 * rng.int(3000));
      for (let k = 0; k < bomb.length; k += 2) bomb.set(NESTED_SEQUENCE, k);
      return concat([out.subarray(0, 8), bomb]);
    }
  }
}

interface Tally {
  accepted: number;
  rejected: number;
  rewritten: number;
  streamViolations: number;
  /** Frames that came out of a stream with a corrupted prefix, differing from every input APDU. */
  reframed: number;
}

function isRose(p: ApduPeek): boolean {
  return p.kind === "invoke" || p.kind === "returnResult" || p.kind === "returnError" || p.kind === "reject";
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Peeks, rewrites and re-peeks one APDU, checking the answers agree with each other. */
function exercise(rng: Rng, apdu: Uint8Array, tally: Tally): void {
  const scan = scanTlv(apdu);
  assert.ok(scan instanceof CstaDecodeError || scan.elements >= 0);
  const p = peekApdu(apdu);
  if (p instanceof CstaDecodeError) {
    tally.rejected++;
    assert.throws(() => replaceInvokeId(apdu, 1), CstaDecodeError);
    assert.throws(() => replaceCrossRefId(apdu, Uint8Array.of(1)), CstaDecodeError);
    return;
  }
  tally.accepted++;
  if (!isRose(p)) {
    assert.throws(() => replaceInvokeId(apdu, 1), CstaDecodeError);
    return;
  }
  const newId = rng.chance(0.5) ? 1 + rng.int(32767) : rng.int32();
  const withId = peekApdu(replaceInvokeId(apdu, newId));
  assert.ok(!(withId instanceof CstaDecodeError), `peek after replaceInvokeId: ${withId}`);
  assert.equal(withId.kind, p.kind);
  assert.equal((withId as { invokeId: number }).invokeId, newId);
  assert.equal((withId as { opcode?: number }).opcode, (p as { opcode?: number }).opcode);
  tally.rewritten++;
  const crossRef = "crossRef" in p ? p.crossRef : null;
  if (crossRef === null) {
    assert.throws(() => replaceCrossRefId(apdu, Uint8Array.of(1)), CstaDecodeError);
    return;
  }
  const newCrossRef = rng.bytes(1 + rng.int(16));
  const withCrossRef = peekApdu(replaceCrossRefId(apdu, newCrossRef));
  assert.ok(!(withCrossRef instanceof CstaDecodeError), `peek after replaceCrossRefId: ${withCrossRef}`);
  assert.ok("crossRef" in withCrossRef && sameBytes(withCrossRef.crossRef?.id, newCrossRef));
  assert.equal((withCrossRef as { invokeId: number }).invokeId, (p as { invokeId: number }).invokeId);
}

/** Frames the APDUs (sometimes with a wrong prefix), cuts the stream at random and reassembles it. */
function exerciseStream(rng: Rng, apdus: readonly Uint8Array[], tally: Tally): void {
  const framed = apdus.map((a) => {
    if (a.length === 0 || a.length > 0xffff || rng.chance(0.1)) return concat([rng.bytes(2), a]);
    return encodeFrame(a);
  });
  const stream = concat(framed);
  const r = new FrameReassembler({ maxFrameSize: rng.chance(0.2) ? 240 : 0xffff });
  const frames: Uint8Array[] = [];
  for (let from = 0; from < stream.length;) {
    const to = Math.min(stream.length, from + 1 + rng.int(64));
    try {
      r.push(stream.subarray(from, to), (frame) => frames.push(frame));
    } catch (e) {
      if (!(e instanceof CstaDecodeError)) throw e;
      tally.streamViolations++;
      break;
    } finally {
      // Checked outside push, so an error from a check is never mistaken for a framing violation. The
      // APDUs themselves were exercised in full already; a frame cut by a bad prefix gets a peek.
      for (const frame of frames.splice(0)) {
        if (apdus.some((a) => sameBytes(frame, a))) continue;
        const p = peekApdu(frame);
        assert.ok(p instanceof CstaDecodeError || typeof p.kind === "string");
        tally.reframed++;
      }
    }
    from = to;
  }
  assert.ok(r.pendingBytes <= 0xffff + 2);
}

Deno.test("100,000 mutated and random frames give only values or CstaDecodeError, consistent answers and bounded memory", () => {
  const rng = new Rng(SEED);
  const tally: Tally = { accepted: 0, rejected: 0, rewritten: 0, streamViolations: 0, reframed: 0 };
  const heapBefore = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < ITERATIONS; i++) {
    const apdus: Uint8Array[] = [];
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const fromSeed = rng.chance(0.5);
      const s = rng.int(SEEDS.length);
      let apdu = fromSeed ? SEEDS[s] : randomApdu(rng);
      if (rng.chance(0.6)) apdu = mutate(rng, apdu, fromSeed ? SEED_LENGTHS[s] : null);
      apdus.push(apdu);
    }
    try {
      for (const apdu of apdus) exercise(rng, apdu, tally);
      exerciseStream(rng, apdus, tally);
    } catch (e) {
      const inputs = apdus.map((a) => bytesHex(a.subarray(0, 200))).join(" | ");
      throw new Error(
        `iteration ${i} (seed ${SEED}): ${e instanceof Error ? e.stack : e}\ninputs: ${inputs}`,
      );
    }
  }
  const heapGrowth = Deno.memoryUsage().heapUsed - heapBefore;
  // Both halves of the corpus are reached: well-formed APDUs get rewritten, broken ones get refused.
  assert.ok(tally.accepted > ITERATIONS / 4, `accepted ${tally.accepted}`);
  assert.ok(tally.rejected > ITERATIONS / 4, `rejected ${tally.rejected}`);
  assert.ok(tally.rewritten > ITERATIONS / 10, `rewritten ${tally.rewritten}`);
  assert.ok(tally.streamViolations > 100, `stream violations ${tally.streamViolations}`);
  assert.ok(tally.reframed > 50, `reframed ${tally.reframed}`);
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
});
