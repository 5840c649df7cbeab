// The appliance's long-term figures (issue 22, "Charts with axes"): what each series counts, how finely it
// is stored, how long it is kept, and how its chart buckets it. One table of five series.

export type SeriesName = "events" | "calls" | "smdr" | "link" | "rss";

/** How a chart bucket's value is made from the stored rows that fall into it. */
export type ChartValue =
  /** The rows' sum divided by the seconds the rows cover (each row one stored bucket): a mean rate. */
  | "perSecond"
  /** The rows' sum: how many in the bucket. */
  | "sum"
  /** The rows' mean times 100: the share of stored buckets with value 1 (the link up). */
  | "percent"
  /** The rows' mean divided by 1 MiB. */
  | "mebibytes";

export interface SeriesDefinition {
  name: SeriesName;
  title: string;
  /** The chart's value axis. */
  unit: string;
  /**
   * `count`: each minute adds what happened in it to its stored bucket; `level`: each minute stores one
   * reading (a level series is stored by the minute).
   */
  kind: "count" | "level";
  /** Width of one stored row, ms. */
  storeMs: number;
  /** Width of one chart bucket (a bar or a point), ms; buckets start at multiples of it (UTC). */
  chartMs: number;
  /** What the chart shows, ms back from the current bucket's end. */
  rangeMs: number;
  value: ChartValue;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const SERIES: readonly SeriesDefinition[] = [
  {
    name: "events",
    title: "Events per second from the PBX",
    unit: "events/s",
    kind: "count",
    storeMs: MINUTE_MS,
    chartMs: 15 * MINUTE_MS,
    rangeMs: DAY_MS,
    value: "perSecond",
  },
  {
    name: "calls",
    title: "Calls per hour",
    unit: "calls",
    kind: "count",
    storeMs: MINUTE_MS,
    chartMs: HOUR_MS,
    rangeMs: DAY_MS,
    value: "sum",
  },
  {
    name: "smdr",
    title: "SMDR records per day",
    unit: "records",
    kind: "count",
    storeMs: HOUR_MS,
    chartMs: DAY_MS,
    rangeMs: 30 * DAY_MS,
    value: "sum",
  },
  {
    name: "link",
    title: "PBX link up",
    unit: "% of minutes",
    kind: "level",
    storeMs: MINUTE_MS,
    chartMs: HOUR_MS,
    rangeMs: 7 * DAY_MS,
    value: "percent",
  },
  {
    name: "rss",
    title: "Memory (RSS)",
    unit: "MiB",
    kind: "level",
    storeMs: MINUTE_MS,
    chartMs: 15 * MINUTE_MS,
    rangeMs: DAY_MS,
    value: "mebibytes",
  },
];

/** How long a series' rows are kept: its chart's range and one more chart bucket (the partial oldest one). */
export function keepMs(series: SeriesDefinition): number {
  return series.rangeMs + series.chartMs;
}

/** Rows a series holds at most: the fixed cost of keeping it. */
export function maxRows(series: SeriesDefinition): number {
  return Math.ceil(keepMs(series) / series.storeMs) + 1;
}

export function seriesNamed(name: string): SeriesDefinition | undefined {
  return SERIES.find((s) => s.name === name);
}
