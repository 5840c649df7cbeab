// A series' chart from its stored rows: fixed buckets aligned to the chart's bucket width (UTC), the
// newest (still filling) on the right; a bucket without any row (cstabox was off) is a gap, not a zero.

import { SERIES, type SeriesDefinition } from "./statistic_series.ts";
import type { BucketSum, StatisticsStore } from "./statistics_store.ts";

export interface ChartPoint {
  /** The bucket's start, ms since the epoch. */
  at: number;
  /** null: nothing was recorded in the bucket (cstabox was not running). */
  value: number | null;
}

export interface SeriesChart {
  name: string;
  title: string;
  unit: string;
  bucketMs: number;
  /** The first bucket's start and the last bucket's end, ms since the epoch. */
  from: number;
  to: number;
  points: ChartPoint[];
}

/** The range of buckets the chart of `series` shows at `now`. */
export function chartRange(series: SeriesDefinition, now: number): { from: number; to: number } {
  const to = (Math.floor(now / series.chartMs) + 1) * series.chartMs;
  return { from: to - series.rangeMs, to };
}

/** The chart of `series` from its bucket sums (`StatisticsStore.bucketSums` over `chartRange`). */
export function chartOf(series: SeriesDefinition, sums: readonly BucketSum[], now: number): SeriesChart {
  const { from, to } = chartRange(series, now);
  const byStart = new Map(sums.map((b) => [b.at, b]));
  return {
    name: series.name,
    title: series.title,
    unit: series.unit,
    bucketMs: series.chartMs,
    from,
    to,
    points: Array.from({ length: series.rangeMs / series.chartMs }, (_, i) => {
      const at = from + i * series.chartMs;
      const bucket = byStart.get(at);
      return { at, value: bucket && bucket.rows > 0 ? valueOf(series, bucket.sum, bucket.rows) : null };
    }),
  };
}

function valueOf(series: SeriesDefinition, sum: number, rows: number): number {
  switch (series.value) {
    case "sum":
      return sum;
    case "perSecond":
      return round(sum / (rows * (series.storeMs / 1000)), 3);
    case "percent":
      return round((sum / rows) * 100, 1);
    case "mebibytes":
      return round(sum / rows / (1024 * 1024), 1);
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Every series' chart at `now`, read from the store. */
export function readCharts(
  store: Pick<StatisticsStore, "bucketSums">,
  now: number,
  series: readonly SeriesDefinition[] = SERIES,
): SeriesChart[] {
  return series.map((s) => {
    const { from, to } = chartRange(s, now);
    return chartOf(s, store.bucketSums(s.name, from, to, s.chartMs), now);
  });
}
