import assert from "node:assert/strict";
import {
  bundledNpmPackages,
  launcher,
  runtimeFlags,
  testOnlyPackages,
  withLicencePublicKey,
} from "../../../scripts/build.ts";
import { readLicenceKey } from "../../../src/licensing/licence_key.ts";
import { importLicencePublicKey, VENDOR_PUBLIC_KEY } from "../../../src/licensing/vendor_public_key.ts";

const devKeyFile =
  new URL("../../fixtures/licence/DEVELOPMENT-KEY-NOT-FOR-SALE.pkcs8", import.meta.url).pathname;
const script = new URL("../../../scripts/licence.ts", import.meta.url).pathname;

async function issue(...args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("the build puts the seller's public key in place of the development key, exactly once", () => {
  const bundle = `var a = 1;\nvar VENDOR_PUBLIC_KEY = ${JSON.stringify(VENDOR_PUBLIC_KEY)};\n`;
  const own = "A".repeat(43);
  assert.equal(withLicencePublicKey(bundle, own), `var a = 1;\nvar VENDOR_PUBLIC_KEY = "${own}";\n`);
  assert.throws(() => withLicencePublicKey(bundle, "short"), /43 base64url characters/);
  assert.throws(() => withLicencePublicKey("var x = 1;", own), /occurs 0 times/);
  assert.throws(() => withLicencePublicKey(bundle + bundle, own), /occurs 2 times/);
});

Deno.test("a key issued with the development key verifies in a development build and not in a build with another key", async () => {
  const key = await issue("--key", devKeyFile, "--lines", "3", "--customer", "Demo");
  // What the default build ships: the development public key.
  const shipped = JSON.parse(withLicencePublicKey(`${JSON.stringify(VENDOR_PUBLIC_KEY)}`, VENDOR_PUBLIC_KEY));
  assert.equal((await readLicenceKey(key, await importLicencePublicKey(shipped))).ok, true);
  // A seller's build with its own key refuses it.
  const dir = await Deno.makeTempDir();
  const pair = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", script, "--new-key-pair", `${dir}/own.pkcs8`],
    stdout: "piped",
  }).output();
  const own = /public key \(VENDOR_PUBLIC_KEY\): (\S+)/.exec(new TextDecoder().decode(pair.stdout))![1];
  const sold = JSON.parse(withLicencePublicKey(`${JSON.stringify(VENDOR_PUBLIC_KEY)}`, own));
  assert.equal((await readLicenceKey(key, await importLicencePublicKey(sold))).ok, false);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the npm packages of a bundle are read from its module comments; test-only ones are named", () => {
  const bundle = [
    "// ../../root/.cache/deno/npm/registry.npmjs.org/zod/4.6.7/v4/core/core.js",
    "// ../../root/.cache/deno/npm/registry.npmjs.org/@scope/pkg/1.0.0/index.js",
    "// ../../root/.cache/deno/npm/registry.npmjs.org/fast-check/4.10.2/lib/fc.js",
  ].join("\n");
  assert.deepEqual([...bundledNpmPackages(bundle)], ["zod", "@scope/pkg", "fast-check"]);
  assert.ok(testOnlyPackages.includes("fast-check") && testOnlyPackages.includes("playwright-core"));
});

Deno.test("the launcher runs the bundle with deno task start's V8 flags and --unstable-net, never fetching", () => {
  const text = launcher(false);
  assert.match(text, /^exec \/usr\/lib\/cstabox\/deno run .* \/usr\/lib\/cstabox\/cstabox\.js "\$@"$/m);
  for (
    const flag of ["--unstable-net", "--cached-only", "--no-config", "--v8-flags=--max-semi-space-size=8"]
  ) {
    assert.ok(runtimeFlags.includes(flag) && text.includes(flag), flag);
  }
  assert.match(launcher(true), /^exec \/usr\/lib\/cstabox\/cstabox "\$@"$/m);
});
