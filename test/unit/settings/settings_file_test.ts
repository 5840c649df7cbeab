import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultSettings } from "../../../src/settings/schema.ts";
import {
  loadSettingsFile,
  parseSettings,
  readSettings,
  renderSettings,
  saveSettingsFile,
  SETTINGS_FILE_VERSION,
  SettingsError,
  type SettingsMigration,
  updateSettingsText,
} from "../../../src/settings/settings_file.ts";

/** The SettingsError that parsing `text` raises; fails the test when it parses. */
function refusal(text: string, file = "f.yaml"): SettingsError {
  try {
    parseSettings(text, file);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  assert.fail("the settings were accepted");
}

Deno.test("an empty file yields every default", () => {
  assert.deepEqual(parseSettings("", "cstabox.yaml"), defaultSettings());
});

Deno.test("a wrong type is refused with the field path, line and column", () => {
  const text = 'web:\n  httpPort: 8080\npbx: {port: "abc"}\n';
  const error = refusal(text, "cstabox.yaml");
  assert.equal(error.problems.length, 1);
  const [problem] = error.problems;
  assert.equal(problem.field, "pbx.port");
  assert.equal(problem.line, 3);
  assert.equal(problem.column, 13);
  assert.match(error.message, /^cstabox\.yaml: line 3, column 13: pbx\.port: /);
});

Deno.test("an unknown key is a warning at the key's own position, never a refusal; the rest applies", () => {
  const read = readSettings("pbx:\n  hots: pbx.local\n  port: 4000\nfuture:\n  x: 1\n", "f.yaml");
  assert.equal(read.settings.pbx.port, 4000);
  assert.deepEqual(
    read.warnings.map((w) => [w.field, w.line, w.column]),
    [["pbx.hots", 2, 3], ["future", 4, 1]],
  );
  assert.match(read.warnings[0].message, /unknown setting, kept in the file and ignored/);
});

Deno.test("a file without a version is format 1 and is migrated: version added, comments and layout kept", () => {
  const old = "# my PBX, do not touch\npbx:\n  host: 10.0.0.5 # the KX-NS1000\n";
  const read = readSettings(old, "f.yaml");
  assert.equal(read.fileVersion, 1);
  assert.equal(read.settings.pbx.host, "10.0.0.5");
  const migrated = read.migratedText ?? assert.fail("no migrated text");
  assert.match(migrated, new RegExp(`^version: ${SETTINGS_FILE_VERSION}$`, "m"));
  assert.ok(
    migrated.includes("# my PBX, do not touch") && migrated.includes("host: 10.0.0.5 # the KX-NS1000"),
  );
  // A current file needs no migration.
  assert.equal(readSettings(migrated, "f.yaml").migratedText, undefined);
});

Deno.test("migrations run in order from the file's version, on the document", () => {
  const migrations: SettingsMigration[] = [
    { from: 1, what: "version", migrate: () => {} },
    {
      from: 2,
      what: "pbx.address became pbx.host",
      migrate: (doc) => {
        const value = doc.getIn(["pbx", "address"]);
        doc.deleteIn(["pbx", "address"]);
        doc.setIn(["pbx", "host"], value);
      },
    },
  ];
  const read = readSettings("version: 2\npbx:\n  address: pbx.example\n", "f.yaml", migrations, 3);
  assert.equal(read.settings.pbx.host, "pbx.example");
  assert.match(read.migratedText ?? "", /^version: 3$/m);
  assert.doesNotMatch(read.migratedText ?? "", /address/);
});

Deno.test("a file from a newer cstabox (after a downgrade) is read with a warning, its new keys kept", () => {
  const read = readSettings(
    `version: ${SETTINGS_FILE_VERSION + 1}\npbx:\n  port: 4000\n  turbo: true\n`,
    "f",
  );
  assert.equal(read.settings.pbx.port, 4000);
  assert.deepEqual(read.warnings.map((w) => w.field), ["version", "pbx.turbo"]);
  assert.match(read.warnings[0].message, /newer cstabox/);
  assert.equal(read.migratedText, undefined);
  assert.equal(refusal("version: zero\n").problems[0].field, "version");
});

Deno.test("a save changes only the values that differ: comments, order, unknown keys and blank lines stay", () => {
  const text = [
    "# my notes about this box",
    "version: 2",
    "",
    "pbx:",
    "  # the PBX in the basement",
    "  host: 10.0.0.5 # KX-NS1000",
    "  port: 33333",
    "  turbo: true",
    "",
    "log:",
    "  level: info",
    "",
  ].join("\n");
  const settings = parseSettings(text, "f");
  settings.pbx.host = "10.0.0.6";
  settings.smdr.historySize = 900;
  const saved = updateSettingsText(text, settings);
  assert.equal(
    saved,
    text.replace("host: 10.0.0.5", "host: 10.0.0.6") + "smdr:\n  historySize: 900\n",
  );
  assert.equal(parseSettings(saved, "f").smdr.historySize, 900);
});

Deno.test("a YAML syntax error is refused with its line", () => {
  const error = refusal("pbx:\n  port: [1, 2\n");
  assert.equal(error.problems[0].field, "");
  assert.ok((error.problems[0].line ?? 0) >= 2);
});

Deno.test("every problem in a file is reported, not just the first", () => {
  const error = refusal("pbx:\n  port: 0\nweb:\n  httpPort: -1\n");
  assert.deepEqual(error.problems.map((p) => p.field).sort(), ["pbx.port", "web.httpPort"]);
});

Deno.test("the rendered file has a comment for every setting and parses back to the same settings", () => {
  const settings = defaultSettings();
  settings.pbx.host = "192.168.0.101";
  settings.smdr.allowedSources = ["10.0.0.5"];
  const text = renderSettings(settings);
  assert.deepEqual(parseSettings(text, "f.yaml"), settings);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/^ {2}\w+:/.test(lines[i])) assert.match(lines[i - 1], /^ {2}# /, `no comment above "${lines[i]}"`);
  }
});

Deno.test("a save keeps the previous file as .bak", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "cstabox.yaml");
  const first = defaultSettings();
  await saveSettingsFile(file, first);
  const second = defaultSettings();
  second.pbx.host = "pbx.example";
  await saveSettingsFile(file, second);
  assert.equal((await loadSettingsFile(file)).pbx.host, "pbx.example");
  assert.equal((await loadSettingsFile(`${file}.bak`)).pbx.host, "");
});

Deno.test("saving invalid settings is refused and the file is unchanged", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "cstabox.yaml");
  await saveSettingsFile(file, defaultSettings());
  const before = await Deno.readTextFile(file);
  const bad = defaultSettings();
  (bad.pbx as { port: unknown }).port = "abc";
  await assert.rejects(saveSettingsFile(file, bad), SettingsError);
  assert.equal(await Deno.readTextFile(file), before);
});
