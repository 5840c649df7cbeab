// Tests of FrameTemplate: every copy is byte for byte what the one-off rewriter makes for the same invoke ID
// and crossRef, written in place without touching the bytes around it.

import assert from "node:assert/strict";
import fc from "fast-check";
import { CstaDecodeError } from "../../../src/csta/decode_error.ts";
import { FrameTemplate } from "../../../src/csta/frame_template.ts";
import { rewriteApdu } from "../../../src/csta/rewrite.ts";
import { integerOctetCount } from "../../../src/csta/tlv.ts";
import { exampleApdu, hexBytes, protocolExample } from "../../fixtures/protocol_examples.ts";
import { anyEvent, buildEvent } from "./rose_builder.ts";

const delivered = () => exampleApdu(protocolExample("EventReport Delivered"));
const sessionInvokeId = fc.integer({ min: 1, max: 32767 });
const fourOctets = fc.uint8Array({ minLength: 4, maxLength: 4 });

Deno.test("a template copy of the §14.6 event equals the framed rewrite for one- and two-octet invoke IDs", () => {
  const crossRef = hexBytes("00 00 01 2C");
  for (const invokeId of [1, 127, 128, 32767]) {
    const template = FrameTemplate.build(delivered(), integerOctetCount(invokeId), 4);
    assert.deepEqual(
      template.address(invokeId, crossRef).toFrame(),
      rewriteApdu(delivered(), { invokeId, crossRef }, { framed: true }),
    );
  }
});

Deno.test("on random events, every copy from one template equals the framed rewrite with its own values (property)", () => {
  fc.assert(
    fc.property(
      anyEvent,
      fc.array(fc.tuple(sessionInvokeId, fourOctets), { minLength: 1, maxLength: 8 }),
      (spec, addresses) => {
        const apdu = buildEvent(spec);
        const templates = new Map<number, FrameTemplate>();
        for (const [invokeId, crossRef] of addresses) {
          const octets = integerOctetCount(invokeId);
          if (!templates.has(octets)) templates.set(octets, FrameTemplate.build(apdu, octets, 4));
          const copy = templates.get(octets)!.address(invokeId, crossRef).toFrame();
          assert.deepEqual(copy, rewriteApdu(apdu, { invokeId, crossRef }, { framed: true }));
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("copyInto writes the frame at its offset and leaves the bytes around it alone", () => {
  const template = FrameTemplate.build(delivered(), 1, 4).address(9, hexBytes("01 02 03 04"));
  const target = new Uint8Array(template.length + 20).fill(0xee);
  template.copyInto(target, 10);
  assert.deepEqual(target.subarray(10, 10 + template.length), template.toFrame());
  assert.ok(target.subarray(0, 10).every((b) => b === 0xee));
  assert.ok(target.subarray(10 + template.length).every((b) => b === 0xee));
});

Deno.test("address refuses an invoke ID or crossRef of another size than the template reserved", () => {
  const template = FrameTemplate.build(delivered(), 1, 4);
  assert.throws(() => template.address(200, hexBytes("01 02 03 04")), RangeError);
  assert.throws(() => template.address(5, hexBytes("01 02 03")), RangeError);
  assert.throws(() => FrameTemplate.build(delivered(), 5, 4), RangeError);
});

Deno.test("an APDU without a crossRef cannot be made a template", () => {
  const monitorStartInvoke = exampleApdu(protocolExample("MonitorStart device 101 with empty filter"));
  assert.throws(() => FrameTemplate.build(monitorStartInvoke, 1, 4), CstaDecodeError);
});
