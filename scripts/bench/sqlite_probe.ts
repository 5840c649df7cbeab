// A diagnostic probe, preloaded into cstabox under the bench (`CSTABOX_BENCH_DENO_FLAGS="--preload
// scripts/bench/sqlite_probe.ts"`): times every node:sqlite call on the event loop (COMMITs apart, as
// they carry the fsync of synchronous=FULL), written on SIGUSR2 to /tmp/cstabox-sqlite-probe-<pid>.json
// alongside the loop-delay probe's figures, and started afresh (SIGUSR1 would start Deno's inspector).

import { DatabaseSync, StatementSync } from "node:sqlite";

interface Tally {
  calls: number;
  ms: number;
  maxMs: number;
  /** Calls that took 1 ms or more: each one a stall of every application's delivery. */
  over1ms: number;
}

const tallies = new Map<string, Tally>();
const tally = (what: string, ms: number) => {
  let t = tallies.get(what);
  if (!t) tallies.set(what, t = { calls: 0, ms: 0, maxMs: 0, over1ms: 0 });
  t.calls++;
  t.ms += ms;
  t.maxMs = Math.max(t.maxMs, ms);
  if (ms >= 1) t.over1ms++;
};

// deno-lint-ignore no-explicit-any
type Method = (this: any, ...args: any[]) => unknown;
function wrap(
  proto: Record<string, Method>,
  name: string,
  label: (self: unknown, args: unknown[]) => string,
) {
  const original = proto[name];
  proto[name] = function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      tally(label(this, args), performance.now() - started);
    }
  };
}

const execLabel = (_: unknown, args: unknown[]) => {
  const sql = String(args[0]).trim().split(/\s+/)[0].toUpperCase();
  return sql === "COMMIT" || sql === "RELEASE" ? `exec ${sql}` : "exec other";
};
wrap(DatabaseSync.prototype as never, "exec", execLabel);
for (const name of ["run", "get", "all"]) {
  wrap(StatementSync.prototype as never, name, (self) => {
    const sql = String((self as { sourceSQL: string }).sourceSQL).trim().split(/\s+/).slice(0, 3).join(" ");
    return `statement ${name} ${sql}`;
  });
}

let since = performance.now();
Deno.addSignalListener("SIGUSR2", () => {
  const seconds = (performance.now() - since) / 1000;
  const rows = [...tallies].sort((a, b) => b[1].ms - a[1].ms).map(([what, t]) => ({ what, ...t }));
  const total = rows.reduce((sum, r) => sum + r.ms, 0);
  try {
    Deno.writeTextFileSync(
      `/tmp/cstabox-sqlite-probe-${Deno.pid}.json`,
      JSON.stringify({ seconds, msPerSecond: total / seconds, rows }, null, 1),
    );
  } catch {
    // a process without write permission (the relays): nothing to report anyway
  }
  tallies.clear();
  since = performance.now();
});
