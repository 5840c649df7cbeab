// Issue 18 defect 11: a full disk is named as such ("disk full"), not hidden behind "cannot rollback - no
// transaction is active"; the store and SMDR go degraded with that reason and come back when space does.
// The disk is filled at SQLite's boundary with PRAGMA max_page_count, which fails writes with the same
// SQLITE_FULL ("database or disk is full") a full file system gives; the recovery probe writes a real file.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { ManualClock } from "../../../src/clock.ts";
import { errorText } from "../../../src/log/error_text.ts";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { SmdrService } from "../../../src/smdr/smdr_service.ts";
import { StoreService } from "../../../src/store/store_service.ts";
import { seedScenarios } from "../smdr/seed_scenarios.ts";
import { waitUntil } from "../../support/wait_until.ts";

/** No page may be added to the database any more: every write that needs one fails with SQLITE_FULL. */
function fillDisk(db: DatabaseSync): void {
  const { page_count } = db.prepare("PRAGMA page_count").get() as { page_count: number };
  db.exec(`PRAGMA max_page_count = ${page_count}`);
}

Deno.test("an SMDR record lost to a full disk says disk full, and SMDR and the store go degraded until space returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-full-" });
  const store = new StoreService(join(dir, "cstabox.db"), undefined, { spaceProbeMs: 20 });
  await store.start();
  const lines: string[] = [];
  const smdr = new SmdrService({
    settings: () => ({ ...defaultSettings().smdr, localEnabled: false, pushEnabled: false }),
    db: () => store.db,
    log: new Logger("smdr", { sink: (line) => lines.push(line), format: "text" }),
    clock: new ManualClock(new Date(2026, 2, 9, 12, 0, 0).getTime()),
    store,
  });
  await smdr.start();
  try {
    const event = seedScenarios[0].events[0];
    assert.ok(smdr.submit(event).ok);
    fillDisk(store.db);
    let lost;
    for (let i = 0; i < 200; i++) {
      lost = smdr.submit(event);
      if (!lost.ok) break;
    }
    assert.ok(lost && !lost.ok, "a record was refused once the database could not grow");
    assert.match(lost.message, /^disk full/);
    assert.doesNotMatch(lost.message, /cannot rollback/);
    assert.ok(lines.some((l) => /SMDR record could not be stored.*disk full/.test(l)), lines.join("\n"));
    assert.equal(smdr.status().state, "degraded");
    assert.match(smdr.status().reason!, /disk full/);
    assert.equal(store.status().state, "degraded");
    assert.match(store.status().reason!, /disk full/);

    // Space comes back: the probe notices, and the next record is stored.
    store.db.exec("PRAGMA max_page_count = 1073741823");
    await waitUntil(() => store.status().state === "running", 5000, () => "the store back to running");
    assert.equal(smdr.status().state, "running");
    assert.ok(smdr.submit(event).ok);
  } finally {
    await smdr.stop();
    await store.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("errorText names a full disk in plain words, from SQLite and from the file system", () => {
  const sqlite = Object.assign(new Error("database or disk is full"), {
    code: "ERR_SQLITE_ERROR",
    errcode: 13,
  });
  assert.equal(
    errorText(sqlite),
    "disk full: the data directory's file system has no space left (database or disk is full)",
  );
  // node:sqlite's exec() gives no errcode, only SQLite's text for SQLITE_FULL (seen on a full tmpfs).
  const fromExec = Object.assign(new Error("database or disk is full"), { code: "ERR_SQLITE_ERROR" });
  assert.match(errorText(fromExec), /^disk full: /);
  const os = new Error("No space left on device (os error 28): write 'cstabox.yaml.tmp'");
  assert.match(errorText(os), /^disk full: .*No space left on device/);
  assert.equal(errorText(new Error("something else")), "something else");
});
