// The group commit: writes made within the interval share one commit, and what follows a write runs only
// once it is committed, in the order the writes were made.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { GroupCommit } from "../../../src/store/group_commit.ts";
import { Logger } from "../../../src/log/logger.ts";
import { openTempDatabase, type TempDatabase } from "../../support/temp_database.ts";
import { quietLog } from "../../support/webhook_rig.ts";

/** The failure callback of a write that must not fail. */
const unexpected = (error: unknown) => assert.fail(`the write failed: ${error}`);

function rig(temp: TempDatabase, intervalMs: number) {
  temp.db.exec("CREATE TABLE t (v TEXT UNIQUE)");
  const clock = new ManualClock();
  const group = new GroupCommit({ db: () => temp.db, intervalMs: () => intervalMs, clock, log: quietLog() });
  const reader = temp.another()();
  /** What another connection sees: only what is committed. */
  const committed = () =>
    (reader.prepare("SELECT v FROM t ORDER BY rowid").all() as { v: string }[]).map((r) => r.v);
  const insert = (v: string) => () =>
    Number(temp.db.prepare("INSERT INTO t (v) VALUES (?)").run(v).lastInsertRowid);
  return { clock, group, committed, insert };
}

Deno.test("writes made within the interval commit together, and each follow-up runs after the commit, in order", async () => {
  const temp = await openTempDatabase();
  try {
    const { clock, group, committed, insert } = rig(temp, 20);
    const followed: { v: string; row: number; visible: string[] }[] = [];
    for (const v of ["a", "b", "c"]) {
      group.write(insert(v), (row) => followed.push({ v, row, visible: committed() }), unexpected);
    }
    assert.equal(group.pending, 3);
    assert.deepEqual(committed(), [], "nothing is committed before the interval ends");
    assert.deepEqual(followed, [], "nothing follows a write before its commit");
    clock.advance(19);
    assert.deepEqual(followed, []);
    clock.advance(1);
    assert.equal(group.pending, 0);
    assert.deepEqual(followed, [
      { v: "a", row: 1, visible: ["a", "b", "c"] },
      { v: "b", row: 2, visible: ["a", "b", "c"] },
      { v: "c", row: 3, visible: ["a", "b", "c"] },
    ]);
    assert.equal(temp.db.isTransaction, false, "no transaction left open");
  } finally {
    await temp.close();
  }
});

Deno.test("a write that throws is undone alone and told so; the others of its commit are kept", async () => {
  const temp = await openTempDatabase();
  try {
    const { clock, group, committed, insert } = rig(temp, 20);
    const outcomes: string[] = [];
    group.write(insert("a"), () => outcomes.push("a committed"), () => outcomes.push("a failed"));
    group.write(
      () => {
        insert("half")();
        insert("a")(); // UNIQUE: the whole write goes, its first insert with it
      },
      () => outcomes.push("dup committed"),
      (error) => outcomes.push(`dup failed: ${(error as Error).message}`),
    );
    group.write(insert("b"), () => outcomes.push("b committed"), () => outcomes.push("b failed"));
    clock.advance(20);
    assert.deepEqual(committed(), ["a", "b"]);
    assert.equal(outcomes.length, 3);
    assert.equal(outcomes[0], "a committed");
    assert.match(outcomes[1], /^dup failed: UNIQUE constraint failed/);
    assert.equal(outcomes[2], "b committed");
  } finally {
    await temp.close();
  }
});

Deno.test("with an interval of 0 each write is committed and followed as it is made", async () => {
  const temp = await openTempDatabase();
  try {
    const { clock, group, committed, insert } = rig(temp, 0);
    const followed: string[][] = [];
    group.write(insert("a"), () => followed.push(committed()), unexpected);
    assert.deepEqual(followed, [["a"]]);
    group.write(insert("b"), () => followed.push(committed()), unexpected);
    assert.deepEqual(followed, [["a"], ["a", "b"]]);
    assert.equal(clock.pendingTimers, 0, "no timer for a commit made at once");
  } finally {
    await temp.close();
  }
});

Deno.test("flush commits what is queued at once (on stop), and a follow-up that throws does not stop the others", async () => {
  const temp = await openTempDatabase();
  try {
    const { clock, group, committed, insert } = rig(temp, 1000);
    const followed: string[] = [];
    group.write(insert("a"), () => {
      throw new Error("a listener fails");
    }, unexpected);
    group.write(insert("b"), () => followed.push("b"), unexpected);
    group.flush();
    assert.deepEqual(committed(), ["a", "b"]);
    assert.deepEqual(followed, ["b"]);
    assert.equal(clock.pendingTimers, 0, "the interval's timer is cleared");
  } finally {
    await temp.close();
  }
});

/** A flush of the log the test lets finish (or fail) when it says, counting the flushes asked for. */
function heldFlushes() {
  const waiting: PromiseWithResolvers<void>[] = [];
  return {
    waiting,
    syncLog: () => {
      const flush = Promise.withResolvers<void>();
      waiting.push(flush);
      return flush.promise;
    },
  };
}

Deno.test("with syncLog the commit does not wait for the disk, and its follow-ups wait for the flush, in commit order", async () => {
  const temp = await openTempDatabase();
  try {
    temp.db.exec("CREATE TABLE t (v TEXT UNIQUE)");
    const clock = new ManualClock();
    const flushes = heldFlushes();
    const group = new GroupCommit({
      db: () => temp.db,
      intervalMs: () => 20,
      clock,
      log: quietLog(),
      syncLog: flushes.syncLog,
    });
    const insert = (v: string) => () => temp.db.prepare("INSERT INTO t (v) VALUES (?)").run(v);
    const followed: string[] = [];
    group.write(insert("a"), () => followed.push("a"), unexpected);
    clock.advance(20);
    group.write(insert("b"), () => followed.push("b"), unexpected);
    clock.advance(20);
    assert.equal(flushes.waiting.length, 2, "one flush asked for per commit");
    const level = temp.db.prepare("PRAGMA synchronous").get() as { synchronous: number };
    assert.equal(level.synchronous, 2, "the connection keeps synchronous=FULL for everyone else");
    await Promise.resolve();
    assert.deepEqual(followed, [], "nothing follows a commit before its flush");
    flushes.waiting[1].resolve(); // the later flush ends first: its follow-ups still wait for the earlier
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(followed, []);
    flushes.waiting[0].resolve();
    const stopped = group.flush(); // nothing queued: resolves after every follow-up so far
    await stopped;
    assert.deepEqual(followed, ["a", "b"]);
  } finally {
    await temp.close();
  }
});

Deno.test("a flush that fails is logged once while it keeps failing, and the follow-ups still run", async () => {
  const temp = await openTempDatabase();
  try {
    temp.db.exec("CREATE TABLE t (v TEXT UNIQUE)");
    const clock = new ManualClock();
    const lines: string[] = [];
    let failing = true;
    const group = new GroupCommit({
      db: () => temp.db,
      intervalMs: () => 0,
      clock,
      log: new Logger("test", { sink: (line) => lines.push(JSON.stringify(line)) }),
      syncLog: () => failing ? Promise.reject(new Error("EIO: input/output error")) : Promise.resolve(),
    });
    const followed: string[] = [];
    for (const v of ["a", "b", "c"]) {
      group.write(
        () => temp.db.prepare("INSERT INTO t (v) VALUES (?)").run(v),
        () => followed.push(v),
        unexpected,
      );
    }
    await group.flush();
    assert.deepEqual(followed, ["a", "b", "c"], "the writes stand: they are committed");
    const errors = lines.filter((l) => l.includes("not flushed to the disk"));
    assert.equal(errors.length, 1, `one error line, not one per commit: ${lines.join("\n")}`);
    assert.match(errors[0], /EIO/);
    failing = false;
    group.write(
      () => temp.db.prepare("INSERT INTO t (v) VALUES (?)").run("d"),
      () => followed.push("d"),
      unexpected,
    );
    failing = true;
    group.write(
      () => temp.db.prepare("INSERT INTO t (v) VALUES (?)").run("e"),
      () => followed.push("e"),
      unexpected,
    );
    await group.flush();
    assert.equal(
      lines.filter((l) => l.includes("not flushed to the disk")).length,
      2,
      "failing again after a good flush is said again",
    );
  } finally {
    await temp.close();
  }
});
