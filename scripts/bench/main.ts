// `deno task bench`: runs the registered benchmark suites (all, or those named with --suite), prints one
// table and writes test-output/bench.json. Exits non-zero when a suite fails or a requirement check fails.

import { parseArgs } from "node:util";
import { BenchReport } from "./report.ts";
import { SUITES } from "./suites.ts";
import { errorText } from "../../src/log/error_text.ts";

const USAGE = `usage: deno task bench [--suite NAME]... [--quick] [--json PATH]
  --suite NAME  run only this suite (repeatable); one of: ${SUITES.map((s) => s.name).join(", ")}
  --quick       short batches, for a smoke run
  --json PATH   where to write the JSON (default test-output/bench.json)`;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        suite: { type: "string", multiple: true },
        quick: { type: "boolean", default: false },
        json: { type: "string", default: "test-output/bench.json" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    console.error(`${errorText(e)}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const wanted = values.suite ?? SUITES.map((s) => s.name);
  const unknown = wanted.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown suite: ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  const report = new BenchReport({ quick: values.quick });
  let failedSuites = 0;
  for (const suite of SUITES.filter((s) => wanted.includes(s.name))) {
    console.error(`bench: ${suite.name}: ${suite.description}${values.quick ? " (quick)" : ""}`);
    try {
      await (await suite.load()).run(report);
    } catch (e) {
      failedSuites++;
      console.error(`bench: suite ${suite.name} failed: ${e instanceof Error ? e.stack : e}`);
    }
  }
  const machine = report.toJSON().machine;
  console.log(`machine: ${machine.cpus} cores, ${machine.cpuModel ?? "unknown CPU"}; deno ${machine.deno}`);
  console.log(report.table());
  await report.writeJson(values.json);
  console.log(`written: ${values.json}`);
  return failedSuites === 0 && report.allChecksPassed ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
