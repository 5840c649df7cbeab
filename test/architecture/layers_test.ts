// The architecture test: reads every import of src/ and mod.ts and fails on an import that runs up the
// layers of docs/ARCHITECTURE.md, on a cycle between folders, and on I/O (Deno.*, timers, sockets, the
// clock) in src/csta. Run by `deno task check`; a failure names the file, the line and the rule.

import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";
import { readSources, stripComments } from "./sources.ts";

/**
 * The layers, lowest first. A unit (a folder of src/, or a file directly in src/) may import its own
 * layer and those below, never one above. Within a layer folders may import each other, but never in a
 * circle (the cycle check below).
 */
export const LAYERS: { name: string; units: string[] }[] = [
  {
    name: "foundation",
    units: [
      "clock.ts",
      "deadlines.ts",
      "latch.ts",
      "service.ts",
      "lifecycle.ts",
      "service_registry.ts",
      "log",
      "fs",
    ],
  },
  { name: "protocol", units: ["csta"] },
  { name: "infrastructure", units: ["net", "store", "accounts", "licensing", "tls", "systemd", "trace"] },
  { name: "link", units: ["pbx"] },
  { name: "multiplexer", units: ["switchboard", "client", "server"] },
  { name: "services", units: ["calls", "lines", "smdr", "line_api", "integrations", "sim"] },
  { name: "administration", units: ["settings", "backup", "audit", "statistics"] },
  { name: "web", units: ["http"] },
  { name: "composition", units: ["app.ts", "cli.ts", "mod.ts", "reset_admin_password.ts"] },
];

/** Imports the rules allow although they break them, each with its reason and the issue that removes it. */
export const EXCEPTIONS: { from: string; to: string; reason: string }[] = [];

/** Names that mean I/O or time; none may appear in src/csta (pure protocol code). */
const IMPURE = [
  /\bDeno\./,
  /\b(setTimeout|setInterval|clearTimeout|clearInterval|queueMicrotask)\s*\(/,
  /\bDate\.now\s*\(/,
  /\bnew Date\s*\(\s*\)/,
  /\bperformance\.now\s*\(/,
  /["']node:(net|tls|dgram|http|https|fs|fs\/promises|child_process|timers)["']/,
  /\bWebSocket\b/,
  /\bfetch\s*\(/,
];

export interface ImportEdge {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  /** Repository-relative path of the imported file. */
  target: string;
}

/** The unit a source path belongs to: its first folder under src/, a file directly in src/, or mod.ts. */
export function unitOf(path: string): string | undefined {
  if (path === "mod.ts") return "mod.ts";
  const parts = path.split("/");
  if (parts[0] !== "src" || parts.length < 2) return undefined;
  return parts[1];
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\b[^"'`]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/g;

/** The relative imports of one file's text, with their line numbers (comments are skipped). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const code = stripComments(text);
  for (const match of code.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (!spec.startsWith(".")) continue;
    const line = code.slice(0, match.index).split("\n").length + (match[0].startsWith("\n") ? 1 : 0);
    edges.push({ file, line, target: normalize(join(dirname(file), spec)) });
  }
  return edges;
}

/** Layer rule: every import from a lower layer to a higher one, except the listed exceptions. */
export function upwardImports(edges: ImportEdge[], layers = LAYERS, exceptions = EXCEPTIONS): string[] {
  const rank = new Map(layers.flatMap((layer, i) => layer.units.map((unit) => [unit, i] as const)));
  const found: string[] = [];
  for (const edge of edges) {
    const from = unitOf(edge.file);
    const to = unitOf(edge.target);
    if (!from || !to || from === to) continue;
    const [a, b] = [rank.get(from), rank.get(to)];
    if (a === undefined) found.push(`${edge.file}: src/${from} is in no layer (add it to LAYERS)`);
    else if (b === undefined) {
      found.push(`${edge.file}:${edge.line}: src/${to} is in no layer (add it to LAYERS)`);
    } else if (b > a && !exceptions.some((e) => e.from === from && e.to === to)) {
      found.push(
        `${edge.file}:${edge.line}: ${from} (${layers[a].name}) imports ${edge.target} (${
          layers[b].name
        }), a higher layer`,
      );
    }
  }
  return found;
}

/**
 * Cycle rule: each group of folders that import each other in a circle (a strongly connected component),
 * named by its shortest circle, e.g. "lines -> pbx -> lines".
 */
export function folderCycles(edges: ImportEdge[], exceptions = EXCEPTIONS): string[] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const [from, to] = [unitOf(edge.file), unitOf(edge.target)];
    if (!from || !to || from === to) continue;
    if (exceptions.some((e) => e.from === from && e.to === to)) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  const reaches = (from: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [from];
    while (todo.length) {
      for (const next of graph.get(todo.pop()!) ?? []) if (!seen.has(next)) seen.add(next), todo.push(next);
    }
    return seen;
  };
  const found: string[] = [];
  const placed = new Set<string>();
  for (const node of [...graph.keys()].sort()) {
    if (placed.has(node) || !reaches(node).has(node)) continue;
    const group = [...reaches(node)].filter((other) => reaches(other).has(node));
    group.forEach((member) => placed.add(member));
    found.push(shortestCircle(graph, node, new Set(group)).join(" -> "));
  }
  return found;
}

/** The shortest path from `start` back to itself inside `group` (breadth first). */
function shortestCircle(graph: Map<string, Set<string>>, start: string, group: Set<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!group.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return [...path, start];
      }
      if (!previous.has(next)) previous.set(next, node), queue.push(next);
    }
  }
  return [start];
}

/** Purity rule: I/O, timers and clocks in src/csta, and imports from csta/ to anywhere else. */
export function impureProtocolCode(files: Map<string, string>, edges: ImportEdge[]): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    if (unitOf(file) !== "csta") continue;
    stripComments(text).split("\n").forEach((line, i) => {
      for (const pattern of IMPURE) {
        if (pattern.test(line)) found.push(`${file}:${i + 1}: ${pattern.source} in pure protocol code`);
      }
    });
  }
  for (const edge of edges) {
    if (unitOf(edge.file) === "csta" && unitOf(edge.target) !== "csta") {
      found.push(`${edge.file}:${edge.line}: csta imports ${edge.target}; protocol code imports only csta/`);
    }
  }
  return found;
}

function allEdges(files: Map<string, string>): ImportEdge[] {
  return [...files].flatMap(([file, text]) => importsOf(file, text));
}

Deno.test("architecture: no import runs up the layers", async () => {
  const found = upwardImports(allEdges(await readSources()));
  assert.deepEqual(found, [], `imports against the layers of docs/ARCHITECTURE.md:\n${found.join("\n")}`);
});

Deno.test("architecture: no folders import each other in a circle", async () => {
  const found = folderCycles(allEdges(await readSources()));
  assert.deepEqual(found, [], `circles between folders:\n${found.join("\n")}`);
});

Deno.test("architecture: src/csta is pure (no Deno.*, timers, clocks or sockets; imports only csta/)", async () => {
  const files = await readSources();
  const found = impureProtocolCode(files, allEdges(files));
  assert.deepEqual(found, [], `I/O in protocol code:\n${found.join("\n")}`);
});

Deno.test("architecture: every folder of src/ is in exactly one layer", async () => {
  const units = new Set([...(await readSources()).keys()].map((f) => unitOf(f)!));
  const placed = LAYERS.flatMap((l) => l.units);
  assert.deepEqual(placed.length, new Set(placed).size, "a unit is listed in two layers");
  const missing = [...units].filter((u) => !placed.includes(u));
  assert.deepEqual(missing, [], `not in any layer: ${missing.join(", ")}`);
});

// The rules themselves, proved on small made-up trees, so a rule that stops matching anything is seen.
Deno.test("architecture rules: an upward import, a circle and a timer in csta are each caught", () => {
  const files = new Map([
    [
      "src/csta/rose.ts",
      'import { Switchboard } from "../switchboard/switchboard.ts";\nsetTimeout(() => {}, 1);\n',
    ],
    ["src/pbx/pbx_link.ts", 'import { x } from "../lines/line.ts";\n'],
    ["src/lines/line.ts", 'import type { y } from "../pbx/pbx_link.ts";\n'],
    ["src/http/app.ts", '// import { z } from "../app.ts";\nimport { a } from "../csta/rose.ts";\n'],
  ]);
  const edges = allEdges(files);
  assert.deepEqual(upwardImports(edges), [
    "src/csta/rose.ts:1: csta (protocol) imports src/switchboard/switchboard.ts (multiplexer), a higher layer",
    "src/pbx/pbx_link.ts:1: pbx (link) imports src/lines/line.ts (services), a higher layer",
  ]);
  assert.deepEqual(folderCycles(edges), ["lines -> pbx -> lines"]);
  assert.deepEqual(impureProtocolCode(files, edges), [
    "src/csta/rose.ts:2: \\b(setTimeout|setInterval|clearTimeout|clearInterval|queueMicrotask)\\s*\\( in pure protocol code",
    "src/csta/rose.ts:1: csta imports src/switchboard/switchboard.ts; protocol code imports only csta/",
  ]);
});
