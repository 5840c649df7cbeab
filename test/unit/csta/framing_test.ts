// Tests of the 2-byte length framing (§1): encoding, and reassembly from split and merged reads.

import assert from "node:assert/strict";
import fc from "fast-check";
import { CstaDecodeError, CstaEncodeError } from "../../../src/csta/decode_error.ts";
import { encodeFrame, FrameReassembler, MAX_FRAME_SIZE } from "../../../src/csta/framing.ts";
import {
  exampleApdu,
  exampleFrame,
  hexBytes,
  PROTOCOL_EXAMPLES,
  protocolExample,
} from "../../fixtures/protocol_examples.ts";

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Pushes every chunk and returns copies of the frames delivered. */
function reassemble(chunks: readonly Uint8Array[], r = new FrameReassembler()): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) r.push(chunk, (f) => frames.push(f.slice()));
  return frames;
}

function pushError(r: FrameReassembler, chunk: Uint8Array, frames: Uint8Array[] = []): CstaDecodeError {
  try {
    r.push(chunk, (f) => frames.push(f.slice()));
  } catch (e) {
    assert.ok(e instanceof CstaDecodeError, `expected CstaDecodeError, got ${e}`);
    return e;
  }
  assert.fail("push did not throw");
}

Deno.test("encodeFrame reproduces every framed example of §14 from its APDU", () => {
  for (const example of PROTOCOL_EXAMPLES) {
    assert.deepEqual(encodeFrame(exampleApdu(example)), exampleFrame(example), example.name);
  }
});

Deno.test("encodeFrame writes lengths of 256 and more in both bytes, big-endian", () => {
  const frame = encodeFrame(new Uint8Array(0x1234));
  assert.deepEqual([frame[0], frame[1], frame.length], [0x12, 0x34, 0x1236]);
  assert.equal(encodeFrame(new Uint8Array(MAX_FRAME_SIZE)).length, 65537);
});

Deno.test("encodeFrame refuses an empty APDU and one above the limit", () => {
  assert.throws(() => encodeFrame(new Uint8Array(0)), CstaEncodeError);
  assert.throws(() => encodeFrame(new Uint8Array(MAX_FRAME_SIZE + 1)), CstaEncodeError);
  assert.throws(() => encodeFrame(new Uint8Array(241), 240), /exceeds the frame limit of 240/);
  assert.equal(encodeFrame(new Uint8Array(240), 240).length, 242);
  assert.throws(() => encodeFrame(new Uint8Array(1), 70000), RangeError);
});

Deno.test("FrameReassembler returns the frames of one chunk as views of that chunk, without copying", () => {
  const chunk = concat(PROTOCOL_EXAMPLES.map(exampleFrame));
  const frames: Uint8Array[] = [];
  new FrameReassembler().push(chunk, (f) => frames.push(f));
  assert.equal(frames.length, PROTOCOL_EXAMPLES.length);
  for (const [i, frame] of frames.entries()) {
    assert.equal(frame.buffer, chunk.buffer, "frame is a view of the chunk");
    assert.deepEqual(frame, exampleApdu(PROTOCOL_EXAMPLES[i]));
  }
});

Deno.test("FrameReassembler joins a frame split inside its length prefix and inside its body", () => {
  const frame = exampleFrame(protocolExample("EventReport Delivered"));
  const apdu = exampleApdu(protocolExample("EventReport Delivered"));
  const r = new FrameReassembler();
  assert.deepEqual(reassemble([frame.subarray(0, 1)], r), []);
  assert.equal(r.pendingBytes, 1);
  assert.deepEqual(reassemble([frame.subarray(1, 10)], r), []);
  assert.equal(r.pendingBytes, 10);
  assert.deepEqual(reassemble([frame.subarray(10)], r), [apdu]);
  assert.equal(r.pendingBytes, 0);
  assert.equal(r.streamOffset, frame.length);
});

Deno.test("FrameReassembler delivers a stream fed one byte at a time, and ignores empty reads", () => {
  const stream = concat(PROTOCOL_EXAMPLES.map(exampleFrame));
  const chunks = Array.from(stream, (b) => Uint8Array.of(b));
  chunks.splice(3, 0, new Uint8Array(0));
  const frames = reassemble(chunks);
  assert.deepEqual(frames, PROTOCOL_EXAMPLES.map(exampleApdu));
});

Deno.test("FrameReassembler finishes a spanning frame and the whole frames after it in one chunk", () => {
  const a = exampleFrame(protocolExample("SystemStatus normal from the PBX"));
  const b = exampleFrame(protocolExample("SystemStatus answer"));
  const c = exampleFrame(protocolExample("MonitorStart device 101 with empty filter"));
  const stream = concat([a, b, c]);
  const frames = reassemble([
    stream.subarray(0, 5),
    stream.subarray(5, a.length + b.length + 1),
    stream.subarray(a.length + b.length + 1),
  ]);
  assert.deepEqual(frames, [a.subarray(2), b.subarray(2), c.subarray(2)]);
});

Deno.test("FrameReassembler refuses a zero-length frame with its stream offset, after the frames before it", () => {
  const good = exampleFrame(protocolExample("SystemStatus normal from the PBX"));
  const r = new FrameReassembler();
  reassemble([good], r);
  const frames: Uint8Array[] = [];
  const err = pushError(r, concat([good, hexBytes("00 00 A1 00")]), frames);
  assert.equal(frames.length, 1, "the frame before the violation is delivered");
  assert.equal(err.offset, 2 * good.length);
  assert.match(err.message, /zero-length frame/);
  assert.equal(r.failure, err);
  assert.equal(pushError(r, good), err, "the stream stays broken");
});

Deno.test("FrameReassembler refuses a length above maxFrameSize, also when the prefix spans two reads", () => {
  const r = new FrameReassembler({ maxFrameSize: 240 });
  assert.deepEqual(reassemble([hexBytes("00 F0"), new Uint8Array(240)], r), [new Uint8Array(240)]);
  reassemble([hexBytes("00")], r); // the first half of the next prefix
  const err = pushError(r, hexBytes("F1 00"));
  assert.equal(err.offset, 242);
  assert.match(err.reason, /frame length 241 exceeds the limit of 240/);
  assert.throws(() => new FrameReassembler({ maxFrameSize: 0 }), RangeError);
  assert.throws(() => new FrameReassembler({ maxFrameSize: 65536 }), RangeError);
});

Deno.test("FrameReassembler accepts 65535-byte frames by default", () => {
  const apdu = new Uint8Array(MAX_FRAME_SIZE).fill(7);
  const frame = encodeFrame(apdu);
  assert.deepEqual(reassemble([frame.subarray(0, 30000), frame.subarray(30000)]), [apdu]);
});

Deno.test("checkEnd tells a clean end of stream from one cut inside a frame", () => {
  const frame = exampleFrame(protocolExample("SystemStatus normal from the PBX"));
  const r = new FrameReassembler();
  reassemble([frame], r);
  assert.equal(r.checkEnd(), null);
  reassemble([frame.subarray(0, 4)], r);
  const err = r.checkEnd();
  assert.ok(err instanceof CstaDecodeError);
  assert.equal(err.offset, frame.length);
  assert.match(err.reason, /4 bytes of it received/);
});

Deno.test("any split of a concatenation of frames yields the same frames (property)", () => {
  const apdu = fc.uint8Array({ minLength: 1, maxLength: 400 });
  fc.assert(
    fc.property(
      fc.array(apdu, { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (apdus, cutSeeds) => {
        const stream = concat(apdus.map((a) => encodeFrame(a)));
        const cuts = [...new Set(cutSeeds.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y);
        const chunks: Uint8Array[] = [];
        let from = 0;
        for (const cut of [...cuts, stream.length]) {
          chunks.push(stream.subarray(from, cut));
          from = cut;
        }
        const r = new FrameReassembler();
        const frames = reassemble(chunks, r);
        assert.deepEqual(frames, apdus);
        assert.equal(r.pendingBytes, 0);
        assert.equal(r.streamOffset, stream.length);
      },
    ),
    { numRuns: 300 },
  );
});
