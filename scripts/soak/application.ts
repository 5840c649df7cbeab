// A well-behaved CSTA application for the soak: one raw socket that associates, monitors devices, answers
// the heartbeat, and records every EventReport per device (body without the crossRef) with its arrival time.

import { concatBytes } from "../../src/csta/ber_writer.ts";
import {
  AARQ_FRAME,
  type Element,
  Frames,
  integerValue,
  monitorStartFrame,
  readElement,
  requestSystemStatusFrame,
  systemStatusAnswerFrame,
  writeAll,
} from "./raw_csta.ts";

export class SoakApplication {
  /** Per device: each EventReport's body (hex, after the crossRef), in arrival order. */
  readonly events = new Map<string, string[]>();
  /** performance.now() of the latest EventReport. */
  lastEventAt = 0;
  /** performance.now() of every EventReport (only kept while `timing` is on). */
  eventTimes: number[] = [];
  timing = false;
  /** The first EventReport at or after `mark()`'s time (0: none yet). */
  firstEventAfterMark = 0;
  #markedAt = Infinity;
  closed = false;
  closedAt = 0;
  /** SystemStatus values received, in order (2 normal, 4 disabled, 8 partiallyDisabled). */
  systemStatus: number[] = [];
  #crossRefToDevice = new Map<string, string>();
  #pendingStarts = new Map<number, string>();
  #answers = new Map<number, (apdu: Uint8Array) => void>();
  #nextInvoke = 1;
  #paused = false;
  #wakeAll: (() => void)[] = [];
  #associated = Promise.withResolvers<void>();

  private constructor(readonly conn: Deno.TcpConn) {
    void this.#read();
  }

  static async connect(port: number, timeoutMs = 30_000): Promise<SoakApplication> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const app = new SoakApplication(conn);
    await writeAll(conn, AARQ_FRAME);
    await withTimeout(app.#associated.promise, timeoutMs, "no AARE");
    return app;
  }

  /** Connects `count` applications, 25 at a time (a 2-core machine cannot take 1000 at once), each monitoring `devices`. */
  static async many(port: number, count: number, devices: string[]): Promise<SoakApplication[]> {
    const apps: SoakApplication[] = [];
    for (let i = 0; i < count; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, count - i) }, () => SoakApplication.connect(port)),
      );
      apps.push(...batch);
      await Promise.all(batch.map((app) => app.monitor(devices)));
    }
    return apps;
  }

  /** Starts a monitor on each device; resolves when every one is answered with a crossRef. */
  async monitor(devices: string[], timeoutMs = 60_000): Promise<void> {
    const starts = devices.map((device) => ({ invokeId: this.#nextInvoke++, device }));
    const answered = starts.map(({ invokeId, device }) => {
      this.#pendingStarts.set(invokeId, device);
      return new Promise<void>((resolve, reject) =>
        this.#answers.set(
          invokeId,
          (apdu) => apdu[0] === 0xa2 ? resolve() : reject(new Error(`MonitorStart ${device} refused`)),
        )
      );
    });
    await writeAll(this.conn, concatBytes(starts.map((s) => monitorStartFrame(s.invokeId, s.device))));
    await withTimeout(Promise.all(answered), timeoutMs, "MonitorStart unanswered");
  }

  /** Round trip of RequestSystemStatus (answered by cstabox), in ms. */
  async roundTrip(timeoutMs = 10_000): Promise<number> {
    const invokeId = this.#nextInvoke++;
    const answered = new Promise<void>((resolve) => this.#answers.set(invokeId, () => resolve()));
    const started = performance.now();
    await writeAll(this.conn, requestSystemStatusFrame(invokeId));
    await withTimeout(answered, timeoutMs, "RequestSystemStatus unanswered");
    return performance.now() - started;
  }

  /** Starts waiting for the next EventReport (the time from a PBX coming back to events here). */
  mark(at: number): void {
    this.#markedAt = at;
    this.firstEventAfterMark = 0;
  }

  /** Stops reading: cstabox's writes pile up in the kernel buffers, then in its queue. */
  stopReading(): void {
    this.#paused = true;
  }

  totalEvents(): number {
    let n = 0;
    for (const list of this.events.values()) n += list.length;
    return n;
  }

  close(): void {
    this.#paused = false;
    for (const wake of this.#wakeAll.splice(0)) wake();
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  async #read(): Promise<void> {
    const frames = new Frames();
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        if (this.#paused) await new Promise<void>((r) => this.#wakeAll.push(r));
        if (this.#paused) continue;
        const n = await this.conn.read(buffer);
        if (n === null) break;
        if (!frames.push(buffer.subarray(0, n), (apdu) => this.#onApdu(apdu))) break;
      }
    } catch {
      // reset by cstabox: counted as closed
    }
    this.closed = true;
    this.closedAt = performance.now();
    this.#associated.reject(new Error("closed before the AARE"));
    this.#associated.promise.catch(() => {});
  }

  #onApdu(apdu: Uint8Array): void {
    const outer = readElement(apdu, 0);
    if (!outer) return;
    if (outer.tag === 0x61) return this.#associated.resolve();
    const id = readElement(apdu, outer.start, outer.end);
    if (!id || id.tag !== 0x02) return;
    const invokeId = integerValue(apdu, id);
    if (outer.tag === 0xa1) return this.#onInvoke(apdu, outer, id);
    if (outer.tag === 0xa2 && this.#pendingStarts.has(invokeId)) {
      this.#onMonitorStarted(apdu, outer, id, invokeId);
    }
    this.#answers.get(invokeId)?.(apdu);
    this.#answers.delete(invokeId);
    this.#pendingStarts.delete(invokeId);
  }

  #onInvoke(apdu: Uint8Array, outer: Element, id: Element): void {
    const op = readElement(apdu, id.end, outer.end);
    if (!op || op.tag !== 0x02) return;
    const opcode = integerValue(apdu, op);
    const argument = readElement(apdu, op.end, outer.end);
    if (opcode === 211) {
      const value = argument && readElement(apdu, argument.start, argument.end);
      if (value?.tag === 0x0a) this.systemStatus.push(integerValue(apdu, value));
      void writeAll(this.conn, systemStatusAnswerFrame(apdu.slice(id.start, id.end))).catch(() => {});
      return;
    }
    if (opcode !== 21 || !argument) return;
    const crossRef = readElement(apdu, argument.start, argument.end);
    if (!crossRef || crossRef.tag !== 0x55) return;
    const device = this.#crossRefToDevice.get(apdu.subarray(crossRef.start, crossRef.end).toHex()) ?? "?";
    let list = this.events.get(device);
    if (!list) this.events.set(device, list = []);
    list.push(apdu.subarray(crossRef.end, argument.end).toHex());
    this.lastEventAt = performance.now();
    if (this.firstEventAfterMark === 0 && this.lastEventAt >= this.#markedAt) {
      this.firstEventAfterMark = this.lastEventAt;
    }
    if (this.timing) this.eventTimes.push(this.lastEventAt);
  }

  /** MonitorStart result: ReturnResult { id, { 71, { crossRef 55 … } } }. */
  #onMonitorStarted(apdu: Uint8Array, outer: Element, id: Element, invokeId: number): void {
    const result = readElement(apdu, id.end, outer.end);
    const op = result && readElement(apdu, result.start, result.end);
    const body = op && readElement(apdu, op.end, result.end);
    const crossRef = body && readElement(apdu, body.start, body.end);
    if (crossRef?.tag !== 0x55) return;
    this.#crossRefToDevice.set(
      apdu.subarray(crossRef.start, crossRef.end).toHex(),
      this.#pendingStarts.get(invokeId)!,
    );
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((
        _,
        reject,
      ) => (timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
