// One way to do each small thing (docs/DEVELOPING.md): fails when a removed copy comes back — an inline
// error-to-text outside src/log, a hand hex loop, a bare timer or wall-clock read in a file that takes a Clock,
// a `now: () => number` option (or `Date.now` handed on as one) where the project's Clock belongs.

import assert from "node:assert/strict";
import { readSources, stripComments } from "./sources.ts";

interface Rule {
  name: string;
  /** Matched per line, comments removed. */
  pattern: RegExp;
  /** Whether the rule applies to this file (path and whole text). */
  appliesTo: (file: string, text: string) => boolean;
  /** Lines the rule allows, each with its reason. */
  allowed?: { file: string; includes: string; reason: string }[];
}

/** A file that imports the Clock (or a clock) from src/clock.ts takes its time from there. */
const TAKES_A_CLOCK =
  /import\s*(?:type\s*)?\{[^}]*\b(?:Clock|systemClock|ManualClock)\b[^}]*\}\s*from\s*["'][^"']*\/clock\.ts["']/;

export const RULES: Rule[] = [
  {
    name: "error-to-text is errorText (src/log/error_text.ts)",
    // `e instanceof Error ? e.message : …` and `(e as Error).message` (undefined for a thrown non-Error).
    pattern: /\binstanceof Error\s*\?[^:;]*\.message\b|\(\w+ as Error\)\.message\b/,
    // src/csta is pure and cannot reach errorText, which names Deno's own errors.
    appliesTo: (file) => !file.startsWith("src/log/") && !file.startsWith("src/csta/"),
  },
  {
    name: "hex is Uint8Array toHex",
    // A loop over bytes that formats each one: Array.from(…, b => b.toString(16).padStart(2 …), .map, for.
    pattern: /(?:Array\.from\(|\.map\(|\bfor\s*\().*\.toString\(16\)\.padStart\(2\b/,
    appliesTo: () => true,
  },
  {
    name: "time is the injected Clock",
    pattern:
      /(?<![\w.#$])(?:setTimeout|setInterval)\s*\(|\bDate\.now\s*\(|\bnew Date\s*\(\s*\)|\bperformance\.now\s*\(/,
    appliesTo: (file, text) => file !== "src/clock.ts" && TAKES_A_CLOCK.test(text),
    allowed: [{
      file: "src/app.ts",
      includes: "uptimeSeconds: Math.round(performance.now() / 1000)",
      reason: "the process's own age (performance.now counts from its start), not a time a clock could move",
    }],
  },
  {
    name: "time is taken as a Clock, not a now function",
    // `now?: () => number` options and `= Date.now` / `() => performance.now()` defaults: ten services took
    // time this way beside the Clock the others take, and their tests each faked it differently.
    pattern:
      /\b(?:now|\w+Now)\??\s*:\s*\(\)\s*=>\s*number\b|(?<![\w.])(?:Date|performance)\.now\b(?!\s*\()|\(\)\s*=>\s*(?:Date|performance)\.now\s*\(\s*\)/,
    appliesTo: (file) => file !== "src/clock.ts",
  },
];

/** Every line of `files` that breaks a rule, as "file:line: rule". */
export function secondWays(files: Map<string, string>, rules = RULES): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    for (const rule of rules) {
      if (!rule.appliesTo(file, text)) continue;
      stripComments(text).split("\n").forEach((line, i) => {
        if (!rule.pattern.test(line)) return;
        if (rule.allowed?.some((a) => a.file === file && line.includes(a.includes))) return;
        found.push(`${file}:${i + 1}: ${rule.name}`);
      });
    }
  }
  return found;
}

Deno.test("one way: no second error-to-text, hex loop, clock or now option in src/", async () => {
  const found = secondWays(await readSources());
  assert.deepEqual(found, [], `a second way to do a small thing:\n${found.join("\n")}`);
});

// The rules proved on made-up files, so a rule that stops matching anything is seen.
Deno.test("one way rules: an inline error text, a hex loop, a bare timer beside a Clock and a now option are each caught", () => {
  const files = new Map([
    ["src/pbx/link.ts", "const text = error instanceof Error ? error.message : String(error);\n"],
    ["src/log/error_text.ts", "if (error instanceof Error ? error.message : 0) {}\n"],
    ["src/tls/store.ts", "log.error('failed', { error: (error as Error).message });\n"],
    [
      "src/switchboard/keys.ts",
      'const key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");\n',
    ],
    ["src/csta/peek.ts", 'const one = byte.toString(16).padStart(2, "0");\n'],
    [
      "src/smdr/push.ts",
      'import { type Clock } from "../clock.ts";\nsetTimeout(go, 5);\nthis.#clock.setTimeout(go, 5);\n' +
      "// setInterval(go, 5) in a comment\nconst at = new Date(this.#clock.now());\nconst t = Date.now();\n",
    ],
    ["src/net/no_clock.ts", "setTimeout(go, 5);\n"],
    [
      "src/http/sessions.ts",
      "export interface SessionOptions {\n  now?: () => number;\n  idleMinutes: () => number;\n}\n" +
      "constructor(private readonly now: () => number = Date.now) {}\n" +
      "const throttle = new Throttle(() => performance.now());\nconst wallNow: () => number = clock.now;\n",
    ],
    ["src/clock.ts", "export const systemClock: Clock = { now: () => Date.now() };\n"],
  ]);
  assert.deepEqual(secondWays(files), [
    "src/pbx/link.ts:1: error-to-text is errorText (src/log/error_text.ts)",
    "src/tls/store.ts:1: error-to-text is errorText (src/log/error_text.ts)",
    "src/switchboard/keys.ts:1: hex is Uint8Array toHex",
    "src/smdr/push.ts:2: time is the injected Clock",
    "src/smdr/push.ts:6: time is the injected Clock",
    "src/http/sessions.ts:2: time is taken as a Clock, not a now function",
    "src/http/sessions.ts:5: time is taken as a Clock, not a now function",
    "src/http/sessions.ts:6: time is taken as a Clock, not a now function",
    "src/http/sessions.ts:7: time is taken as a Clock, not a now function",
  ]);
});
