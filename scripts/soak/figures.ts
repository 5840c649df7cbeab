// What a soak part reports, and the arithmetic behind it: percentiles, the least-squares slope of RSS
// samples, and the comparison of every application's per-device event sequence with the fullest one.

export { percentile } from "../bench/multiplexer_bench.ts";
import type { SoakApplication } from "./application.ts";

/** One part's outcome: pass/fail on its criteria, figures, and why it failed. */
export interface PartResult {
  part: string;
  passed: boolean;
  seconds: number;
  figures: Record<string, number | string>;
  failures: string[];
  /** Why the part could not run here (e.g. it needs root); a skipped part neither passes nor fails. */
  skipped?: string;
}

/** Whether the run is the short CI one or the full campaign. */
export interface SoakMode {
  quick: boolean;
  /** The memory soak's length in minutes, when not the mode's own (40 s quick, 30 min full). */
  soakMinutes?: number;
}

/** Collects a part's figures and failed criteria. */
export class PartReport {
  readonly figures: Record<string, number | string> = {};
  readonly failures: string[] = [];
  readonly #started = performance.now();

  constructor(readonly part: string) {}

  set(name: string, value: number | string): void {
    this.figures[name] = typeof value === "number" ? Math.round(value * 100) / 100 : value;
  }

  /** A criterion: recorded as a failure with `detail` when false. */
  expect(ok: boolean, criterion: string, detail: string): void {
    if (!ok) this.failures.push(`${criterion}: ${detail}`);
  }

  /** The part cannot run on this machine: why, in words an operator can act on. */
  skipped(reason: string): PartResult {
    return { ...this.result(), passed: true, skipped: reason };
  }

  result(): PartResult {
    return {
      part: this.part,
      passed: this.failures.length === 0,
      seconds: Math.round((performance.now() - this.#started) / 100) / 10,
      figures: this.figures,
      failures: this.failures,
    };
  }
}

/** Least-squares slope of `ys` over `xs` (per unit of x); NaN with fewer than 2 points. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Events the applications missed, and ones they got out of order, against the fullest sequence per device. */
export interface SequenceComparison {
  devices: number;
  reference: number;
  lost: number;
  unexpected: number;
}

/**
 * Every application monitored the same devices for the same time, so each must hold the same sequence per
 * device. The fullest application's sequence is the reference; another's events are matched to it in order
 * (a subsequence match): reference events not matched are lost, the application's unmatched ones unexpected.
 * (An event every application missed is not seen here; the PBX-side count is compared by the caller.)
 */
export function compareSequences(apps: readonly Pick<SoakApplication, "events">[]): SequenceComparison {
  const devices = new Set(apps.flatMap((a) => [...a.events.keys()]));
  let reference = 0;
  let lost = 0;
  let unexpected = 0;
  for (const device of devices) {
    const lists = apps.map((a) => a.events.get(device) ?? []);
    const ref = lists.reduce((a, b) => (b.length > a.length ? b : a), []);
    reference += ref.length;
    for (const list of lists) {
      let r = 0;
      let matched = 0;
      for (const event of list) {
        let k = r;
        while (k < ref.length && ref[k] !== event) k++;
        if (k < ref.length) {
          matched++;
          r = k + 1;
        } else unexpected++;
      }
      lost += ref.length - matched;
    }
  }
  return { devices: devices.size, reference, lost, unexpected };
}

/** Events the applications got against the PBX's own count per device (the simulator's console `events`). */
export interface PbxComparison {
  /** EventReports the PBX sent for the compared devices (one monitor each, shared by the applications). */
  sent: number;
  /** Per application and device, events the PBX sent that it did not get; and ones it got beyond them. */
  missing: number;
  extra: number;
  /** Application-device pairs whose count differs from the PBX's. */
  mismatched: number;
}

/**
 * Every application monitored every device in `devices` before the first event, with no filter, so each
 * must have received exactly the PBX's count per device: this sees an event that every application missed,
 * which the comparison of the applications with each other cannot.
 */
export function compareWithPbx(
  apps: readonly Pick<SoakApplication, "events">[],
  devices: readonly string[],
  pbxCount: Record<string, number>,
): PbxComparison {
  const result = { sent: 0, missing: 0, extra: 0, mismatched: 0 };
  for (const device of devices) {
    const sent = pbxCount[device] ?? 0;
    result.sent += sent;
    for (const app of apps) {
      const got = app.events.get(device)?.length ?? 0;
      if (got !== sent) result.mismatched++;
      result.missing += Math.max(0, sent - got);
      result.extra += Math.max(0, got - sent);
    }
  }
  return result;
}

/**
 * Reads the PBX's count once the applications are quiet, compares every application with it and records
 * the figures and criteria. Valid only over one association (the simulator's count restarts with each).
 */
export async function checkAgainstPbx(
  report: PartReport,
  sim: {
    eventReportsByDevice(): Promise<Record<string, number>>;
    status(): Promise<{ associationsServed: number }>;
  },
  apps: readonly Pick<SoakApplication, "events">[],
  devices: readonly string[],
): Promise<void> {
  const [counts, status] = [await sim.eventReportsByDevice(), await sim.status()];
  const compared = compareWithPbx(apps, devices, counts);
  report.set("EventReports the PBX sent for the monitored devices (simulator's count)", compared.sent);
  report.set("events missing against the PBX's count (all applications)", compared.missing);
  report.set("events beyond the PBX's count (all applications)", compared.extra);
  report.expect(
    status.associationsServed === 1,
    "one association (the PBX's count covers the whole run)",
    `${status.associationsServed} associations`,
  );
  report.expect(compared.sent > 0, "the PBX sent events", "its count is 0");
  report.expect(
    compared.mismatched === 0,
    "every application got the PBX's count per device",
    `${compared.mismatched} application-device pairs differ: ${compared.missing} missing, ${compared.extra} extra`,
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 200 ms until it is true or `timeoutMs` passes; returns whether it became true. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await check()) return true;
    await sleep(200);
  }
  return await check();
}
