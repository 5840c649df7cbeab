// Measures how often a function runs per second: calibrates a batch size, warms up, then takes the median
// of several timed batches so one scheduler hiccup on a shared 2-core box does not decide the figure.

/** How long and how often to measure. */
export interface RateOptions {
  /** Each timed batch runs at least this long. */
  batchMs: number;
  /** Timed batches; the median is reported. */
  rounds: number;
}

/** Settings for a full run and for `--quick`. */
export const FULL_RUN: RateOptions = { batchMs: 200, rounds: 7 };
export const QUICK_RUN: RateOptions = { batchMs: 25, rounds: 3 };

/**
 * Keeps results alive so the optimiser cannot drop the measured call. Exported (and so observable) on
 * purpose.
 */
export let blackhole: unknown = null;

function timeBatch(fn: () => unknown, iterations: number): number {
  const start = performance.now();
  let last: unknown = null;
  for (let i = 0; i < iterations; i++) last = fn();
  const elapsed = performance.now() - start;
  blackhole = last;
  return elapsed;
}

/** Calls per second of `fn`: the median over `options.rounds` batches of at least `options.batchMs`. */
export function measureRate(fn: () => unknown, options: RateOptions): number {
  // Calibrate (this also warms the function up): grow the batch until it takes batchMs.
  let iterations = 1;
  for (;;) {
    const elapsed = timeBatch(fn, iterations);
    if (elapsed >= options.batchMs) break;
    const factor = elapsed <= 0 ? 10 : Math.min(10, Math.max(1.5, (options.batchMs * 1.1) / elapsed));
    iterations = Math.ceil(iterations * factor);
  }
  const rates: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    rates.push((iterations * 1000) / timeBatch(fn, iterations));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}
