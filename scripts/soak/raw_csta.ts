// The harness's own CSTA bytes: frames, the AARQ, MonitorStart and answers built by hand from PROTOCOL.md
// §14, and a minimal BER reader, so the product's codec (src/csta) never checks itself in the soak.

import { hex } from "../../test/support/raw_csta_peer.ts";

/** Prefixes an APDU with its 2-byte big-endian length (§1). */
export function frame(apdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(apdu.length + 2);
  out[0] = apdu.length >> 8;
  out[1] = apdu.length & 0xff;
  out.set(apdu, 2);
  return out;
}

/** A TLV with a definite length (short or long form). */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const length = contents.reduce((n, c) => n + c.length, 0);
  const header = length < 0x80
    ? [tag, length]
    : length < 0x100
    ? [tag, 0x81, length]
    : [tag, 0x82, length >> 8, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A BER INTEGER's content octets (two's complement, minimal). */
export function integer(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

const ascii = (text: string) => new TextEncoder().encode(text);

/** §14.1 AARQ, Panasonic form [C-pbx], framed. */
export const AARQ_FRAME: Uint8Array = hex(
  "00 25 60 23 80 02 07 80 A1 07 06 05 2B 0C 00 81 5A BE 14 28 12 06 07 2B 0C 00 82 1D 81 48 A0 07 A0 05 03 03 00 08 00",
);

/** ROSE Invoke (§14.5 layout): invoke ID, local opcode, argument. */
export function invoke(invokeId: number, opcode: number, argument: Uint8Array): Uint8Array {
  return tlv(0xa1, integer(invokeId), integer(opcode), argument);
}

/** MonitorStart (opcode 71) of a dialling number with no filter (§14.5), framed. */
export function monitorStartFrame(invokeId: number, device: string): Uint8Array {
  return frame(invoke(invokeId, 71, tlv(0x30, tlv(0x30, tlv(0x80, ascii(device))))));
}

/** RequestSystemStatus (opcode 210) with an empty argument, framed. */
export function requestSystemStatusFrame(invokeId: number): Uint8Array {
  return frame(invoke(invokeId, 210, tlv(0x30)));
}

/** The answer to a SystemStatus invoke (§14.4): ReturnResult { id, { 211, NULL } }, framed. */
export function systemStatusAnswerFrame(invokeIdContents: Uint8Array): Uint8Array {
  return frame(tlv(0xa2, tlv(0x02, invokeIdContents), tlv(0x30, integer(211), Uint8Array.of(0x05, 0x00))));
}

/** One element read from BER: tag, and where its contents lie in the buffer. */
export interface Element {
  tag: number;
  start: number;
  end: number;
}

/** Reads the element at `at`; undefined when the bytes are not a complete definite-length element. */
export function readElement(bytes: Uint8Array, at: number, limit = bytes.length): Element | undefined {
  if (at + 2 > limit) return undefined;
  const tag = bytes[at];
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[start + i];
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

/** The unsigned value of an INTEGER's contents. */
export function integerValue(bytes: Uint8Array, element: Element): number {
  let v = 0;
  for (let i = element.start; i < element.end; i++) v = v * 256 + bytes[i];
  return v;
}

/** Reassembles 2-byte-length frames from TCP reads; a zero length breaks the stream (returns false). */
export class Frames {
  #pending = new Uint8Array(0);

  push(chunk: Uint8Array, onApdu: (apdu: Uint8Array) => void): boolean {
    let bytes = chunk;
    if (this.#pending.length > 0) {
      bytes = new Uint8Array(this.#pending.length + chunk.length);
      bytes.set(this.#pending);
      bytes.set(chunk, this.#pending.length);
    }
    let at = 0;
    while (at + 2 <= bytes.length) {
      const length = (bytes[at] << 8) | bytes[at + 1];
      if (length === 0) return false;
      if (at + 2 + length > bytes.length) break;
      onApdu(bytes.slice(at + 2, at + 2 + length));
      at += 2 + length;
    }
    this.#pending = bytes.slice(at);
    return true;
  }
}

/** Writes all of `bytes` (a socket write may take part). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}
