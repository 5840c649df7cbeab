import assert from "node:assert/strict";
import { parseCli, UsageError } from "../../src/cli.ts";

const noEnv = () => undefined;

Deno.test("flags become settings overrides; port 0 is allowed", () => {
  const options = parseCli(
    ["--data-dir", "/tmp/x", "--http-port", "0", "--csta-port", "3333", "--bind", "127.0.0.1", "--demo"],
    noEnv,
  );
  assert.equal(options.dataDir, "/tmp/x");
  assert.deepEqual(options.overrides.web, { bind: "127.0.0.1", httpPort: 0 });
  assert.deepEqual(options.overrides.cstaServer, { bind: "127.0.0.1", tcpPort: 3333 });
  assert.deepEqual(options.overrides.smdr, { bind: "127.0.0.1" });
  assert.deepEqual(options.overrides.demo, { enabled: true });
});

Deno.test("--pbx takes a host with an optional port, IPv6 in brackets", () => {
  assert.deepEqual(parseCli(["--pbx", "192.168.0.101"], noEnv).overrides.pbx, { host: "192.168.0.101" });
  assert.deepEqual(parseCli(["--pbx", "pbx.local:33334"], noEnv).overrides.pbx, {
    host: "pbx.local",
    port: 33334,
  });
  assert.deepEqual(parseCli(["--pbx", "[fd00::1]:33333"], noEnv).overrides.pbx, {
    host: "fd00::1",
    port: 33333,
  });
  assert.deepEqual(parseCli(["--pbx", "fd00::1"], noEnv).overrides.pbx, { host: "fd00::1" });
});

Deno.test("bad values are refused naming the flag", () => {
  assert.throws(() => parseCli(["--http-port", "http"], noEnv), /--http-port: "http" is not a port/);
  assert.throws(() => parseCli(["--smdr-port", "70000"], noEnv), UsageError);
  assert.throws(() => parseCli(["--pbx", "host:0"], noEnv), /port 0 is not a PBX port/);
  assert.throws(() => parseCli(["--log-level", "loud"], noEnv), /--log-level: "loud" is not one of/);
  assert.throws(() => parseCli(["--no-such-flag"], noEnv), UsageError);
});

Deno.test("the admin password comes from the flag, else from CSTABOX_ADMIN_PASSWORD", () => {
  const env = (name: string) => (name === "CSTABOX_ADMIN_PASSWORD" ? "from-env" : undefined);
  assert.equal(parseCli([], env).adminPassword, "from-env");
  assert.equal(parseCli(["--admin-password", "from-flag"], env).adminPassword, "from-flag");
  assert.equal(parseCli([], noEnv).adminPassword, undefined);
});

Deno.test("first passwords can come from a file, which wins over the environment; a password flag is warned about", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-cli-" });
  try {
    const file = `${dir}/admin-password`;
    await Deno.writeTextFile(file, "from-file\n");
    const env = (name: string) => name.endsWith("ADMIN_PASSWORD") ? "from-env" : undefined;
    const fromFile = parseCli(["--admin-password-file", file, "--csta-admin-password-file", file], env);
    assert.equal(fromFile.adminPassword, "from-file");
    assert.equal(fromFile.cstaAdminPassword, "from-file");
    assert.deepEqual(fromFile.warnings, []);
    assert.throws(() => parseCli(["--admin-password-file", `${dir}/none`], noEnv), /--admin-password-file/);
    await Deno.writeTextFile(`${dir}/empty`, "\n");
    assert.throws(() => parseCli(["--admin-password-file", `${dir}/empty`], noEnv), /is empty/);
    // On the command line a password shows in the process list and in a crash report's command line.
    const flagged = parseCli(["--admin-password", "pw", "--csta-admin-password", "pw"], noEnv);
    assert.equal(flagged.warnings.length, 2);
    assert.match(flagged.warnings[0], /--admin-password shows in the process list.*--admin-password-file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
