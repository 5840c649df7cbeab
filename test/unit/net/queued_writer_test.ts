import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { BufferPool } from "../../../src/net/buffer_pool.ts";
import { WriteWindow } from "../../../src/net/write_window.ts";
import {
  type ByteSink,
  MAX_WRITE_BYTES,
  QueuedWriter,
  type WriterFailure,
} from "../../../src/net/queued_writer.ts";

/** A sink whose writes complete only when the test says so. */
class ControlledSink implements ByteSink {
  writes: Uint8Array[] = [];
  #waiting: { bytes: Uint8Array; done: PromiseWithResolvers<number> }[] = [];
  write(bytes: Uint8Array): Promise<number> {
    const done = Promise.withResolvers<number>();
    this.#waiting.push({ bytes: bytes.slice(), done });
    return done.promise;
  }
  /** Writes begun, complete or not. */
  get started(): number {
    return this.writes.length + this.#waiting.length;
  }
  completeAll(): void {
    for (const w of this.#waiting.splice(0)) {
      this.writes.push(w.bytes);
      w.done.resolve(w.bytes.length);
    }
  }
  failNext(error: Error): void {
    this.#waiting.shift()?.done.reject(error);
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A writer with a 1 s drain timeout whose failures the test does not look at. */
const writerTo = (sink: ByteSink, maxQueuedBytes: number) =>
  new QueuedWriter(sink, { maxQueuedBytes, drainTimeoutMs: 1000, onFailure: () => {} });
const bytes = (...values: number[]) => new Uint8Array(values);

/** A writer that records its failures, on a sink and a clock the test drives. */
function watchedWriter(maxQueuedBytes: number, drainTimeoutMs = 1000) {
  const clock = new ManualClock();
  const sink = new ControlledSink();
  const failures: WriterFailure[] = [];
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes,
    drainTimeoutMs,
    onFailure: (f) => failures.push(f),
    clock,
  });
  return { writer, sink, clock, failures };
}

Deno.test("frames queued in one turn leave as one write, in order", async () => {
  const sink = new ControlledSink();
  const writer = writerTo(sink, 100);
  writer.enqueue(bytes(1, 2));
  writer.enqueue(bytes(3));
  writer.enqueue(bytes(4, 5));
  await tick();
  sink.completeAll();
  await writer.drained();
  assert.deepEqual(sink.writes, [bytes(1, 2, 3, 4, 5)]);
  assert.equal(writer.bytesWritten, 5);
});

Deno.test("frames queued while a write is in flight are joined into the next write", async () => {
  const sink = new ControlledSink();
  const writer = writerTo(sink, 100);
  writer.enqueue(bytes(1));
  await tick();
  writer.enqueue(bytes(2));
  writer.enqueue(bytes(3));
  sink.completeAll();
  await tick();
  sink.completeAll();
  await writer.drained();
  assert.deepEqual(sink.writes, [bytes(1), bytes(2, 3)]);
});

Deno.test("a peer that does not read is given up at the byte limit, once, and later frames are dropped", async () => {
  const { writer, failures } = watchedWriter(10);
  assert.equal(writer.enqueue(new Uint8Array(6)), true);
  await tick();
  assert.equal(writer.enqueue(new Uint8Array(4)), true);
  assert.equal(writer.enqueue(new Uint8Array(1)), false);
  assert.equal(writer.enqueue(new Uint8Array(1)), false);
  assert.equal(failures.length, 1);
  assert.deepEqual(failures[0], { kind: "queueFull", queuedBytes: 11, limit: 10 });
  assert.equal(writer.failed, true);
});

Deno.test("a write that stalls past the drain timeout gives the connection up", async () => {
  const { writer, clock, failures } = watchedWriter(100, 30_000);
  writer.enqueue(bytes(1));
  await tick();
  clock.advance(29_999);
  assert.equal(failures.length, 0);
  clock.advance(1);
  assert.deepEqual(failures, [{ kind: "drainTimeout", stalledMs: 30_000 }]);
});

Deno.test("a rejected write is reported as a failure, never thrown", async () => {
  const { writer, sink, failures } = watchedWriter(100);
  writer.enqueue(bytes(1));
  await tick();
  sink.failNext(new Error("Broken pipe"));
  await writer.drained();
  assert.equal(failures[0].kind, "writeError");
  assert.equal(writer.enqueue(bytes(2)), false);
});

Deno.test("a write the peer takes only part of continues from where it stopped, in order", async () => {
  const taken: number[][] = [];
  const sink: ByteSink = {
    write(chunk) {
      const n = Math.min(3, chunk.length); // a socket whose send buffer holds 3 bytes at a time
      taken.push([...chunk.subarray(0, n)]);
      return Promise.resolve(n);
    },
  };
  const writer = writerTo(sink, 100);
  writer.enqueue(bytes(1, 2, 3, 4, 5, 6, 7, 8));
  await writer.drained();
  assert.deepEqual(taken, [[1, 2, 3], [4, 5, 6], [7, 8]]);
  assert.equal(writer.bytesWritten, 8);
  assert.equal(writer.queuedBytes, 0);
});

Deno.test("a sink that throws instead of rejecting is reported as a failure, never thrown", async () => {
  const failures: WriterFailure[] = [];
  const sink: ByteSink = {
    write() {
      throw new Deno.errors.BadResource("the connection is closed");
    },
  };
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 100,
    drainTimeoutMs: 1000,
    onFailure: (f) => failures.push(f),
  });
  writer.enqueue(bytes(1));
  await writer.drained();
  assert.deepEqual(failures.map((f) => f.kind), ["writeError"]);
  assert.equal(writer.enqueue(bytes(2)), false);
});

Deno.test("over real TCP, a client that stops reading is cut off while another keeps receiving", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const reader = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const toReader = await listener.accept();
  const toStalled = await listener.accept();
  const failures: string[] = [];
  const options = (name: string) => ({
    maxQueuedBytes: 256 * 1024,
    drainTimeoutMs: 5_000,
    onFailure: (f: WriterFailure) => failures.push(`${name}:${f.kind}`),
  });
  const good = new QueuedWriter(toReader, options("reader"));
  const bad = new QueuedWriter(toStalled, options("stalled"));
  let received = 0;
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await reader.read(buf);
      if (n === null) break;
      received += n;
      if (received >= 200 * 4096) break;
    }
  })();
  const frame = new Uint8Array(4096);
  for (let i = 0; i < 200 && failures.length === 0; i++) {
    good.enqueue(frame);
    bad.enqueue(frame);
    await tick();
  }
  for (let i = 0; failures.length === 0 && i < 2000; i++) {
    bad.enqueue(frame);
    await tick();
  }
  await good.drained();
  await reading;
  assert.deepEqual(failures, ["stalled:queueFull"]);
  assert.equal(received, 200 * 4096);
  for (const c of [reader, stalled, toReader, toStalled]) c.close();
  listener.close();
});

Deno.test("small and large frames, queued across turns, come out byte for byte in order through the buffers", async () => {
  const sink = new ControlledSink();
  const writer = writerTo(sink, 1 << 24);
  const expected: number[] = [];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let turn = 0; turn < 20; turn++) {
    for (let i = 0; i < 50; i++) {
      // mostly event-sized frames, now and then one larger than half a chunk
      const size = random() < 0.05 ? 2049 + Math.floor(random() * 6000) : 1 + Math.floor(random() * 300);
      const frame = Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
      expected.push(...frame);
      writer.enqueue(frame);
    }
    await tick();
    sink.completeAll();
  }
  // A turn's bytes may take more than one write (at most MAX_WRITE_BYTES each): complete them all.
  for (let round = 0; round < 40 && writer.queuedBytes > 0; round++) {
    await tick();
    sink.completeAll();
  }
  await writer.drained();
  const written = sink.writes.flatMap((w) => [...w]);
  assert.equal(written.length, expected.length);
  assert.deepEqual(written, expected);
  assert.equal(writer.queuedBytes, 0);
});

/** A frame that writes itself: stands in for an event copy from a FrameTemplate. */
function selfWriting(values: number[]) {
  return {
    length: values.length,
    copyInto(target: Uint8Array, at: number) {
      target.set(values, at);
    },
  };
}

Deno.test("frames that write themselves in are joined with plain ones in order, large ones too", async () => {
  const sink = new ControlledSink();
  const writer = writerTo(sink, 1 << 20);
  const large = Array.from({ length: 3000 }, (_, i) => i & 0xff);
  writer.enqueue(bytes(1));
  writer.enqueueFrom(selfWriting([2, 3]));
  writer.enqueueFrom(selfWriting(large));
  writer.enqueue(bytes(4));
  await tick();
  sink.completeAll();
  await writer.drained();
  assert.deepEqual(sink.writes.flatMap((w) => [...w]), [1, 2, 3, ...large, 4]);
});

Deno.test("a self-writing frame past the byte limit gives the peer up like any other", () => {
  const { writer, failures } = watchedWriter(4);
  assert.equal(writer.enqueueFrom(selfWriting([1, 2, 3])), true);
  assert.equal(writer.enqueueFrom(selfWriting([4, 5])), false);
  assert.deepEqual(failures, [{ kind: "queueFull", queuedBytes: 5, limit: 4 }]);
});

/**
 * A sink that keeps the very buffers it is given and, when a write completes, checks that its bytes did not
 * change while it was in flight (a chunk reused too early would change them).
 */
class RetainingSink implements ByteSink {
  written: number[] = [];
  changedInFlight = 0;
  /** The buffer behind each write, in order. */
  buffers: ArrayBufferLike[] = [];
  #inFlight: { view: Uint8Array; copy: Uint8Array; done: PromiseWithResolvers<number> }[] = [];
  write(bytes: Uint8Array): Promise<number> {
    this.buffers.push(bytes.buffer);
    const done = Promise.withResolvers<number>();
    this.#inFlight.push({ view: bytes, copy: bytes.slice(), done });
    return done.promise;
  }
  completeAll(): void {
    for (const { view, copy, done } of this.#inFlight.splice(0)) {
      if (view.some((b, i) => b !== copy[i])) this.changedInFlight++;
      this.written.push(...copy);
      done.resolve(copy.length);
    }
  }
}

Deno.test("buffers are reused only after their write completed: bytes in flight never change", async () => {
  const sink = new RetainingSink();
  const writer = writerTo(sink, 1 << 20);
  const expected: number[] = [];
  for (let round = 0; round < 50; round++) {
    const first = new Uint8Array(100).fill(round);
    writer.enqueue(first);
    await tick(); // its write is now in flight
    const second = new Uint8Array(50).fill(100 + round); // queued while the first is being written
    writer.enqueue(second);
    expected.push(...first, ...second);
    sink.completeAll();
    await tick();
    sink.completeAll();
    await tick();
  }
  await writer.drained();
  assert.equal(sink.changedInFlight, 0);
  assert.deepEqual(sink.written, expected);
});

/** One round of a busy fan-out: `frames` event-sized frames queued in a turn, then written. */
async function writeRound(writer: QueuedWriter, sink: RetainingSink, frames: number, expected: number[]) {
  for (let i = 0; i < frames; i++) {
    const frame = new Uint8Array(150).fill(expected.length % 251);
    expected.push(...frame);
    writer.enqueue(frame);
  }
  await tick();
  sink.completeAll();
  await tick();
}

/** A writer with its own buffer pool, so a test sees every buffer it takes and gives back. */
function pooledWriter(sink: ByteSink, retainBytes = 1 << 20) {
  const buffers = new BufferPool({ retainBytes });
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 1 << 24,
    drainTimeoutMs: 1000,
    onFailure: () => {},
    buffers,
  });
  return { writer, buffers };
}

Deno.test("a busy peer is written from reused buffers: after warming up, no write allocates", async () => {
  const sink = new RetainingSink();
  const { writer, buffers } = pooledWriter(sink);
  const expected: number[] = [];
  for (let round = 0; round < 5; round++) await writeRound(writer, sink, 60, expected); // 9 KB a write
  const warm = buffers.stats().allocated;
  for (let round = 0; round < 50; round++) await writeRound(writer, sink, 60, expected);
  await writer.drained();
  assert.deepEqual(sink.written, expected);
  assert.equal(sink.changedInFlight, 0);
  assert.equal(buffers.stats().allocated, warm);
  assert.ok(buffers.stats().reused >= 50);
  const steady = sink.buffers.slice(5);
  assert.ok(new Set(steady).size <= 2, `${new Set(steady).size} buffers for ${steady.length} writes`);
});

Deno.test("one turn's frames leave in one write however many there are, up to 16 KB", async () => {
  const sink = new RetainingSink();
  const { writer } = pooledWriter(sink);
  const expected: number[] = [];
  for (const frames of [1, 20, 60, 100]) await writeRound(writer, sink, frames, expected); // up to 15 KB
  await writer.drained();
  assert.deepEqual(sink.written, expected);
  assert.equal(sink.buffers.length, 4);
});

Deno.test("a backlog beyond 16 KB goes out in writes of at most 16 KB, in order", async () => {
  const sink = new ControlledSink();
  const { writer } = pooledWriter(sink);
  const expected: number[] = [];
  for (let i = 0; i < 1500; i++) {
    const frame = new Uint8Array(150).fill(i % 251);
    expected.push(...frame);
    writer.enqueue(frame);
  }
  for (let round = 0; round < 40 && writer.queuedBytes > 0; round++) {
    await tick();
    sink.completeAll();
  }
  await writer.drained();
  assert.deepEqual(sink.writes.flatMap((w) => [...w]), expected);
  assert.ok(sink.writes.every((w) => w.length <= MAX_WRITE_BYTES));
  assert.equal(sink.writes.length, Math.ceil(expected.length / (Math.floor(MAX_WRITE_BYTES / 150) * 150)));
});

Deno.test("a closed writer gives its unsent buffers back at once, the one in flight once its write completes", async () => {
  const sink = new RetainingSink();
  const { writer, buffers } = pooledWriter(sink);
  writer.enqueue(new Uint8Array(100));
  await tick(); // in flight
  writer.enqueue(new Uint8Array(100)); // waiting in a second buffer
  writer.close();
  assert.equal(buffers.stats().retainedBytes, 1024, "only the unsent buffer is back");
  sink.completeAll();
  await tick();
  assert.equal(buffers.stats().retainedBytes, 2048);
});

Deno.test("a slow peer's writes that each complete in time never trip the drain timeout", async () => {
  const { writer, sink, clock, failures } = watchedWriter(100);
  for (let i = 0; i < 10; i++) {
    writer.enqueue(bytes(i));
    await tick();
    clock.advance(600); // each write takes 600 ms: slow, but under the 1 s timeout
    sink.completeAll();
    await tick();
  }
  assert.equal(failures.length, 0);
  // and a write that then stalls is still caught, within one more timeout
  writer.enqueue(bytes(99));
  await tick();
  clock.advance(1000);
  clock.advance(1000);
  assert.equal(failures[0]?.kind, "drainTimeout");
  writer.close();
});

Deno.test("the buffer of a write that failed is never reused: the sink may still hold it", async () => {
  const sink = new ControlledSink();
  const { writer, buffers } = pooledWriter(sink);
  writer.enqueue(bytes(1, 2, 3));
  await tick();
  sink.failNext(new Error("connection reset"));
  await tick();
  assert.equal(writer.failed, true);
  assert.equal(buffers.stats().retainedBytes, 0);
});

Deno.test("setting the wall clock forward does not cut off a writer whose write is in time", async () => {
  class WallClockSetForward extends ManualClock {
    offsetMs = 0;
    override now(): number {
      return super.now() + this.offsetMs;
    }
  }
  const clock = new WallClockSetForward();
  const sink = new ControlledSink();
  const failures: WriterFailure[] = [];
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 100,
    drainTimeoutMs: 1000,
    onFailure: (f) => failures.push(f),
    clock,
  });
  writer.enqueue(bytes(1));
  await tick();
  clock.advance(500);
  sink.completeAll();
  await tick();
  writer.enqueue(bytes(2)); // in flight from 500 ms
  await tick();
  clock.offsetMs = 3_600_000; // NTP sets the clock an hour forward
  clock.advance(500); // the stall watch looks: this write is 500 ms old, not an hour
  assert.deepEqual(failures, []);
  sink.completeAll();
  await writer.drained();
});

Deno.test("writeNow starts the write before the turn ends; what is queued while it is in flight follows in one write", async () => {
  const sink = new ControlledSink();
  const writer = writerTo(sink, 100);
  writer.enqueue(bytes(1, 2));
  writer.writeNow();
  assert.equal(sink.started, 1, "the write began at once");
  writer.enqueue(bytes(3));
  writer.enqueue(bytes(4));
  writer.writeNow();
  await tick();
  assert.equal(sink.started, 1, "one write at a time: the rest waits for the one in flight");
  sink.completeAll();
  await tick();
  sink.completeAll();
  await writer.drained();
  assert.deepEqual(sink.writes, [bytes(1, 2), bytes(3, 4)]);
});

Deno.test("writeNow leaves a write window's timing alone", async () => {
  const clock = new ManualClock();
  const sink = new ControlledSink();
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 100,
    drainTimeoutMs: 1000,
    onFailure: () => {},
    window: new WriteWindow(10, clock),
    clock,
  });
  writer.enqueue(bytes(1));
  writer.writeNow();
  await tick();
  assert.equal(sink.started, 0, "the window is still open");
  clock.advance(10);
  assert.equal(sink.started, 1);
  sink.completeAll();
  await writer.drained();
});
