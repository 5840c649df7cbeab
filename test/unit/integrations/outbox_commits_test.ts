// The integrations' outbox commits: none waits for the disk on the event loop; the log is flushed off it
// within the sync interval; a commit survives a kill -9 at once.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import {
  LaterWrite,
  OutboxCommits,
  type OutboxCommitsOptions,
} from "../../../src/integrations/outbox_commits.ts";
import { withSavepoint } from "../../../src/store/savepoint.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const FULL = 2;
const NORMAL = 1;

/** Flushes that the test finishes by hand: when each began (clock ms). */
function manualFlushes(clock: ManualClock) {
  const began: number[] = [];
  const pending: (() => void)[] = [];
  const syncLog = () => {
    began.push(clock.now());
    return new Promise<void>((resolve) => pending.push(resolve));
  };
  const finish = async () => {
    pending.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { began, syncLog, finish };
}

function commitsOn(
  db: OutboxCommitsOptions["db"],
  clock: ManualClock,
  syncLog: () => Promise<void>,
  interval = 1000,
  failed: unknown[] = [],
  laterMs = 100,
) {
  return new OutboxCommits({
    db,
    syncIntervalMs: () => interval,
    syncLog,
    onSyncFailed: (error) => failed.push(error),
    laterMs: () => laterMs,
    clock,
  });
}

Deno.test("no outbox commit waits for the disk; the log is flushed off the event loop at most once per interval", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    const clock = new ManualClock(0);
    const flushes = manualFlushes(clock);
    const commits = commitsOn(() => store.db, clock, flushes.syncLog);
    const level = () => (store.db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
    const seen: number[] = [];
    const write = () =>
      commits.commit(() => {
        store.db.prepare("INSERT INTO t VALUES ('x')").run();
        seen.push(level());
      });
    write();
    assert.deepEqual(flushes.began, [], "the flush is not run inside the commit");
    clock.advance(0);
    assert.deepEqual(flushes.began, [0], "the first commit after a quiet interval is flushed at once");
    clock.advance(400);
    write();
    clock.advance(599);
    write();
    await flushes.finish();
    assert.deepEqual(flushes.began, [0], "one flush per interval");
    assert.equal(commits.unsynced, 2);
    clock.advance(1);
    assert.deepEqual(flushes.began, [0, 1000], "the commits since are flushed when the interval ends");
    await flushes.finish();
    assert.equal(commits.unsynced, 0);
    clock.advance(5000);
    assert.deepEqual(flushes.began, [0, 1000], "nothing to flush, no flush");
    assert.deepEqual(seen, [NORMAL, NORMAL, NORMAL]);
    assert.equal(level(), FULL, "the connection's own level is back after each commit");
    // Inside a caller's transaction the caller's commit decides.
    withSavepoint(store.db, () => write());
    assert.equal(seen.at(-1), FULL);
    const zero = commitsOn(() => store.db, clock, flushes.syncLog, 0);
    zero.commit(() => seen.push(level()));
    assert.equal(seen.at(-1), FULL, "0: every commit waits for the disk itself");
  } finally {
    await store.close();
  }
});

Deno.test("a commit made while a flush is under way gets the next flush; a failed flush is reported, not thrown", async () => {
  const store = await openTempDatabase();
  try {
    const clock = new ManualClock(0);
    const flushes = manualFlushes(clock);
    const failed: unknown[] = [];
    let fail = false;
    const commits = commitsOn(
      () => store.db,
      clock,
      () => {
        if (fail) return Promise.reject(new Deno.errors.PermissionDenied("EIO"));
        return flushes.syncLog();
      },
      1000,
      failed,
    );
    commits.commit(() => {});
    clock.advance(0);
    commits.commit(() => {}); // during the flush begun at 0
    await flushes.finish();
    clock.advance(999);
    assert.deepEqual(flushes.began, [0]);
    fail = true;
    clock.advance(1);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(failed.length, 1);
    assert.equal(commits.unsynced, 0);
    commits.commit(() => {});
    commits.stop();
    clock.advance(5000);
    assert.equal(failed.length, 1, "no flush after stop (closing the store writes everything)");
  } finally {
    await store.close();
  }
});

Deno.test("a commit that did not wait for the disk survives a kill -9 of the process", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    store.db.close();
    const script = `
      import { openDatabase } from "${new URL("../../../src/store/database.ts", import.meta.url)}";
      import { OutboxCommits } from "${new URL(
      "../../../src/integrations/outbox_commits.ts",
      import.meta.url,
    )}";
      const db = openDatabase(${JSON.stringify(store.path)}, { exclusive: true });
      const commits = new OutboxCommits({
        db: () => db,
        syncIntervalMs: () => 3_600_000,
        syncLog: () => new Promise(() => {}),
        onSyncFailed: () => {},
        laterMs: () => 0,
      });
      for (let i = 0; i < 50; i++) commits.commit(() => db.prepare("INSERT INTO t VALUES (?)").run(String(i)));
      Deno.kill(Deno.pid, "SIGKILL");
    `;
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(child.signal, "SIGKILL", new TextDecoder().decode(child.stderr));
    const db = store.reopen();
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n, 50);
  } finally {
    await store.close();
  }
});

Deno.test("the outboxes' bookkeeping waits for the next commit of any outbox, at the latest the interval; one failing write is undone alone", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT NOT NULL)");
    const clock = new ManualClock(0);
    const flushes = manualFlushes(clock);
    const commits = commitsOn(() => store.db, clock, flushes.syncLog, 1_000_000, [], 100);
    const rows = () =>
      (store.db.prepare("SELECT v FROM t ORDER BY rowid").all() as { v: string }[]).map((r) => r.v);
    const insert = (v: string | null) => () => store.db.prepare("INSERT INTO t VALUES (?)").run(v);
    const errors: string[] = [];
    const onError = (who: string) => (error: unknown) => errors.push(`${who}: ${(error as Error).message}`);

    commits.later(insert("webhook attempts"), onError("webhooks"));
    commits.later(insert("mqtt acknowledgements"), onError("mqtt"));
    assert.deepEqual(rows(), [], "nothing is written before a commit");
    commits.commit(insert("a record"));
    assert.deepEqual(
      rows(),
      ["webhook attempts", "mqtt acknowledgements", "a record"],
      "one commit took all",
    );
    assert.equal(commits.unsynced, 1, "in one commit");

    commits.later(insert("more attempts"), onError("webhooks"));
    commits.later(insert(null), onError("mqtt")); // NOT NULL: this write fails
    clock.advance(99);
    assert.equal(rows().length, 3);
    clock.advance(1);
    assert.deepEqual(
      rows().slice(3),
      ["more attempts"],
      "at the latest the interval; the failed one alone undone",
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^mqtt: .*NOT NULL/);
    assert.equal(commits.unsynced, 2);

    commits.later(insert("at the stop"), onError("webhooks"));
    commits.stop();
    assert.equal(rows().at(-1), "at the stop", "the stop commits what waits");
  } finally {
    await store.close();
  }
});

Deno.test("a commit inside a caller's transaction takes the waiting work with it: none is left behind without a timer", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    const clock = new ManualClock(0);
    const commits = commitsOn(() => store.db, clock, manualFlushes(clock).syncLog, 1_000_000, [], 100);
    commits.later(() => store.db.prepare("INSERT INTO t VALUES ('attempts')").run(), () => {});
    withSavepoint(
      store.db,
      () => commits.commit(() => store.db.prepare("INSERT INTO t VALUES ('record')").run()),
    );
    const rows = (store.db.prepare("SELECT v FROM t ORDER BY rowid").all() as { v: string }[]).map((r) =>
      r.v
    );
    assert.deepEqual(rows, ["attempts", "record"]);
  } finally {
    await store.close();
  }
});

Deno.test("when the shared commit itself fails, every waiting work's owner hears of it (and may ask again)", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    const clock = new ManualClock(0);
    const commits = commitsOn(() => store.db, clock, manualFlushes(clock).syncLog, 1_000_000, [], 100);
    const heard: string[] = [];
    commits.later(
      () => store.db.prepare("INSERT INTO t VALUES ('attempts')").run(),
      (error) => heard.push((error as Error).message),
    );
    assert.throws(() =>
      commits.commit(() => {
        throw new Error("disk full");
      }), /disk full/);
    assert.deepEqual(heard, ["disk full"]);
    assert.equal((store.db.prepare("SELECT COUNT(*) AS n FROM t").get() as { n: number }).n, 0, "undone");
    clock.advance(100);
    assert.deepEqual(heard, ["disk full"], "not run a second time: the owner decides");
  } finally {
    await store.close();
  }
});

Deno.test("an owner's later write is asked for once while it waits, and again after a failed commit", () => {
  const asked: { work: () => void; onError: (error: unknown) => void }[] = [];
  const writes = {
    commit: <T>(work: () => T) => work(),
    later: (work: () => void, onError: (e: unknown) => void) => asked.push({ work, onError }),
  };
  let written = 0;
  const errors: unknown[] = [];
  const attempts = new LaterWrite(writes, () => written++, (error) => errors.push(error));
  attempts.schedule();
  attempts.schedule();
  assert.equal(asked.length, 1, "one request while one waits");
  asked[0].work();
  assert.equal(written, 1);
  attempts.schedule();
  assert.equal(asked.length, 2, "asked again once written");
  asked[1].onError(new Error("disk full"));
  assert.equal(errors.length, 1);
  attempts.schedule();
  assert.equal(asked.length, 3, "asked again after the commit failed");
});
