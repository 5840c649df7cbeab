import assert from "node:assert/strict";
import { join } from "node:path";
import { Logger } from "../../../src/log/logger.ts";
import { LiveSettings } from "../../../src/settings/live_settings.ts";
import { SettingsError } from "../../../src/settings/settings_file.ts";

const quietLog = () => new Logger("test", { sink: () => {}, format: "json" });

async function waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a missing settings file is created with every default", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  const live = await LiveSettings.open(file, {}, quietLog());
  assert.equal(live.current().pbx.port, 33333);
  assert.match(await Deno.readTextFile(file), /# TCP port of the PBX CTI interface\n {2}port: 33333/);
});

Deno.test("command-line overrides win over the file and survive a reload", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await Deno.writeTextFile(file, "web:\n  httpPort: 9000\n  httpsPort: 9443\n");
  const live = await LiveSettings.open(file, { web: { httpPort: 0 } }, quietLog());
  assert.equal(live.current().web.httpPort, 0);
  assert.equal(live.current().web.httpsPort, 9443);
  await Deno.writeTextFile(file, "web:\n  httpPort: 9001\n  httpsPort: 9444\n");
  assert.equal(await live.reload(), true);
  assert.equal(live.current().web.httpPort, 0);
  assert.equal(live.current().web.httpsPort, 9444);
});

Deno.test("an edited file that becomes invalid is refused and the running settings stay", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await Deno.writeTextFile(file, "pbx:\n  host: pbx.local\n");
  const live = await LiveSettings.open(file, {}, quietLog());
  await Deno.writeTextFile(file, "pbx:\n  host: pbx.local\n  port: abc\n");
  assert.equal(await live.reload(), false);
  assert.equal(live.current().pbx.host, "pbx.local");
  assert.equal(live.current().pbx.port, 33333);
  assert.match(live.lastError()?.message ?? "", /line 3, column 9: pbx\.port/);
});

Deno.test("a watched file's valid edit is applied and listeners hear which sections changed", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await Deno.writeTextFile(file, "pbx:\n  host: a\n");
  const live = await LiveSettings.open(file, {}, quietLog());
  const heard: string[][] = [];
  live.onChange((_next, _prev, changed) => heard.push(changed));
  live.watch(50);
  try {
    await new Promise((r) => setTimeout(r, 100));
    await Deno.writeTextFile(file, "pbx:\n  host: b\n");
    await waitFor(() => live.current().pbx.host === "b");
    assert.deepEqual(heard.at(-1), ["pbx"]);
  } finally {
    live.unwatch();
  }
});

Deno.test("an override outside its range is refused as a settings problem naming the field", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await assert.rejects(
    LiveSettings.open(file, { pbx: { reconnectMaxSeconds: 0.5 } }, quietLog()),
    (error: unknown) =>
      error instanceof SettingsError &&
      /command-line options: pbx\.reconnectMaxSeconds: /.test(error.message),
  );
});

Deno.test("a deleted or unreadable settings file is a settings problem until a valid file is back", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await Deno.writeTextFile(file, "pbx:\n  host: pbx.local\n");
  const live = await LiveSettings.open(file, {}, quietLog());

  await Deno.remove(file);
  assert.equal(await live.reload(), false);
  assert.ok(live.lastError() instanceof SettingsError);
  assert.match(live.lastError()!.message, /cannot be read/);
  assert.equal(live.current().pbx.host, "pbx.local", "the running settings stay");

  // A YAML alias bomb: each line doubles the one before; expanding it would take gigabytes.
  const bomb = [
    "a: &a [x, x]",
    ...Array.from({ length: 30 }, (_, i) => {
      const prev = i === 0 ? "a" : `b${i - 1}`;
      return `b${i}: &b${i} [*${prev}, *${prev}]`;
    }),
  ].join("\n");
  await Deno.writeTextFile(file, `${bomb}\n`);
  assert.equal(await live.reload(), false);
  assert.ok(live.lastError() instanceof SettingsError, "the bomb is refused as a settings problem");
  assert.match(live.lastError()!.message, /alias/i);

  await Deno.writeTextFile(file, "pbx:\n  host: other.local\n");
  assert.equal(await live.reload(), true);
  assert.equal(live.lastError(), undefined);
  assert.equal(live.current().pbx.host, "other.local");
});

Deno.test("an older file is migrated at start (old one kept as .bak); an unknown key is logged as a warning, not fatal", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  const old = "# ours\npbx:\n  host: 10.1.1.1\n  hots: typo\n";
  await Deno.writeTextFile(file, old);
  const lines: string[] = [];
  const live = await LiveSettings.open(
    file,
    {},
    new Logger("t", { sink: (l) => lines.push(l), format: "json" }),
  );
  assert.equal(live.current().pbx.host, "10.1.1.1");
  assert.equal(await Deno.readTextFile(`${file}.bak`), old);
  const migrated = await Deno.readTextFile(file);
  assert.match(migrated, /^version: \d+$/m);
  assert.ok(migrated.includes("# ours") && migrated.includes("hots: typo"), migrated);
  const entries = lines.map((l) => JSON.parse(l));
  const warning = entries.find((e) => e.level === "warn" && /pbx\.hots/.test(e.message));
  assert.equal(warning?.line, 4);
  assert.ok(entries.some((e) => e.message === "settings file migrated" && e.from === 1));
});

Deno.test("a save through LiveSettings (the web UI's path) keeps the administrator's comments and unknown keys", async () => {
  const file = join(await Deno.makeTempDir(), "cstabox.yaml");
  await Deno.writeTextFile(
    file,
    "version: 2\n# why: the PBX moved in 2025\npbx:\n  host: 10.1.1.1 # rack 3\n  later: x\n",
  );
  const live = await LiveSettings.open(file, {}, quietLog());
  await live.save({ ...live.current(), pbx: { ...live.current().pbx, host: "10.1.1.2" } });
  assert.equal(
    await Deno.readTextFile(file),
    "version: 2\n# why: the PBX moved in 2025\npbx:\n  host: 10.1.1.2 # rack 3\n  later: x\n",
  );
});
