// Preloaded (`deno run --preload`) into the processes the multiplexer bench measures, cstabox and the
// broadcast relay, so both measure their event-loop delay the same way: node:perf_hooks' histogram (10 ms
// resolution), written as JSON (ms) to CSTABOX_BENCH_LOOP_DELAY_FILE on SIGUSR2 and started afresh. Not
// SIGUSR1: Deno, like Node, starts its inspector server on SIGUSR1 (the first measured process then served
// a debugger port for the rest of the run, and the others printed that they could not).

import { monitorEventLoopDelay } from "node:perf_hooks";
import { writeFileAtomic } from "../../src/fs/atomic_file.ts";

/** What the probe writes: the delay percentiles and maximum in milliseconds, and how many samples. */
export interface LoopDelayFigures {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

const file = Deno.env.get("CSTABOX_BENCH_LOOP_DELAY_FILE");
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => ns / 1e6;
  Deno.addSignalListener("SIGUSR2", () => {
    const figures: LoopDelayFigures = {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      samples: histogram.count,
    };
    histogram.reset();
    void writeFileAtomic(file, JSON.stringify(figures)); // the bench never reads half a file
  });
}
