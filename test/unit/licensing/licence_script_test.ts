import assert from "node:assert/strict";
import { readLicenceKey } from "../../../src/licensing/licence_key.ts";
import {
  importLicencePublicKey,
  VENDOR_PUBLIC_KEY,
  vendorPublicKey,
} from "../../../src/licensing/vendor_public_key.ts";

const script = new URL("../../../scripts/licence.ts", import.meta.url).pathname;

async function run(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", script, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("scripts/licence.ts makes a key pair and issues keys that verify against its public key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-licence-" });
  try {
    const keyFile = `${dir}/vendor.pkcs8`;
    const pair = await run("--new-key-pair", keyFile);
    assert.equal(pair.code, 0, pair.stderr);
    assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
    const publicKey = /public key \(VENDOR_PUBLIC_KEY\): (\S+)/.exec(pair.stdout)![1];
    assert.equal((await run("--new-key-pair", keyFile)).code, 1, "an existing key file is never overwritten");

    const issued = await run(
      "--key",
      keyFile,
      "--lines",
      "12",
      "--customer",
      "ACME Ltd",
      "--expires",
      "2030-12-31",
      "--id",
      "L-TEST",
      "--issued",
      "2026-05-01",
    );
    assert.equal(issued.code, 0, issued.stderr);
    const check = await readLicenceKey(issued.stdout.trim(), await importLicencePublicKey(publicKey));
    assert.deepEqual(check.ok && check.statement, {
      v: 1,
      id: "L-TEST",
      customer: "ACME Ltd",
      lines: 12,
      issued: "2026-05-01",
      expires: "2030-12-31",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/licence.ts refuses bad arguments with the field and exit code 2", async () => {
  const table: [string[], RegExp][] = [
    [["--lines", "2", "--customer", "x"], /--key, --lines and --customer are required/],
    [["--key", "k", "--lines", "two", "--customer", "x"], /lines:/],
    [["--key", "k", "--lines", "2", "--customer", "x", "--expires", "2026-13-01"], /expires:/],
    [
      ["--key", "k", "--lines", "2", "--customer", "x", "--issued", "2026-05-01", "--expires", "2026-04-01"],
      /before the issue date/,
    ],
    [["--bogus"], /Unknown option/],
  ];
  for (const [args, message] of table) {
    const result = await run(...args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
  }
});

Deno.test("a key issued with the committed development key verifies against the key cstabox runs with from source", async () => {
  const fixtures = new URL("../../fixtures/licence/", import.meta.url);
  const issued = await run(
    "--key",
    new URL("DEVELOPMENT-KEY-NOT-FOR-SALE.pkcs8", fixtures).pathname,
    "--lines",
    "5",
    "--customer",
    "Demo",
  );
  assert.equal(issued.code, 0, issued.stderr);
  const check = await readLicenceKey(issued.stdout.trim(), await vendorPublicKey());
  assert.equal(check.ok, true);
  // The .pub file the build reads by default is the key built into the source.
  const pub = (await Deno.readTextFile(new URL("DEVELOPMENT-KEY-NOT-FOR-SALE.pub", fixtures))).trim();
  assert.equal(pub, VENDOR_PUBLIC_KEY);
});
