// The group commit: writes made within the interval share one commit, and what follows a write runs only
// once it is committed, in the order the writes were made.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { GroupCommit } from "../../../src/store/group_commit.ts";
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
