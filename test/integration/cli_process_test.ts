import assert from "node:assert/strict";
import { join } from "node:path";
import { loopbackFlags, runCstabox, startCstabox } from "../support/cstabox_process.ts";

Deno.test("started from another directory, cstabox prints its listeners and ready, serves /healthz and exits 0 on SIGTERM", async () => {
  const cwd = await Deno.makeTempDir();
  const proc = await startCstabox(["--data-dir", "data", ...loopbackFlags], { cwd });
  try {
    assert.match(proc.lines.join("\n"), /^cstabox listening http 127\.0\.0\.1:\d+$/m);
    assert.equal(proc.lines.at(-1), "cstabox ready");
    const res = await fetch(`http://127.0.0.1:${proc.port("http")}/healthz`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "ok");
    // The data directory is relative to the working directory, not to the program.
    assert.ok((await Deno.stat(join(cwd, "data", "cstabox.yaml"))).isFile);
    assert.ok((await Deno.stat(join(cwd, "data", "cstabox.db"))).isFile);
  } finally {
    const started = Date.now();
    assert.equal(await proc.stop("SIGTERM"), 0);
    assert.ok(Date.now() - started < 5000, "stopped within 5 s");
  }
});

Deno.test("SIGINT stops cstabox with exit code 0 as well", async () => {
  const proc = await startCstabox(["--data-dir", await Deno.makeTempDir(), ...loopbackFlags]);
  assert.equal(await proc.stop("SIGINT"), 0);
});

Deno.test("a settings file with a wrong type is refused at start with field path and line", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "cstabox.yaml"), 'pbx: {port: "abc"}\n');
  const result = await runCstabox(["--data-dir", dir, ...loopbackFlags]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /settings refused: .*cstabox\.yaml: line 1, column 13: pbx\.port: /);
});

Deno.test("a running instance whose settings file becomes invalid keeps serving with the old settings", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "cstabox.yaml");
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--admin-password", "pw"]);
  try {
    const base = `http://127.0.0.1:${proc.port("http")}`;
    const original = await Deno.readTextFile(file);
    await Deno.writeTextFile(file, original.replace("  port: 33333", "  port: abc"));
    const auth = { authorization: `Basic ${btoa("admin:pw")}` };
    let status: { settingsProblem: string | null; services: Record<string, { state: string }> } | undefined;
    for (let i = 0; i < 100; i++) {
      status = await (await fetch(`${base}/api/status`, { headers: auth })).json();
      if (status?.settingsProblem) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(status?.settingsProblem ?? "", /pbx\.port/);
    assert.equal(status?.services.http.state, "running");
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
  } finally {
    assert.equal(await proc.stop(), 0);
  }
});

Deno.test("--version and --help print and exit 0; an unknown flag exits 2 with usage", async () => {
  const version = await runCstabox(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^cstabox \d+\.\d+\.\d+\n$/);
  const help = await runCstabox(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--admin-password PW/);
  const bad = await runCstabox(["--frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Usage: cstabox/);
});

Deno.test("status shows where the process's memory is, the shared write buffers included", async () => {
  const dir = await Deno.makeTempDir();
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--admin-password", "pw"]);
  try {
    const auth = { authorization: `Basic ${btoa("admin:pw")}` };
    const url = `http://127.0.0.1:${proc.port("http")}/api/status`;
    let status = await (await fetch(url, { headers: auth })).json();
    for (let i = 0; i < 100 && status.services["pbx-link"].state !== "running"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await (await fetch(url, { headers: auth })).json();
    }
    const { rssBytes, heapUsedBytes, externalBytes, writeBuffers } = status.process;
    assert.ok(rssBytes > heapUsedBytes && heapUsedBytes > 0 && externalBytes > 0);
    // The demo PBX link has associated: its frames went out of pooled buffers.
    assert.ok(writeBuffers.allocated + writeBuffers.reused > 0, JSON.stringify(writeBuffers));
    assert.ok(writeBuffers.retainedBytes >= 0 && writeBuffers.retainedBytes <= 4 * 1024 * 1024);
  } finally {
    assert.equal(await proc.stop(), 0);
  }
});

Deno.test("SIGHUP re-reads the settings file, logs each changed setting, and cstabox keeps running", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "cstabox.yaml");
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--log-format", "json"]);
  try {
    const original = await Deno.readTextFile(file);
    // Written while the process cannot see it through the watcher's settle time: SIGHUP must apply it.
    await Deno.writeTextFile(file, original.replace("historySize: 500", "historySize: 700"));
    proc.child.kill("SIGHUP");
    let reloaded: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !reloaded; i++) {
      await new Promise((r) => setTimeout(r, 50));
      reloaded = proc.stderr().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
        .find((e) => e.message === "settings changed" && Array.isArray(e.changes));
    }
    assert.ok(reloaded, `a settings-changed entry is logged; stderr:\n${proc.stderr()}`);
    assert.deepEqual(reloaded.changes, ["smdr.historySize: 500 -> 700"]);
    assert.match(proc.stderr(), /"message":"SIGHUP: settings file reloaded"/);
    assert.equal((await fetch(`http://127.0.0.1:${proc.port("http")}/healthz`)).status, 200);
  } finally {
    assert.equal(await proc.stop("SIGTERM"), 0);
  }
});

Deno.test("under systemd (NOTIFY_SOCKET) readiness is sent once every service has started", async () => {
  const path = `\0cstabox-test-${crypto.randomUUID()}`;
  const systemd = Deno.listenDatagram({ transport: "unixpacket", path });
  const proc = await startCstabox(["--data-dir", await Deno.makeTempDir(), ...loopbackFlags], {
    env: { NOTIFY_SOCKET: `@${path.slice(1)}` },
  });
  try {
    const [bytes] = await systemd.receive();
    const message = new TextDecoder().decode(bytes);
    assert.match(message, /^READY=1\nSTATUS=.+\nMAINPID=\d+$/);
    assert.equal(message.split("\n")[2], `MAINPID=${proc.child.pid}`);
  } finally {
    assert.equal(await proc.stop("SIGTERM"), 0);
    systemd.close();
  }
});
