import assert from "node:assert/strict";
import { journalFromEnvironment, Logger, LogRing } from "../../../src/log/logger.ts";

Deno.test("JSON format writes one parseable object per entry with its fields", () => {
  const lines: string[] = [];
  const log = new Logger("pbx-link", { format: "json", sink: (l) => lines.push(l) });
  log.warn("link lost", { host: "pbx.local", error: new Error("ECONNRESET") });
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.level, "warn");
  assert.equal(entry.source, "pbx-link");
  assert.equal(entry.message, "link lost");
  assert.equal(entry.host, "pbx.local");
  assert.equal(entry.error, "Error: ECONNRESET");
});

Deno.test("entries below the level are neither written nor kept; children share level changes", () => {
  const lines: string[] = [];
  const log = new Logger("app", { level: "info", format: "text", sink: (l) => lines.push(l) });
  const child = log.child("http");
  child.debug("hidden");
  log.setLevel("debug");
  child.debug("shown", { path: "/healthz" });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /DEBUG \[http\] shown path=\/healthz$/);
  assert.equal(log.ring.entries().length, 1);
});

Deno.test("the ring keeps the newest entries up to its capacity and filters by sequence and level", () => {
  const ring = new LogRing(3);
  const log = new Logger("x", { ring, format: "json", sink: () => {} });
  for (let i = 1; i <= 5; i++) log.info(`m${i}`);
  log.error("bad");
  assert.deepEqual(ring.entries().map((e) => e.message), ["m4", "m5", "bad"]);
  const last = ring.entries()[1].seq;
  assert.deepEqual(ring.entries({ afterSeq: last }).map((e) => e.message), ["bad"]);
  assert.deepEqual(ring.entries({ minLevel: "error" }).map((e) => e.message), ["bad"]);
});

Deno.test("a field named like an entry key never overwrites the entry's own source or message", () => {
  const lines: string[] = [];
  const log = new Logger("line-sync", { format: "json", sink: (l) => lines.push(l) });
  log.info("read", { source: "switchingFunctionDevices", message: "other", devices: 3 });
  const entry = JSON.parse(lines[0]);
  assert.equal(entry.source, "line-sync");
  assert.equal(entry.message, "read");
  assert.equal(entry.devices, 3);
  assert.deepEqual(Object.keys(entry).slice(0, 4), ["time", "level", "source", "message"]);
});

Deno.test("under journald every line starts with the syslog priority of its level, in JSON and text", () => {
  for (const format of ["json", "text"] as const) {
    const lines: string[] = [];
    const log = new Logger("app", { level: "debug", format, journal: true, sink: (l) => lines.push(l) });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    // journald reads "<N>" at the start of a stdout/stderr line as the priority (sd-daemon(3)).
    assert.deepEqual(lines.map((l) => l.slice(0, 3)), ["<7>", "<6>", "<4>", "<3>"], format);
    if (format === "json") assert.equal(JSON.parse(lines[2].slice(3)).message, "w");
  }
});

Deno.test("without journald the lines carry no priority prefix; JOURNAL_STREAM switches it on", () => {
  const lines: string[] = [];
  new Logger("app", { format: "json", journal: false, sink: (l) => lines.push(l) }).warn("w");
  assert.equal(lines[0][0], "{");
  assert.equal(journalFromEnvironment((name) => name === "JOURNAL_STREAM" ? "8:1234" : undefined), true);
  assert.equal(journalFromEnvironment(() => undefined), false);
});

Deno.test("a field without a value is left out, never written as user=undefined", () => {
  const lines: string[] = [];
  const log = new Logger("http", { format: "text", sink: (l) => lines.push(l) });
  log.info("settings saved in the web UI", { section: "pbx", user: undefined });
  assert.match(lines[0], /settings saved in the web UI section=pbx$/);
  assert.doesNotMatch(lines[0], /undefined/);
  assert.deepEqual(log.ring.entries().at(-1)?.fields, { section: "pbx" });
});
