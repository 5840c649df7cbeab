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

/** An in-memory outbox with the push cursor. */
class MemorySource implements PushSource {
  records: { position: number; record: string }[] = [];
  cursor = 0;
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
}

const quiet = () => new Logger("test", { sink: () => {} });
const turn = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

function setup(connect: (host: string, port: number) => Promise<Deno.Conn>) {
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
    batchRecords: 3,
    connect,
  });
  return { clock, source, client };
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
  const conns: FakeConn[] = [];
  const { clock, source, client } = setup(() => {
    const conn = new FakeConn();
    conns.push(conn);
    return Promise.resolve(conn as unknown as Deno.Conn);
  });
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

Deno.test("push: stop gives written records their settle time so a restart does not repeat them", async () => {
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
