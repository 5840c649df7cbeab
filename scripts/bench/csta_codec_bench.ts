// Suite csta_codec: frames per second of the hot path (peek, invoke-ID and crossRef rewrites, framing)
// against asn1js.fromBER of the same §14.6 Delivered event, all measured side by side in one run.

import * as asn1js from "asn1js";
import { decodeApdu } from "../../src/csta/apdu.ts";
import { CstaDecodeError } from "../../src/csta/decode_error.ts";
import { decodeEventReport } from "../../src/csta/event_report.ts";
import { encodeFrame, FrameReassembler } from "../../src/csta/framing.ts";
import { peekApdu } from "../../src/csta/peek.ts";
import { replaceCrossRefId, replaceInvokeId, rewriteApdu } from "../../src/csta/rewrite.ts";
import { exampleApdu, exampleFrame, protocolExample } from "../../test/fixtures/protocol_examples.ts";
import { FULL_RUN, measureRate, QUICK_RUN } from "./measure.ts";
import type { BenchReport } from "./report.ts";

const SUITE = "csta_codec";

/** One thing measured on the event; the rate is reported per frame. */
export interface CodecCase {
  name: string;
  /** The case every other one is divided by; exactly one case has it. */
  baseline?: boolean;
  /** Frames one call handles (1 unless the case works on a chunk of several). */
  framesPerCall?: number;
  run: () => unknown;
}

/** The §14.6 Delivered EventReport (81 bytes): the APDU every case works on. */
const EVENT = exampleApdu(protocolExample("EventReport Delivered"));
const EVENT_FRAME = exampleFrame(protocolExample("EventReport Delivered"));
const CHUNK_FRAMES = 10;
const CHUNK = new Uint8Array(EVENT_FRAME.length * CHUNK_FRAMES);
for (let i = 0; i < CHUNK_FRAMES; i++) CHUNK.set(EVENT_FRAME, i * EVENT_FRAME.length);
const CROSS_REF = Uint8Array.of(0x00, 0x00, 0x01, 0x2c);

let nextId = 0;
/** IDs 1..127 so the invoke ID keeps its size, as in most forwarding. */
const sameSizeId = () => (nextId++ & 0x7f) + 1;

/**
 * The cases, in report order. Add a case here to measure it against the same baseline; the typed
 * decoders (ACSE/ROSE/events) belong here as "full typed decode" of the same event.
 */
export const CODEC_CASES: readonly CodecCase[] = [
  { name: "asn1js.fromBER (baseline)", baseline: true, run: () => asn1js.fromBER(EVENT) },
  { name: "peekApdu", run: () => peekApdu(EVENT) },
  { name: "replaceInvokeId, same size", run: () => replaceInvokeId(EVENT, sameSizeId()) },
  { name: "replaceInvokeId, 1 -> 2 octets", run: () => replaceInvokeId(EVENT, 300 + (nextId++ & 0xff)) },
  { name: "replaceCrossRefId, 4 octets", run: () => replaceCrossRefId(EVENT, CROSS_REF) },
  {
    name: "forward to a subscriber: rewriteApdu (both, framed)",
    run: () => rewriteApdu(EVENT, { invokeId: sameSizeId(), crossRef: CROSS_REF }, { framed: true }),
  },
  {
    name: "forward to a subscriber: two rewrites + encodeFrame",
    run: () => encodeFrame(replaceCrossRefId(replaceInvokeId(EVENT, sameSizeId()), CROSS_REF)),
  },
  { name: "full typed decode of the Delivered EventReport", run: () => typedDelivered() },
  {
    name: `FrameReassembler, ${CHUNK_FRAMES} frames per read`,
    framesPerCall: CHUNK_FRAMES,
    run: () => {
      let frames = 0;
      new FrameReassembler().push(CHUNK, () => frames++);
      return frames;
    },
  },
];

/** decodeApdu then decodeEventReport: every field of the event as typed values (§14.6). */
function typedDelivered() {
  const apdu = decodeApdu(EVENT);
  return apdu.kind === "invoke" && apdu.argument ? decodeEventReport(apdu.argument) : undefined;
}

/** Proves each case does the real work on this event before it is timed (no error paths measured). */
function checkCasesWork(): void {
  const decoded = asn1js.fromBER(EVENT);
  if (decoded.offset !== EVENT.length) {
    throw new Error(`asn1js could not decode the event: ${decoded.result.error}`);
  }
  const peek = peekApdu(EVENT);
  if (peek instanceof CstaDecodeError || peek.kind !== "invoke" || peek.crossRef === null) {
    throw new Error(`peekApdu did not read the event: ${peek}`);
  }
  const typed = typedDelivered();
  if (typed?.event.kind !== "delivered" || typed.event.cause !== "newCall") {
    throw new Error(`typed decode did not read the Delivered event: ${JSON.stringify(typed?.event.kind)}`);
  }
  const forwarded = peekApdu(replaceCrossRefId(replaceInvokeId(EVENT, 300), CROSS_REF));
  if (forwarded instanceof CstaDecodeError || forwarded.kind !== "invoke" || forwarded.invokeId !== 300) {
    throw new Error(`rewritten event does not peek back: ${forwarded}`);
  }
}

/** Runs every case and reports frames/s with the ratio to asn1js.fromBER. */
export function run(report: BenchReport): Promise<void> {
  checkCasesWork();
  const options = report.quick ? QUICK_RUN : FULL_RUN;
  const rates = CODEC_CASES.map((c) => measureRate(c.run, options) * (c.framesPerCall ?? 1));
  const baseline = rates[CODEC_CASES.findIndex((c) => c.baseline)];
  CODEC_CASES.forEach((c, i) => {
    report.add({
      suite: SUITE,
      case: c.name,
      value: rates[i],
      unit: "frames/s",
      ratioToBaseline: rates[i] / baseline,
    });
  });
  const peekRatio = rates[CODEC_CASES.findIndex((c) => c.name === "peekApdu")] / baseline;
  report.check(
    SUITE,
    "peekApdu at least 100x faster than asn1js.fromBER",
    peekRatio >= 100,
    `${peekRatio.toFixed(0)}x, ${(1e6 / baseline).toFixed(2)} us vs ${
      (1e6 / (peekRatio * baseline)).toFixed(3)
    } us`,
  );
  return Promise.resolve();
}
