// The list of benchmark suites `deno task bench` knows. A suite is a module `<name>_bench.ts` exporting
// `run(report)`; add a line here to make a new one runnable (and selectable with `--suite <name>`).

import type { BenchReport } from "./report.ts";

/** What a suite module exports. */
export interface BenchSuiteModule {
  run(report: BenchReport): Promise<void>;
}

/** One registered suite; loaded only when it runs. */
export interface BenchSuite {
  name: string;
  description: string;
  load(): Promise<BenchSuiteModule>;
}

export const SUITES: readonly BenchSuite[] = [
  {
    name: "csta_codec",
    description: "hot-path peek and rewrites vs asn1js.fromBER on the §14.6 Delivered event",
    load: () => import("./csta_codec_bench.ts"),
  },
  { name: "smdr", description: "SMDR records to 10 collectors + CPU", load: () => import("./smdr_bench.ts") },
  { name: "calls", description: "SMDR from sim traffic + CPU", load: () => import("./calls_bench.ts") },
  { name: "sim", description: "simulator at 100 calls/s, CPU", load: () => import("./sim_bench.ts") },
  {
    name: "multiplexer",
    description:
      "round trip direct / TCP relay / cstabox; fan-out to 1000 applications with latency, CPU, RSS",
    load: () => import("./multiplexer_bench.ts"),
  },
  {
    name: "integrations",
    description: "100 calls/s with MQTT and two webhooks on vs off: publish rate, latency, CSTA fan-out p99",
    load: () => import("./integrations_bench.ts"),
  },
  {
    name: "line_api",
    description:
      "100 WebSocket clients x 10 lines beside CSTA applications at 100 calls/s: event latency vs CSTA, lineMakeCall, RSS",
    load: () => import("./line_api_bench.ts"),
  },
];
