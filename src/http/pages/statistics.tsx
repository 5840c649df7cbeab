// The Statistics page: the appliance's figures over hours, days and weeks as charts with axes (events per
// second, calls per hour, SMDR records per day, PBX link up, memory), from the rows the statistics service
// keeps in the store. The same figures are `GET /api/statistics`.

import type { Hono } from "hono";
import type { SeriesChart } from "../../statistics/statistic_charts.ts";
import { errorText } from "../../log/error_text.ts";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { AxisChart } from "./axis_chart.tsx";
import { Card } from "./components.tsx";
import { renderPage } from "./render.tsx";

/** Which series draw as bars (counts in a bucket) and which as a line (rates and levels). */
const SHAPES: Record<string, "bars" | "line"> = {
  events: "line",
  calls: "bars",
  smdr: "bars",
  link: "bars",
  rss: "line",
};

export function mountStatistics(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/statistics", (c) =>
    renderPage(c, deps, {
      title: "Statistics",
      intro: (
        <>
          The appliance's figures, recorded once a minute into the database. Shaded spans are times without
          data (cstabox was not running). The same figures: <a href="/api/statistics">/api/statistics</a>.
        </>
      ),
      body: () => <StatisticsCharts deps={deps} />,
    }));
}

function StatisticsCharts(props: { deps: WebDeps }) {
  const source = props.deps.ui.statistics;
  if (!source) {
    return (
      <p class="muted">Statistics are not recorded (the statistics service is not part of this server).</p>
    );
  }
  let charts: SeriesChart[];
  try {
    charts = source.charts();
  } catch (error) {
    return <p class="error" id="statistics-unavailable">Statistics cannot be read: {errorText(error)}</p>;
  }
  return (
    <div class="grid charts">
      {charts.map((chart) => (
        <Card title={chart.title} id={`stat-${chart.name}`}>
          <AxisChart chart={chart} shape={SHAPES[chart.name] ?? "bars"} id={`chart-${chart.name}`} />
        </Card>
      ))}
    </div>
  );
}
