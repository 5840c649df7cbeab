import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { OutboxCommits } from "../../../src/integrations/outbox_commits.ts";
import { withSavepoint } from "../../../src/store/savepoint.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

const FULL = 2;
const NORMAL = 1;

Deno.test("the outboxes' commits reach the disk once per sync interval; the others do not wait for it", async () => {
  const store = await openTempDatabase();
  try {
    store.db.exec("CREATE TABLE t (v TEXT)");
    const clock = new ManualClock(0);
    const commits = new OutboxCommits(() => store.db, () => 1000, clock);
    const level = () => (store.db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
    const seen: number[] = [];
    const write = () =>
      commits.commit(() => {
        store.db.prepare("INSERT INTO t VALUES ('x')").run();
        seen.push(level());
      });
    write();
    clock.advance(400);
    write();
    clock.advance(599);
    write();
    clock.advance(1001); // the trailing sync at 1000 (next test), then a write a whole interval later
    write();
    assert.deepEqual(seen, [FULL, NORMAL, NORMAL, FULL]);
    assert.equal(level(), FULL, "the connection's own level is back after each commit");
    // Inside a caller's transaction the caller's commit decides.
    withSavepoint(store.db, () => write());
    assert.equal(seen.at(-1), FULL);
    const zero = new OutboxCommits(() => store.db, () => 0, clock);
    zero.commit(() => seen.push(level()));
    zero.commit(() => seen.push(level()));
    assert.deepEqual(seen.slice(-2), [FULL, FULL], "0 syncs every commit");
  } finally {
    await store.close();
  }
});

Deno.test("a commit that did not wait for the disk is followed by a synced one when the interval ends", async () => {
  const store = await openTempDatabase();
  try {
    const clock = new ManualClock(0);
    const commits = new OutboxCommits(() => store.db, () => 1000, clock);
    const syncedAt = () =>
      (store.db.prepare("SELECT value FROM integration_state WHERE key = 'synced_at'").get() as
        | { value: number }
        | undefined)?.value;
    commits.commit(() => {});
    clock.advance(300);
    commits.commit(() => {});
    assert.equal(syncedAt(), undefined, "nothing before the interval ends");
    clock.advance(699);
    assert.equal(syncedAt(), undefined);
    clock.advance(1);
    assert.equal(syncedAt(), clock.now(), "the trailing sync wrote at the interval's end");
    clock.advance(5000);
    commits.commit(() => {});
    clock.advance(10);
    commits.commit(() => {});
    commits.stop();
    clock.advance(5000);
    assert.equal(syncedAt(), 1000, "no trailing sync after stop (closing the store syncs)");
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
      const commits = new OutboxCommits(() => db, () => 3_600_000);
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
