// `deno task soak [--quick] [--only PART] [--minutes N]`: the reliability campaign of issue 18, one part
// after another, each bounded in time; prints each part's figures, writes test-output/soak.json, and ends
// with "N passed, N failed".

import { parseArgs } from "node:util";
import { errorText } from "../../src/log/error_text.ts";
import type { PartResult, SoakMode } from "./figures.ts";
import { crowd } from "./crowd.ts";
import { diskFull } from "./disk_full.ts";
import { hostileFrames } from "./hostile_frames.ts";
import { memorySoak } from "./memory_soak.ts";
import { pbxFlaps } from "./pbx_flaps.ts";
import { smdrOutage } from "./smdr_outage.ts";

const PARTS: Record<string, (mode: SoakMode) => Promise<PartResult>> = {
  "pbx-flaps": pbxFlaps,
  "hostile-frames": hostileFrames,
  crowd,
  "smdr-outage": smdrOutage,
  "disk-full": diskFull,
  "memory-soak": memorySoak,
};

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      only: { type: "string", multiple: true },
      minutes: { type: "string" },
    },
  });
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(minutes > 0 && minutes <= 24 * 60)) {
    console.error("soak: --minutes takes a number of minutes, 1 to 1440");
    return 2;
  }
  const mode: SoakMode = { quick: values.quick ?? false, soakMinutes: minutes };
  const names = values.only?.length ? values.only : Object.keys(PARTS);
  const unknown = names.filter((n) => !PARTS[n]);
  if (unknown.length) {
    console.error(`soak: unknown part ${unknown.join(", ")}; parts: ${Object.keys(PARTS).join(", ")}`);
    return 2;
  }
  const started = new Date();
  const results: PartResult[] = [];
  for (const name of names) {
    console.log(`soak: ${name} (${mode.quick ? "quick" : "full"})`);
    let result: PartResult;
    const t0 = performance.now();
    try {
      result = await PARTS[name](mode);
    } catch (error) {
      const message = errorText(error);
      result = {
        part: name,
        passed: false,
        seconds: (performance.now() - t0) / 1000,
        figures: {},
        failures: [`harness error: ${message}`],
      };
    }
    results.push(result);
    const verdict = result.skipped ? `SKIP (${result.skipped})` : result.passed ? "PASS" : "FAIL";
    console.log(`${verdict} ${name} (${result.seconds.toFixed(1)} s)`);
    for (const [figure, value] of Object.entries(result.figures)) console.log(`  ${figure}: ${value}`);
    for (const failure of result.failures) console.log(`  failed: ${failure}`);
  }
  const load = Deno.loadavg().map((n) => n.toFixed(1)).join(" ");
  await Deno.mkdir("test-output", { recursive: true });
  await Deno.writeTextFile(
    "test-output/soak.json",
    JSON.stringify(
      { started: started.toISOString(), quick: mode.quick, loadAverage: load, results },
      null,
      2,
    ) + "\n",
  );
  console.log(`soak: load average at the end ${load}; figures in test-output/soak.json`);
  const skipped = results.filter((r) => r.skipped);
  if (skipped.length) {
    console.log(`soak: ${skipped.length} skipped: ${skipped.map((r) => r.part).join(", ")}`);
  }
  const passed = results.filter((r) => r.passed && !r.skipped).length;
  const failed = results.filter((r) => !r.passed).length;
  // The last line is read by .ci/run: keep its form.
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
