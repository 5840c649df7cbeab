import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { Logger } from "../../../src/log/logger.ts";
import { backoffDelay, DEFAULT_BACKOFF } from "../../../src/net/backoff.ts";
import { PushClient, type PushSource } from "../../../src/smdr/push_client.ts";

/** A connection whose peer is the test: it sees every write and can end the connection. */
class FakeConn {
  received = "";
  closed = false;
  #reads: PromiseWithResolvers<number | null>[] = [];
  write(bytes: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Deno.errors.BrokenPipe("closed"));
    this.received += new TextDecoder().decode(bytes);
    return Promise.resolve(bytes.length);
  }
  read(_buffer: Uint8Array): Promise<number | null> {
    const read = Promise.withResolvers<number | null>();
    if (this.closed) read.resolve(null);
    else this.#reads.push(read);
    return read.promise;
  }
  /** The collector closes its end. */
  hangUp(): void {
    for (const read of this.#reads.splice(0)) read.resolve(null);
  }
  close(): void {
    this.closed = true;
    this.hangUp();
  }
  lines(): string[] {
    return this.received.split("\r\n").filter((l) => l !== "");
  }
}

/** An in-memory outbox with the push cursor and read position. */
class MemorySource implements PushSource {
  records: { position: number; record: string }[] = [];
  cursor = 0;
  read = 0;
  add(count: number): void {
    for (let i = 0; i < count; i++) {
      const position = this.records.length + 1;
      this.records.push({ position, record: `r${position}` });
    }
  }
  after(position: number, limit: number) {
    return this.records.filter((r) => r.position > position).slice(0, limit);
  }
  pushCursor() {
    return this.cursor;
  }
  acknowledge(position: number) {
    if (position <= this.cursor) return false;
    this.cursor = position;
    return true;
  }
  backlog() {
    return this.records.length - this.cursor;
  }
  readPosition() {
    return Math.min(this.read, this.cursor);
  }
  markRead(position: number) {
    if (position <= this.read) return false;
    this.read = position;
    this.cursor = Math.max(this.cursor, position);
    return true;
  }
}

const quiet = () => new Logger("test", { sink: () => {} });
const turn = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

function setup(connect: (host: string, port: number) => Promise<Deno.Conn>, replayBytes?: number) {
  const clock = new ManualClock();
  const source = new MemorySource();
  const client = new PushClient({
    host: "collector.example",
    port: 9000,
    source,
    log: quiet(),
    clock,
    random: () => 0.5,
    settleMs: 1000,
    replayBytes,
    batchRecords: 3,
    connect,
  });
  return { clock, source, client };
}

/** A client whose every connection succeeds; the connections are kept, in order. */
function setupCollecting(replayBytes: number) {
  const conns: FakeConn[] = [];
  const rig = setup(() => {
    const conn = new FakeConn();
    conns.push(conn);
    return Promise.resolve(conn as unknown as Deno.Conn);
  }, replayBytes);
  return { conns, ...rig };
}

Deno.test("push: the backlog goes out in order, then live records, and is acknowledged after the settle time", async () => {
  const conn = new FakeConn();
  const { clock, source, client } = setup(() => Promise.resolve(conn as unknown as Deno.Conn));
  source.add(7);
  client.start();
  await turn(20);
  assert.deepEqual(conn.lines(), ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
  assert.equal(client.status().state, "connected");
  assert.equal(source.cursor, 0, "written is not yet delivered");
  clock.advance(1000);
  assert.equal(source.cursor, 7);
  source.add(2);
  client.wake();
  await turn();
  assert.deepEqual(conn.lines().slice(7), ["r8", "r9"]);
  clock.advance(999);
  assert.equal(source.cursor, 7);
  clock.advance(1);
  assert.equal(source.cursor, 9);
  const stopped = client.stop();
  await stopped;
  assert.equal(conn.closed, true);
});

Deno.test("push: records written just before the collector hangs up are not acknowledged and are sent again", async () => {
  // Buffers of 8 bytes: "r1\r\nr2\r\n" counts as read once "r3\r\nr4\r\n" followed it.
  const { conns, clock, source, client } = setupCollecting(8);
  source.add(2);
  client.start();
  await turn();
  clock.advance(1000);
  assert.equal(source.cursor, 2);
  source.add(2);
  client.wake();
  await turn();
  conns[0].hangUp();
  await turn();
  assert.equal(client.status().state, "disconnected");
  assert.equal(client.status().lastError, "closed by the collector");
  clock.advance(1000);
  assert.equal(source.cursor, 2, "r3 and r4 were not settled when the connection ended");
  clock.advance(DEFAULT_BACKOFF.minMs);
  await turn();
  assert.equal(conns.length, 2);
  assert.deepEqual(conns[0].lines(), ["r1", "r2", "r3", "r4"]);
  assert.deepEqual(
    conns[1].lines(),
    ["r3", "r4"],
    "the new connection repeats the unsettled tail, never skips",
  );
  const stopped = client.stop();
  clock.advance(1000);
  await stopped;
  assert.equal(source.cursor, 4);
});

Deno.test("push: what was acknowledged but never shown read (less than the buffers followed it) is sent again first", async () => {
  const { conns, clock, source, client } = setupCollecting(12);
  source.add(4);
  client.start();
  await turn();
  clock.advance(1000);
  assert.equal(source.cursor, 4, "r1..r4 were delivered: written, and the connection stayed healthy");
  assert.equal(source.read, 0, "16 bytes written, so only r1 (4 bytes) and what the 12 bytes behind it hold");
  source.add(2);
  client.wake();
  await turn();
  assert.equal(source.read, 3, "12 bytes followed r1..r3 once r5 and r6 were written");
  clock.advance(1000);
  assert.equal(source.cursor, 6);
  conns[0].hangUp();
  await turn();
  clock.advance(DEFAULT_BACKOFF.minMs);
  await turn();
  assert.deepEqual(conns[1].lines(), ["r4", "r5", "r6"], "the unread tail again, nothing before it");
  assert.equal(client.status().replayedOnConnection, 3);
  const stopped = client.stop();
  clock.advance(1000);
  await stopped;
});

Deno.test("push: failed attempts back off with the jittered doubling delays and say why", async () => {
  let attempts = 0;
  const conn = new FakeConn();
  const { clock, source, client } = setup(() => {
    attempts++;
    return attempts <= 4
      ? Promise.reject(new Deno.errors.ConnectionRefused("Connection refused (os error 111)"))
      : Promise.resolve(conn as unknown as Deno.Conn);
  });
  source.add(1);
  client.start();
  for (let failed = 1; failed <= 4; failed++) {
    await turn();
    const status = client.status();
    assert.equal(status.state, "disconnected");
    assert.equal(status.attempts, failed);
    assert.match(status.lastError!, /Connection refused/);
    const expected = backoffDelay(failed - 1, DEFAULT_BACKOFF, () => 0.5);
    assert.equal(status.retryInMs, expected);
    clock.advance(expected - 1);
    await turn();
    assert.equal(attempts, failed, "no attempt before the delay is over");
    clock.advance(1);
  }
  await turn();
  assert.equal(client.status().state, "connected");
  assert.equal(client.status().attempts, 0);
  assert.deepEqual(conn.lines(), ["r1"]);
  const stopped = client.stop();
  clock.advance(1000);
  await stopped;
});

Deno.test("push: stop gives written records their settle time so they count as delivered", async () => {
  const conn = new FakeConn();
  const { clock, source, client } = setup(() => Promise.resolve(conn as unknown as Deno.Conn));
  source.add(3);
  client.start();
  await turn();
  let done = false;
  const stopped = client.stop().then(() => (done = true));
  await turn();
  assert.equal(done, false);
  clock.advance(1000);
  await stopped;
  assert.equal(source.cursor, 3);
  assert.equal(conn.closed, true);
});

Deno.test("push: a connect attempt that hangs is given up after the connect timeout", async () => {
  const { clock, client } = setup(() => new Promise<Deno.Conn>(() => {}));
  client.start();
  await turn();
  assert.equal(client.status().state, "connecting");
  clock.advance(10_000);
  await turn();
  assert.equal(client.status().state, "disconnected");
  assert.match(client.status().lastError!, /no answer within 10 s/);
  await client.stop();
});

Deno.test("push: stop abandons a connect attempt in progress instead of waiting for its timeout", async () => {
  const { client } = setup(() => new Promise<Deno.Conn>(() => {}));
  client.start();
  await turn();
  assert.equal(client.status().state, "connecting");
  await client.stop(); // the manual clock never moves: only abandoning the attempt lets this return
  assert.equal(client.status().state, "disconnected");
});
