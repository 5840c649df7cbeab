// The Switchboard with no socket: a PBX stand-in that records requests and lets a test answer them, an
// application port that records deliveries, and the APDUs the Switchboard tests send.

import assert from "node:assert/strict";
import type { ManualClock } from "../../../src/clock.ts";
import { constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import {
  encodeInvoke,
  encodeReturnError,
  encodeReturnResult,
  NO_DATA,
  type RoseApdu,
} from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import type { SeatPool } from "../../../src/licensing/seat_pool.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { RequestOptions, Upstream, UpstreamOutcome } from "../../../src/pbx/upstream.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import type { CloseCause, Session, SessionPort } from "../../../src/switchboard/session.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";

export const hex = (text: string) =>
  Uint8Array.from(text.replace(/\s+/g, "").match(/../g)!, (b) => parseInt(b, 16));

/** A PBX stand-in: records what the Switchboard sends and lets the test answer. */
export class FakePbx implements Upstream {
  ready = true;
  requests: { apdu: Uint8Array; resolve: (o: UpstreamOutcome) => void; options?: RequestOptions }[] = [];
  sent: Uint8Array[] = [];
  #nextId = 100;
  request(invoke: Uint8Array, options?: RequestOptions): Promise<UpstreamOutcome> {
    if (!this.ready) return Promise.resolve({ kind: "linkDown" });
    return new Promise((resolve) => this.requests.push({ apdu: invoke, resolve, options }));
  }
  send(apdu: Uint8Array): boolean {
    this.sent.push(apdu);
    return true;
  }
  /** Answers the oldest open request with a ReturnResult built from `value` (or noData). */
  answer(index: number, value?: Uint8Array): void {
    const request = this.requests[index];
    const opcode = (peekApdu(request.apdu) as { opcode: number }).opcode;
    const id = this.#nextId++;
    const apdu = encodeReturnResult(id, { opcode, value: value ?? NO_DATA });
    // As the link does: the answer handler runs when the frame is read, the promise settles later.
    request.options?.onAnswer?.(apdu, peekApdu(apdu) as ApduPeek);
    request.resolve({ kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek });
  }
  /** Answers an open request with ReturnError operation/generic, as a PBX refusing it. */
  refuse(index: number): void {
    const request = this.requests[index];
    const apdu = encodeReturnError(this.#nextId++, { kind: "operation", value: "generic" });
    request.options?.onAnswer?.(apdu, peekApdu(apdu) as ApduPeek);
    request.resolve({ kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek });
  }
  /** Lets an open request time out, then answers it late with a ReturnResult built from `value`. */
  async answerLate(index: number, value: Uint8Array): Promise<void> {
    const request = this.requests[index];
    request.resolve({ kind: "timeout" });
    await flush();
    const opcode = (peekApdu(request.apdu) as { opcode: number }).opcode;
    const apdu = encodeReturnResult(this.#nextId++, { opcode, value });
    request.options?.onLateAnswer?.(apdu, peekApdu(apdu) as ApduPeek);
  }
  opcodes(): number[] {
    return this.requests.map((r) => (peekApdu(r.apdu) as { opcode: number }).opcode);
  }
}

export class FakePort implements SessionPort {
  delivered: Uint8Array[] = [];
  closedWith?: string;
  closeCause?: CloseCause;
  deliver(apdu: Uint8Array): void {
    this.delivered.push(apdu);
  }
  /** The fan-out starts a write once an application's copies of a read are in; a test replaces it to watch. */
  startWrite(): void {}
  close(reason: string, cause?: CloseCause): void {
    this.closedWith = reason;
    this.closeCause = cause;
  }
  queuedBytes(): number {
    return 0;
  }
  decoded(): RoseApdu[] {
    return this.delivered.map((d) => decodeApdu(d) as RoseApdu);
  }
  take() {
    const out = this.decoded();
    this.delivered = [];
    return out;
  }
}

/** Hands the board the frames of one PBX read, as the link does: each frame, then the end of the frames. */
export function pbxRead(board: Switchboard, ...apdus: Uint8Array[]): void {
  for (const apdu of apdus) board.fromPbx(apdu, peekApdu(apdu) as ApduPeek);
  board.pbxFramesEnd();
}

export const flush = () => new Promise((r) => setTimeout(r, 0));

export function setup(options: { seats?: SeatPool; directory?: DeviceDirectory; clock?: ManualClock } = {}) {
  const pbx = new FakePbx();
  const logged: string[] = [];
  const board = new Switchboard({
    upstream: pbx,
    log: new Logger("test", { sink: (line) => logged.push(line) }),
    directory: options.directory ?? new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 1000,
      requestsInFlightPerApplication: 4,
      malformedFramesBeforeClose: 5,
    }),
    seats: options.seats,
    clock: options.clock,
    // Retries 1 s, doubling to 4 s, at the top of each jitter range.
    monitorRetry: () => ({ minMs: 1_000, maxMs: 4_000 }),
    random: () => 0.999,
  });
  /** An application on a socket, or (`internal`) one of the appliance's own consumers. */
  const connect = (name: string, transport: "tcp" | "internal" = "tcp") => {
    const port = new FakePort();
    const session = board.attach(
      { transport, remote: name, seatKind: transport === "internal" ? "call-tracking" : "application" },
      port,
    ) as Session;
    return { session, port, send: (apdu: Uint8Array) => board.fromApplication(session, apdu) };
  };
  const warnings = () => logged.filter((line) => line.includes(`"level":"warn"`));
  /** Lines an administrator sees at the default level (info and above). */
  const shown = () => logged.filter((line) => !line.includes(`"level":"debug"`));
  return { pbx, board, connect, warnings, shown };
}

export const deviceByNumber = (digits: string) =>
  constructed(0x30, [tlv(0x80, new TextEncoder().encode(digits))]);
export const deviceByDeviceNumber = (n: number) =>
  constructed(0x30, [tlv(0x81, Uint8Array.of(n >> 8, n & 0xff))]);
export const monitorStart = (id: number, device: Uint8Array, filter?: Uint8Array) =>
  encodeInvoke(id, Opcode.monitorStart, constructed(0x30, filter ? [device, filter] : [device]));
export const monitorStop = (id: number, xref: Uint8Array) =>
  encodeInvoke(id, Opcode.monitorStop, constructed(0x30, [tlv(0x55, xref)]));
export const pbxXrefResult = (xref: Uint8Array) => constructed(0x30, [tlv(0x55, xref)]);

/** §14.6: Delivered at 201 under PBX crossRef 00000001, with a KME-style trailing private element. */
export const delivered = (invokeId: number, xref: Uint8Array) =>
  encodeInvoke(
    invokeId,
    Opcode.cSTAEventReport,
    constructed(0x30, [
      tlv(0x55, xref),
      hex(
        "A0 3F A4 3D 6B 0F 30 0D 80 02 00 11 A1 07 30 05 80 03 32 30 31 63 07 30 05 80 03 32 30 31 61 0E 30 0C 80 0A 30 33 30 31 32 33 34 35 36 37 62 07 30 05 80 03 32 30 31 64 02 87 00 4E 01 02 0A 01 16",
      ),
    ]),
  );

export function crossRefOf(answer: ReturnType<typeof decodeApdu>): Uint8Array {
  assert.equal(answer.kind, "returnResult");
  const value = (answer as { result?: { value?: { bytes: Uint8Array } } }).result!.value!.bytes;
  const peek = peekApdu(encodeReturnResult(1, { opcode: Opcode.monitorStart, value }));
  return (peek as { crossRef: { id: Uint8Array } }).crossRef.id.slice();
}
