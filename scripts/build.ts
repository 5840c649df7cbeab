// `deno task build`: bundles mod.ts into one JavaScript file and packs it with the pinned Deno runtime
// (npm @deno/linux-<cpu>-glibc), launcher, systemd unit and docs into dist/cstabox_<version>_<arch>.deb.
//
//   deno task build [--arch amd64,arm64] [--version V] [--licence-public-key FILE] [--compiled] [--out DIR]
//                   [--fast]   (gzip -1 instead of xz -6: 10 s instead of about 4 min per package on 2 cores)

import { parseArgs } from "node:util";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import denoJson from "../deno.json" with { type: "json" };
import { VENDOR_PUBLIC_KEY } from "../src/licensing/vendor_public_key.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const appliance = join(root, "appliance");

/** Debian architecture -> the npm package that carries `deno` for it. */
export const runtimePackages: Record<string, string> = {
  amd64: "@deno/linux-x64-glibc",
  arm64: "@deno/linux-arm64-glibc",
};

/** npm packages only the tests use; the build refuses a bundle that contains one. */
export const testOnlyPackages = ["playwright-core", "fast-check"];

/** The flags the launcher runs the bundle with: those of `deno task start`, no config, no network fetch. */
export const runtimeFlags = [
  "--allow-all",
  "--unstable-net",
  "--no-config",
  "--no-prompt",
  "--cached-only",
  ...denoJson.tasks.start.split(/\s+/).filter((arg) => arg.startsWith("--v8-flags=")),
];

class BuildError extends Error {
  override readonly name = "BuildError";
}

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const output = await new Deno.Command(command, { args, ...options, stdout: "piped", stderr: "piped" })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success) {
    throw new BuildError(
      `${command} ${args.join(" ")} failed:\n${text(output.stderr)}${text(output.stdout)}`,
    );
  }
  return text(output.stdout);
}

/** The npm packages a bundle contains, read from the module path comments `deno bundle` writes. */
export function bundledNpmPackages(bundle: string): Set<string> {
  const names = new Set<string>();
  for (const match of bundle.matchAll(/^\/\/ .*registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\//gm)) {
    names.add(match[1]);
  }
  return names;
}

/** Puts `publicKey` (raw Ed25519, base64url) in place of the development key; exactly one must match. */
export function withLicencePublicKey(bundle: string, publicKey: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/.test(publicKey)) {
    throw new BuildError("a licence public key is 43 base64url characters");
  }
  const quoted = JSON.stringify(VENDOR_PUBLIC_KEY);
  const count = bundle.split(quoted).length - 1;
  if (count !== 1) {
    throw new BuildError(`the built-in licence key occurs ${count} times in the bundle, not once`);
  }
  return bundle.replace(quoted, JSON.stringify(publicKey));
}

/** The thread modules `new Worker` starts, which `deno bundle` does not follow: each bundled on its own, beside
 * cstabox.js under the name its starter looks for there (see SENDER_MODULE in webhook_http_sender.ts). */
const workerModules = ["src/integrations/webhooks/webhook_http_worker.ts"];

/** The bundles of one build: cstabox.js and the thread modules beside it. */
interface Bundles {
  main: string;
  workers: string[];
}

/** `deno bundle` of mod.ts (and of each thread module), with the licence key and test-only packages checked. */
async function buildBundle(work: string, publicKey: string): Promise<Bundles> {
  const bundle = async (entry: string, out: string) =>
    await run(Deno.execPath(), ["bundle", "--unstable-raw-imports", "--platform", "deno", "-o", out, entry], {
      cwd: root,
    });
  const out = join(work, "cstabox.js");
  await bundle("mod.ts", out);
  const text = await Deno.readTextFile(out);
  const shipped = [...bundledNpmPackages(text)].filter((name) => testOnlyPackages.includes(name));
  if (shipped.length) throw new BuildError(`test-only packages in the bundle: ${shipped.join(", ")}`);
  await Deno.writeTextFile(out, withLicencePublicKey(text, publicKey));
  const workers: string[] = [];
  for (const entry of workerModules) {
    const worker = join(work, basename(entry).replace(/\.ts$/, ".js"));
    await bundle(entry, worker);
    workers.push(worker);
  }
  return { main: out, workers };
}

/** The `deno` binary of the pinned version for `arch`, from its npm package (npm pack, cached). */
async function runtimeBinary(arch: string, denoVersion: string, cache: string): Promise<string> {
  const pkg = runtimePackages[arch];
  if (!pkg) throw new BuildError(`no Deno runtime package for architecture ${arch}`);
  const dir = join(cache, `${arch}-${denoVersion}`);
  const binary = join(dir, "package", "deno");
  if (await exists(binary)) return binary;
  await Deno.mkdir(dir, { recursive: true });
  const tarball = (await run("npm", ["pack", "--silent", `${pkg}@${denoVersion}`], { cwd: dir })).trim();
  await run("tar", ["-xzf", tarball, "package/deno"], { cwd: dir });
  await Deno.remove(join(dir, tarball));
  await Deno.chmod(binary, 0o755);
  return binary;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** /usr/bin/cstabox: runs the bundle (or the compiled binary) with the flags `deno task start` uses. */
export function launcher(compiled: boolean): string {
  const exec = compiled
    ? `exec /usr/lib/cstabox/cstabox "$@"`
    : `exec /usr/lib/cstabox/deno run ${runtimeFlags.join(" ")} /usr/lib/cstabox/cstabox.js "$@"`;
  return `#!/bin/sh
# cstabox launcher (Debian package): the pinned Deno runtime runs the bundled appliance.
# DENO_DIR holds V8's code cache; the unit sets it to /var/cache/cstabox, which postinst warms.
export DENO_NO_UPDATE_CHECK=1
${exec}
`;
}

function control(version: string, arch: string, installedKb: number): string {
  return `Package: cstabox
Version: ${version}
Architecture: ${arch}
Maintainer: cstabox maintainers <cstabox@localhost>
Installed-Size: ${installedKb}
Depends: systemd, passwd
Section: comm
Priority: optional
Homepage: https://localhost/cstabox
Description: CSTA multiplexer, SMDR server and line API for Panasonic PBXs
 cstabox holds the PBX's single CSTA Phase III connection and shares it with up to
 1000 CTI applications over TCP and TLS, produces a real-time SMDR feed and keeps the
 lines, number rules and licences of a TAPI driver. Web UI on ports 8080/8443.
 .
 The package carries its own Deno runtime, so it needs nothing else installed.
`;
}

async function duKb(dir: string): Promise<number> {
  return Number((await run("du", ["-sk", "--apparent-size", dir])).split(/\s/)[0]);
}

/** One .deb for `arch`: runtime (or compiled binary), bundle, launcher, unit, docs and maintainer scripts. */
async function buildPackage(options: {
  arch: string;
  version: string;
  denoVersion: string;
  bundle: Bundles;
  compiled?: string;
  cache: string;
  out: string;
  work: string;
  fast: boolean;
}): Promise<string> {
  const stage = join(options.work, `stage-${options.arch}`);
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  const put = async (from: string, to: string, mode: number) => {
    const target = join(stage, to);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.copyFile(from, target);
    await Deno.chmod(target, mode);
  };
  const write = async (to: string, text: string, mode: number) => {
    const target = join(stage, to);
    await Deno.mkdir(dirname(target), { recursive: true });
    await Deno.writeTextFile(target, text);
    await Deno.chmod(target, mode);
  };

  if (options.compiled) {
    await put(options.compiled, "usr/lib/cstabox/cstabox", 0o755);
  } else {
    await put(
      await runtimeBinary(options.arch, options.denoVersion, options.cache),
      "usr/lib/cstabox/deno",
      0o755,
    );
    await put(options.bundle.main, "usr/lib/cstabox/cstabox.js", 0o644);
    for (const worker of options.bundle.workers) {
      await put(worker, `usr/lib/cstabox/${basename(worker)}`, 0o644);
    }
  }
  await write("usr/bin/cstabox", launcher(options.compiled !== undefined), 0o755);
  await put(join(appliance, "cstabox.service"), "lib/systemd/system/cstabox.service", 0o644);
  for (
    const doc of [
      "README.md",
      "appliance/INSTALL.md",
      "docs/operations.md",
      "docs/settings.md",
      "docs/licensing.md",
    ]
  ) {
    await put(join(root, doc), join("usr/share/doc/cstabox", basename(doc)), 0o644);
  }
  // The console banner cstabox writes (URL, first passwords) is shown by agetty through /etc/issue.d.
  await Deno.mkdir(join(stage, "etc/issue.d"), { recursive: true });
  await Deno.symlink("/var/lib/cstabox/console.issue", join(stage, "etc/issue.d/cstabox.issue"));

  const installedKb = await duKb(stage);
  await write("DEBIAN/control", control(options.version, options.arch, installedKb), 0o644);
  for (const script of ["postinst", "prerm", "postrm"]) {
    await put(join(appliance, "debian", script), join("DEBIAN", script), 0o755);
  }
  await Deno.mkdir(options.out, { recursive: true });
  const deb = join(options.out, `cstabox_${options.version}_${options.arch}.deb`);
  const compression = options.fast ? ["-Zgzip", "-z1"] : ["-Zxz"];
  await run("dpkg-deb", ["--root-owner-group", ...compression, "--build", stage, deb]);
  await Deno.remove(stage, { recursive: true });
  return deb;
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      arch: { type: "string", default: "amd64,arm64" },
      version: { type: "string", default: denoJson.version },
      "licence-public-key": { type: "string" },
      compiled: { type: "boolean", default: false },
      fast: { type: "boolean", default: false },
      out: { type: "string", default: join(root, "dist") },
      cache: { type: "string" },
    },
  });
  const denoVersion = (await Deno.readTextFile(join(root, ".deno-version"))).trim();
  const cache = values.cache ?? Deno.env.get("CSTABOX_BUILD_CACHE") ??
    join(Deno.env.get("HOME") ?? "/tmp", ".cache", "cstabox-build");
  const keyFile = values["licence-public-key"] ??
    join(root, "test/fixtures/licence/DEVELOPMENT-KEY-NOT-FOR-SALE.pub");
  const publicKey = (await Deno.readTextFile(keyFile)).trim();
  if (!values["licence-public-key"]) {
    console.log(
      "build: licence public key: the DEVELOPMENT key (not for sale); use --licence-public-key FILE",
    );
  }
  const work = await Deno.makeTempDir({ prefix: "cstabox-build-" });
  try {
    const bundle = await buildBundle(work, publicKey);
    await Deno.mkdir(values.out, { recursive: true });
    await Deno.copyFile(bundle.main, join(values.out, "cstabox.js"));
    for (const worker of bundle.workers) await Deno.copyFile(worker, join(values.out, basename(worker)));
    console.log(
      `build: ${join(values.out, "cstabox.js")} (${
        ((await Deno.stat(bundle.main)).size / 1e6).toFixed(1)
      } MB)`,
    );
    for (const arch of values.arch.split(",")) {
      let compiled: string | undefined;
      if (values.compiled) {
        // One switch: the package carries `deno compile`'s single binary (needs denort, see scripts/compile.sh).
        // Compiled from the bundle, so it carries the same licence key. DENORT_BIN names a local denort.
        compiled = join(work, `cstabox-${arch}`);
        const target = arch === "amd64" ? "x86_64-unknown-linux-gnu" : "aarch64-unknown-linux-gnu";
        await run(Deno.execPath(), [
          "compile",
          ...runtimeFlags.filter((flag) => flag !== "--cached-only" && flag !== "--no-config"),
          "--target",
          target,
          "--output",
          compiled,
          ...bundle.workers.flatMap((worker) => ["--include", worker]),
          bundle.main,
        ]);
      }
      const deb = await buildPackage({
        arch,
        version: values.version,
        denoVersion,
        bundle,
        compiled,
        cache,
        out: values.out,
        work,
        fast: values.fast,
      });
      console.log(`build: ${deb} (${((await Deno.stat(deb)).size / 1e6).toFixed(1)} MB)`);
    }
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    console.error(`build: ${error.message}`);
    return 1;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
