// Issue 18 defect 14: the data directory, the database (with its WAL) and the settings file are private to
// the service's user when cstabox creates them, whatever the umask: the database holds password hashes
// and call data (they were 0755/0644 when started by hand).

import assert from "node:assert/strict";
import { join } from "node:path";
import { App } from "../../src/app.ts";
import { StoreService } from "../../src/store/store_service.ts";

function modeOf(path: string): string {
  return (Deno.statSync(path).mode! & 0o777).toString(8);
}

Deno.test("cstabox creates its data directory 0700, its settings file and database files 0600", async () => {
  const parent = await Deno.makeTempDir({ prefix: "cstabox-modes-" });
  const dataDir = join(parent, "data");
  try {
    const app = await App.create({ dataDir, log: { sink: () => {} }, announce: () => {} });
    assert.equal(modeOf(dataDir), "700", "data directory");
    assert.equal(modeOf(join(dataDir, "cstabox.yaml")), "600", "settings file");
    await app.settings.save(app.settings.current());
    assert.equal(modeOf(join(dataDir, "cstabox.yaml")), "600", "settings file after a save");

    const store = new StoreService(join(dataDir, "cstabox.db"));
    await store.start();
    try {
      store.db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
      assert.equal(modeOf(join(dataDir, "cstabox.db")), "600", "database");
      assert.equal(modeOf(join(dataDir, "cstabox.db-wal")), "600", "its write-ahead log");
    } finally {
      await store.stop();
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("a database file left world-readable by an earlier version is made private at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-modes-" });
  try {
    const path = join(dir, "cstabox.db");
    await Deno.writeFile(path, new Uint8Array());
    await Deno.chmod(path, 0o644);
    const store = new StoreService(path);
    await store.start();
    await store.stop();
    assert.equal(modeOf(path), "600");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a settings file left world-readable is private once cstabox writes it, and so is its .bak copy", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "cstabox-modes-" });
  try {
    const file = join(dataDir, "cstabox.yaml");
    await Deno.writeTextFile(file, "pbx:\n  port: 33333\n");
    await Deno.chmod(file, 0o644);
    await App.create({ dataDir, log: { sink: () => {} }, announce: () => {} });
    assert.equal(modeOf(file), "600", "settings file");
    assert.equal(modeOf(`${file}.bak`), "600", "its backup, a copy of the old file");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
