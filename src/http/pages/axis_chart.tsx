// A chart drawn on the server as SVG, with a value axis (ticks at round numbers, the unit) and a time axis
// (UTC ticks at whole hours or days), bars or a line, empty buckets shaded as "no data", and the same
// figures as a table for screen readers and for reading exact values. No script draws anything.

import type { SeriesChart } from "../../statistics/statistic_charts.ts";

const WIDTH = 400;
const HEIGHT = 210;
const PLOT = { left: 46, right: 8, top: 22, bottom: 40 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The chart of one series: `bars` for counts, `line` for rates and levels. */
export function AxisChart(
  props: {
    chart: SeriesChart;
    shape: "bars" | "line";
    id: string;
    /** The figures as a table under the chart; off in a live region, whose updates would close it. */
    table?: boolean;
  },
) {
  const { chart, shape, id } = props;
  const values = chart.points.flatMap((p) => p.value === null ? [] : [p.value]);
  const yTicks = chart.unit.startsWith("%") ? [0, 25, 50, 75, 100] : valueTicks(Math.max(0, ...values));
  const yMax = yTicks.at(-1)!;
  const plotW = WIDTH - PLOT.left - PLOT.right;
  const plotH = HEIGHT - PLOT.top - PLOT.bottom;
  const slot = plotW / chart.points.length;
  const x = (at: number) => PLOT.left + ((at - chart.from) / (chart.to - chart.from)) * plotW;
  const y = (value: number) => PLOT.top + plotH - (value / yMax) * plotH;
  const bottom = PLOT.top + plotH;
  const gaps = chart.points.filter((p) => p.value === null).length;
  const summary = summaryText(chart, values, gaps);
  return (
    <figure class="chart axis-chart" id={id}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{chart.title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <text x={PLOT.left} y="12" class="unit">{chart.unit}</text>
        {chart.points.map((p, i) =>
          p.value === null
            ? <rect class="gap" x={PLOT.left + i * slot} y={PLOT.top} width={slot} height={plotH} />
            : null
        )}
        {yTicks.map((t) => (
          <g class="tick">
            <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={y(t)} y2={y(t)} class="grid" />
            <text x={PLOT.left - 4} y={y(t) + 4} text-anchor="end">{tickNumber(t)}</text>
          </g>
        ))}
        {shape === "bars"
          ? chart.points.map((p, i) =>
            p.value === null || p.value === 0 ? null : (
              <rect
                class="bar"
                x={PLOT.left + i * slot + slot * 0.1}
                y={y(p.value)}
                width={slot * 0.8}
                height={bottom - y(p.value)}
              />
            )
          )
          : <path class="line" d={linePath(chart, (i) => PLOT.left + (i + 0.5) * slot, y)} />}
        <line x1={PLOT.left} x2={PLOT.left} y1={PLOT.top} y2={bottom} class="axis" />
        <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={bottom} y2={bottom} class="axis" />
        {timeTicks(chart).map((at) => (
          <g class="tick">
            <line x1={x(at)} x2={x(at)} y1={bottom} y2={bottom + 4} class="axis" />
            <text x={x(at)} y={bottom + 16} text-anchor="middle">{timeLabel(at, chart)}</text>
          </g>
        ))}
        <text x={PLOT.left + plotW / 2} y={HEIGHT - 4} text-anchor="middle" class="axis-title">
          {chart.bucketMs >= DAY ? "day (UTC)" : "time (UTC)"}
        </text>
      </svg>
      <figcaption>{summary}</figcaption>
      {props.table === false ? null : <FigureTable chart={chart} />}
    </figure>
  );
}

function FigureTable(props: { chart: SeriesChart }) {
  const { chart } = props;
  return (
    <details class="chart-table">
      <summary>The figures as a table</summary>
      <table>
        <caption class="visually-hidden">{chart.title}</caption>
        <thead>
          <tr>
            <th scope="col">{bucketHeading(chart.bucketMs)} (UTC)</th>
            <th scope="col" class="num">{chart.unit}</th>
          </tr>
        </thead>
        <tbody>
          {chart.points.map((p) => (
            <tr>
              <td>{bucketLabel(p.at, chart.bucketMs)}</td>
              <td class="num">{p.value === null ? "no data" : tickNumber(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

/** `0, step, …, top` with a step of 1, 2 or 5 times a power of ten, the top at or above `max`. */
export function valueTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const top = Math.ceil(max / step) * step;
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Number((i * step).toPrecision(6)));
}

/**
 * Time ticks at round UTC times: every 2 minutes over an hour or less, every 6 h over a day, every day over
 * a week, every 7 days over a month.
 */
export function timeTicks(chart: SeriesChart): number[] {
  const span = chart.to - chart.from;
  const every = span <= HOUR ? 2 * MINUTE : span <= DAY ? 6 * HOUR : span <= 7 * DAY ? DAY : 7 * DAY;
  const ticks: number[] = [];
  for (let at = Math.ceil(chart.from / every) * every; at < chart.to; at += every) ticks.push(at);
  return ticks;
}

function timeLabel(at: number, chart: SeriesChart): string {
  const iso = new Date(at).toISOString();
  return chart.to - chart.from <= DAY ? iso.slice(11, 16) : dayLabel(at);
}

function dayLabel(at: number): string {
  const date = new Date(at);
  return `${date.getUTCDate()} ${date.toLocaleString("en", { month: "short", timeZone: "UTC" })}`;
}

function bucketHeading(bucketMs: number): string {
  return bucketMs >= DAY ? "Day" : bucketMs >= HOUR ? "Hour from" : "From";
}

function bucketLabel(at: number, bucketMs: number): string {
  const iso = new Date(at).toISOString();
  if (bucketMs >= DAY) return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, bucketMs >= MINUTE ? 16 : 19)}`;
}

function tickNumber(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toLocaleString("en", {
    maximumFractionDigits: value < 10 ? 2 : 1,
  });
}

/** The line through the buckets with a value; a gap lifts the pen. */
function linePath(chart: SeriesChart, x: (i: number) => number, y: (v: number) => number): string {
  let d = "";
  let drawing = false;
  chart.points.forEach((p, i) => {
    if (p.value === null) {
      drawing = false;
      return;
    }
    d += `${drawing ? "L" : "M"}${x(i).toFixed(1)} ${y(p.value).toFixed(1)} `;
    drawing = true;
  });
  return d.trim();
}

function summaryText(chart: SeriesChart, values: number[], gaps: number): string {
  const span = chart.to - chart.from;
  const range = span >= 2 * DAY
    ? `last ${Math.round(span / DAY)} days`
    : span >= 2 * HOUR
    ? `last ${Math.round(span / HOUR)} h`
    : `last ${Math.round(span / MINUTE)} min`;
  if (values.length === 0) return `${chart.title}, ${range}: no data recorded yet.`;
  const peak = Math.max(...values);
  const peakAt = chart.points.find((p) => p.value === peak)!.at;
  const latest = chart.points.findLast((p) => p.value !== null)!;
  return `${chart.title}, ${range}: highest ${tickNumber(peak)} ${chart.unit} (${
    bucketLabel(peakAt, chart.bucketMs)
  }), latest ${tickNumber(latest.value!)} ${chart.unit} (${bucketLabel(latest.at, chart.bucketMs)}); ${
    gaps === 0 ? "no gaps" : `no data for ${gaps} of ${chart.points.length} ${bucketWord(chart.bucketMs)}`
  }.`;
}

function bucketWord(bucketMs: number): string {
  if (bucketMs >= DAY) return "days";
  if (bucketMs >= HOUR) return "hours";
  return bucketMs >= MINUTE ? `${bucketMs / MINUTE}-minute spans` : `${bucketMs / 1000}-second spans`;
}
