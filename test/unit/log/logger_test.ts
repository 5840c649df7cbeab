import assert from "node:assert/strict";
import { Logger, LogRing } from "../../../src/log/logger.ts";

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
