// Collects the rows and requirement checks of every benchmark suite, prints them as one plain table and
// writes them as JSON (test-output/bench.json) with the machine they were measured on.

/** One measured figure. */
export interface BenchRow {
  suite: string;
  case: string;
  value: number;
  /** e.g. `"frames/s"`. */
  unit: string;
  /** value divided by the suite's baseline measured in the same run (1 for the baseline itself). */
  ratioToBaseline?: number;
}

/** A requirement a suite checks on its own figures, e.g. "peek at least 100x faster than fromBER". */
export interface BenchCheck {
  suite: string;
  requirement: string;
  passed: boolean;
  detail: string;
}

/** How the run was asked for. */
export interface BenchOptions {
  /** Short batches and few rounds: a smoke run, figures are rougher. */
  quick: boolean;
}

/** Where the figures were measured: they mean little without it. */
export interface MachineInfo {
  deno: string;
  v8: string;
  os: string;
  arch: string;
  cpus: number;
  cpuModel: string | null;
}

/** Describes this machine; reads the CPU model from /proc/cpuinfo where there is one. */
export function describeMachine(): MachineInfo {
  let cpuModel: string | null = null;
  try {
    const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? null;
  } catch {
    // Not Linux, or not readable: the model stays unknown.
  }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    cpuModel,
  };
}

function formatValue(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return "";
  return ratio >= 10 ? `${Math.round(ratio).toLocaleString("en-US")}x` : `${ratio.toFixed(2)}x`;
}

/** The sink every suite writes to; `main.ts` prints and saves it at the end. */
export class BenchReport {
  readonly rows: BenchRow[] = [];
  readonly checks: BenchCheck[] = [];

  constructor(readonly options: BenchOptions) {}

  get quick(): boolean {
    return this.options.quick;
  }

  add(row: BenchRow): void {
    this.rows.push(row);
  }

  /** Records whether a requirement holds; a failed one makes `deno task bench` exit non-zero. */
  check(suite: string, requirement: string, passed: boolean, detail: string): void {
    this.checks.push({ suite, requirement, passed, detail });
  }

  get allChecksPassed(): boolean {
    return this.checks.every((c) => c.passed);
  }

  /** The rows as an aligned plain-text table, followed by the checks. */
  table(): string {
    const header = ["suite", "case", "value", "unit", "vs baseline"];
    const cells = this.rows.map((
      r,
    ) => [r.suite, r.case, formatValue(r.value), r.unit, formatRatio(r.ratioToBaseline)]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const numeric = [false, false, true, false, true];
    const line = (c: string[]) =>
      c.map((s, i) => numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i])).join("  ").trimEnd();
    const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
    for (const c of this.checks) {
      out.push(`${c.passed ? "PASS" : "FAIL"}  ${c.suite}: ${c.requirement} (${c.detail})`);
    }
    return out.join("\n");
  }

  /** Everything, with the machine, as one JSON-ready object. */
  toJSON(): {
    measuredAt: string;
    machine: MachineInfo;
    options: BenchOptions;
    rows: BenchRow[];
    checks: BenchCheck[];
  } {
    return {
      measuredAt: new Date().toISOString(),
      machine: describeMachine(),
      options: this.options,
      rows: this.rows,
      checks: this.checks,
    };
  }

  /** Writes the JSON form to `path`, creating its folder. */
  async writeJson(path: string): Promise<void> {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
    await Deno.writeTextFile(path, JSON.stringify(this, null, 2) + "\n");
  }
}
