// A bare CSTA peer over a real socket for tests: sends frames, collects decoded APDUs. It deliberately
// does no protocol work of its own, so tests see exactly what cstabox sends.

import { type Apdu, decodeApdu } from "../../src/csta/apdu.ts";
import { encodeFrame, FrameReassembler } from "../../src/csta/framing.ts";

export class RawCstaPeer {
  received: Uint8Array[] = [];
  closed = false;
  #paused?: PromiseWithResolvers<void>;
  #waiters: (() => void)[] = [];
  #reading: Promise<void>;

  constructor(readonly conn: Deno.Conn) {
    this.#reading = this.#read();
  }

  static async connect(port: number, tls?: { caCerts: string[] }): Promise<RawCstaPeer> {
    const conn = tls
      ? await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: tls.caCerts })
      : await Deno.connect({ hostname: "127.0.0.1", port });
    return new RawCstaPeer(conn);
  }

  async send(apdu: Uint8Array): Promise<void> {
    await writeAll(this.conn, encodeFrame(apdu));
  }

  async sendBytes(bytes: Uint8Array): Promise<void> {
    await writeAll(this.conn, bytes);
  }

  /** Waits until `count` APDUs have arrived in total (or the peer closed), bounded by `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 5000): Promise<Uint8Array[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count && !this.closed) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`expected ${count} APDUs, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(0, count);
  }

  /** Resolves when the other side has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > until) throw new Error("the connection stayed open");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  decoded(): Apdu[] {
    return this.received.map((apdu) => decodeApdu(apdu));
  }

  /** Stops reading from the socket (the peer's data piles up in kernel buffers, then at the sender). */
  stopReading(): void {
    this.#paused ??= Promise.withResolvers<void>();
  }

  close(): void {
    this.#paused?.resolve();
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async #read(): Promise<void> {
    const reassembler = new FrameReassembler();
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        if (this.#paused) {
          await this.#paused.promise;
          break;
        }
        const n = await this.conn.read(buffer);
        if (n === null) break;
        reassembler.push(buffer.subarray(0, n), (apdu) => this.received.push(apdu.slice()));
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } catch {
      // reset by the server: counts as closed
    }
    this.closed = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Hex text to bytes; spaces ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Bytes to spaced upper-case hex, for readable assertion failures. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
}
