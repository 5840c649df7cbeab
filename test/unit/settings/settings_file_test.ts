import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultSettings } from "../../../src/settings/schema.ts";
import {
  loadSettingsFile,
  parseSettings,
  renderSettings,
  saveSettingsFile,
  SettingsError,
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

Deno.test("an unknown key is refused at the key's own position", () => {
  const error = refusal("pbx:\n  hots: pbx.local\n");
  assert.equal(error.problems[0].field, "pbx.hots");
  assert.equal(error.problems[0].line, 2);
  assert.equal(error.problems[0].column, 3);
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
