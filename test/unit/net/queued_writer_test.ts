import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { type ByteSink, QueuedWriter, type WriterFailure } from "../../../src/net/queued_writer.ts";

/** A sink whose writes complete only when the test says so. */
class ControlledSink implements ByteSink {
  writes: Uint8Array[] = [];
  #waiting: { bytes: Uint8Array; done: PromiseWithResolvers<number> }[] = [];
  write(bytes: Uint8Array): Promise<number> {
    const done = Promise.withResolvers<number>();
    this.#waiting.push({ bytes: bytes.slice(), done });
    return done.promise;
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
const bytes = (...values: number[]) => new Uint8Array(values);

Deno.test("frames queued in one turn leave as one write, in order", async () => {
  const sink = new ControlledSink();
  const writer = new QueuedWriter(sink, { maxQueuedBytes: 100, drainTimeoutMs: 1000, onFailure: () => {} });
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
  const writer = new QueuedWriter(sink, { maxQueuedBytes: 100, drainTimeoutMs: 1000, onFailure: () => {} });
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
  const sink = new ControlledSink();
  const failures: WriterFailure[] = [];
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 10,
    drainTimeoutMs: 1000,
    onFailure: (f) => failures.push(f),
  });
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
  const clock = new ManualClock();
  const sink = new ControlledSink();
  const failures: WriterFailure[] = [];
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 100,
    drainTimeoutMs: 30_000,
    onFailure: (f) => failures.push(f),
    clock,
  });
  writer.enqueue(bytes(1));
  await tick();
  clock.advance(29_999);
  assert.equal(failures.length, 0);
  clock.advance(1);
  assert.deepEqual(failures, [{ kind: "drainTimeout", stalledMs: 30_000 }]);
});

Deno.test("a rejected write is reported as a failure, never thrown", async () => {
  const sink = new ControlledSink();
  const failures: WriterFailure[] = [];
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 100,
    drainTimeoutMs: 1000,
    onFailure: (f) => failures.push(f),
  });
  writer.enqueue(bytes(1));
  await tick();
  sink.failNext(new Error("Broken pipe"));
  await writer.drained();
  assert.equal(failures[0].kind, "writeError");
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

Deno.test("small and large frames, queued across turns, come out byte for byte in order through the chunks", async () => {
  const sink = new ControlledSink();
  const writer = new QueuedWriter(sink, {
    maxQueuedBytes: 1 << 24,
    drainTimeoutMs: 1000,
    onFailure: () => {},
  });
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
  await tick();
  sink.completeAll();
  await writer.drained();
  const written = sink.writes.flatMap((w) => [...w]);
  assert.equal(written.length, expected.length);
  assert.deepEqual(written, expected);
  assert.equal(writer.queuedBytes, 0);
});
