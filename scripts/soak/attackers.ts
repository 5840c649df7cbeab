// Hostile CSTA peers for the soak: each of a few connections sends a seeded stream of malformed and
// valid-but-wrong frames (raw bytes, built here), reconnecting whenever cstabox closes it.

import { seededRandom } from "../../src/sim/seeded_random.ts";
import { AARQ_FRAME, frame, integer, invoke, tlv, writeAll } from "./raw_csta.ts";

/** The kinds of hostile frame, each a way a broken or malicious application misbehaves. */
const HOSTILE: ((random: () => number) => Uint8Array)[] = [
  // Random bytes, correctly framed.
  (r) => frame(Uint8Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256))),
  // An Invoke whose length runs past its end (the simulator's MALFORMED_APDU shape).
  () => frame(Uint8Array.of(0xa1, 0x10, 0x02, 0x01, 0x07, 0x02, 0x01)),
  // An unknown APDU tag.
  (r) => frame(tlv(0xa9, integer(Math.floor(r() * 1000)))),
  // A ReturnResult, ReturnError and Reject for invokes never sent.
  (r) => frame(tlv(0xa2, integer(Math.floor(r() * 30000)), tlv(0x30, integer(71), tlv(0x30)))),
  (r) =>
    frame(
      tlv(0xa3, integer(Math.floor(r() * 30000)), integer(1), tlv(0xa0, Uint8Array.of(0x0a, 0x01, 0x01))),
    ),
  (r) => frame(tlv(0xa4, integer(Math.floor(r() * 30000)), Uint8Array.of(0x81, 0x01, 0x01))),
  // Operations only the switch sends (EventReport 21, CDR report 361).
  (r) => frame(invoke(Math.floor(r() * 30000), 21, tlv(0x30, tlv(0x55, Uint8Array.of(0, 0, 0, 1))))),
  (r) => frame(invoke(Math.floor(r() * 30000), 361, tlv(0x30))),
  // An Invoke with trailing bytes, and one with a deeply nested argument.
  (r) => frame(Uint8Array.of(...invoke(Math.floor(r() * 100), 210, tlv(0x30)), 0xff, 0xff)),
  () => frame(nested(60)),
  // A length octet claiming more length bytes than BER allows.
  () => frame(Uint8Array.of(0xa1, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
];

function nested(depth: number): Uint8Array {
  let inner: Uint8Array = tlv(0x05);
  for (let i = 0; i < depth; i++) inner = tlv(0x30, inner);
  return invoke(1, 210, inner);
}

/** One hostile connection's loop: associate, send frames in bursts, reconnect when closed. */
export class Attacker {
  sent = 0;
  reconnects = 0;
  #stop = false;

  constructor(readonly port: number, readonly seed: number) {}

  stop(): void {
    this.#stop = true;
  }

  /** Sends until `frames` are sent or `stop()`; bursts of `burst` frames, yielding between them. */
  async run(frames: number, burst = 50): Promise<void> {
    const random = seededRandom(this.seed);
    while (!this.#stop && this.sent < frames) {
      let conn: Deno.TcpConn;
      try {
        conn = await Deno.connect({ hostname: "127.0.0.1", port: this.port });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      // Drain whatever cstabox answers (Rejects, ABRT) so it is not stalled by us.
      const draining = (async () => {
        const buffer = new Uint8Array(16384);
        try {
          while ((await conn.read(buffer)) !== null);
        } catch {
          // reset
        }
      })();
      try {
        if (random() < 0.9) await writeAll(conn, AARQ_FRAME);
        while (!this.#stop && this.sent < frames) {
          const parts = Array.from(
            { length: burst },
            () => HOSTILE[Math.floor(random() * HOSTILE.length)](random),
          );
          const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            bytes.set(p, at);
            at += p.length;
          }
          await writeAll(conn, bytes);
          this.sent += burst;
          await new Promise((r) => setTimeout(r, 0));
        }
      } catch {
        // closed by cstabox (malformed frames in a row): reconnect
        this.reconnects++;
      }
      try {
        conn.close();
      } catch {
        // already closed
      }
      await draining;
    }
  }
}
