import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CstaUsers } from "../../src/accounts/csta_users.ts";
import { openDatabase } from "../../src/store/database.ts";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";

const basic = (user: string, password: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });

Deno.test("first boot without a password: one is generated for each admin, printed once and put on the console banner; admin/admin does not work", async () => {
  const dir = await Deno.makeTempDir();
  const banner = join(dir, "console.issue");
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--issue-file", banner], {
    env: { CSTABOX_ADMIN_PASSWORD: "" },
  });
  let web = "";
  let cstaPassword = "";
  try {
    const printed = (account: string) =>
      proc.lines.find((l) => l.startsWith(`cstabox first password of ${account}: `))?.split(": ")[1] ?? "";
    web = printed("web user admin");
    const csta = printed("CSTA user admin");
    assert.match(web, /^[a-zA-Z2-9]{16}$/);
    assert.match(csta, /^[a-zA-Z2-9]{16}$/);
    assert.notEqual(web, csta);
    // Never in the log (the web UI shows the log to every web user).
    assert.ok(!proc.stderr().includes(web) && !proc.stderr().includes(csta));
    const text = await Deno.readTextFile(banner);
    assert.match(text, new RegExp(`https://\\\\4:${proc.port("https")}/`));
    assert.ok(text.includes(web) && text.includes(csta));
    assert.equal((await Deno.stat(banner)).mode! & 0o777, 0o600);

    const status = `http://127.0.0.1:${proc.port("http")}/api/status`;
    assert.equal((await fetch(status, { headers: basic("admin", "admin") })).status, 401);
    // The generated password logs in (and must be changed first, as every first password).
    const res = await fetch(status, { headers: basic("admin", web) });
    assert.notEqual(res.status, 401);
    await res.body?.cancel();

    cstaPassword = csta;
  } finally {
    assert.equal(await proc.stop(), 0);
  }

  // The CSTA user admin has the printed password, not "admin" (read once cstabox released the database).
  const db = openDatabase(join(dir, "cstabox.db"));
  try {
    const users = new CstaUsers(() => db);
    assert.equal(await users.verify("admin", cstaPassword), true);
    assert.equal(await users.verify("admin", "admin"), false);
  } finally {
    db.close();
  }

  // The next start generates nothing and keeps the banner (the admin has not chosen a password yet).
  const again = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--issue-file", banner], {
    env: { CSTABOX_ADMIN_PASSWORD: "" },
  });
  try {
    assert.ok(!again.lines.some((l) => l.startsWith("cstabox first password")));
    assert.ok((await Deno.readTextFile(banner)).includes(web));
  } finally {
    assert.equal(await again.stop(), 0);
  }
});

Deno.test("first passwords come from systemd credentials when given (LoadCredential=)", async () => {
  const dir = await Deno.makeTempDir();
  const credentials = await Deno.makeTempDir();
  await Deno.writeTextFile(join(credentials, "admin-password"), "from-credential-1\n");
  await Deno.writeTextFile(join(credentials, "csta-admin-password"), "csta-credential-2");
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags], {
    env: { CREDENTIALS_DIRECTORY: credentials, CSTABOX_ADMIN_PASSWORD: "" },
  });
  try {
    assert.ok(!proc.lines.some((l) => l.startsWith("cstabox first password")));
    const status = `http://127.0.0.1:${proc.port("http")}/api/status`;
    const res = await fetch(status, { headers: basic("admin", "from-credential-1") });
    assert.notEqual(res.status, 401);
    await res.body?.cancel();
    assert.match(proc.stderr(), /admin web user created.*credential/);
  } finally {
    assert.equal(await proc.stop(), 0);
  }
});

Deno.test("with a store newer than this cstabox (a downgrade) it still starts and /healthz says why; the store is not changed", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(join(dir, "cstabox.db"));
  // openDatabase made the current schema; one step from the future is added on top.
  db.prepare("INSERT INTO schema_version VALUES (999, 'from the future', '2030-01-01')").run();
  db.close();
  const proc = await startCstabox([
    "--data-dir",
    dir,
    ...loopbackFlags,
    "--issue-file",
    join(dir, "console.issue"),
  ]);
  try {
    const health = await fetch(`http://127.0.0.1:${proc.port("http")}/healthz`);
    assert.equal(health.status, 503);
    assert.match(JSON.stringify(await health.json()), /newer than this cstabox knows/);
  } finally {
    assert.equal(await proc.stop(), 0);
  }
  const after = new DatabaseSync(join(dir, "cstabox.db"), { readOnly: true });
  try {
    assert.equal(
      (after.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number }).v,
      999,
    );
  } finally {
    after.close();
  }
});
