// `GET /api/statistics`: every series the Statistics page draws, as JSON (`?series=events` for one): its
// title, unit, bucket width and range, and one point per bucket, `null` where nothing was recorded.

import { Hono } from "hono";
import type { SeriesChart } from "../../statistics/statistic_charts.ts";
import { errorText } from "../../log/error_text.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import { z } from "zod";
import { isoTime, type RouteDoc } from "./route_doc.ts";

export interface StatisticsSource {
  charts(): SeriesChart[];
}

/** The routes of /api/statistics for the OpenAPI document. */
export const STATISTICS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "Every series the Statistics page draws (or one, with ?series=)",
    query: z.object({ series: z.string().optional().describe("one series by name, e.g. events") }),
    response: z.strictObject({
      series: z.array(z.strictObject({
        name: z.string(),
        title: z.string(),
        unit: z.string(),
        bucketSeconds: z.number(),
        from: isoTime,
        to: isoTime,
        points: z.array(z.strictObject({ at: isoTime, value: z.number().nullable() })),
      })),
    }),
  },
];

export function createStatisticsApi(source: StatisticsSource): Hono<HttpEnv> {
  return new Hono<HttpEnv>().get("/", (c) => {
    const wanted = c.req.query("series");
    let charts: SeriesChart[];
    try {
      charts = source.charts();
    } catch (error) {
      return apiError(c, 503, "statistics_unavailable", `statistics cannot be read: ${errorText(error)}`);
    }
    const chosen = wanted ? charts.filter((s) => s.name === wanted) : charts;
    if (wanted && chosen.length === 0) {
      return apiError(c, 400, "invalid_value", `series: one of ${charts.map((s) => s.name).join(", ")}`, {
        field: "series",
      });
    }
    return c.json({
      series: chosen.map((s) => ({
        name: s.name,
        title: s.title,
        unit: s.unit,
        bucketSeconds: s.bucketMs / 1000,
        from: new Date(s.from).toISOString(),
        to: new Date(s.to).toISOString(),
        points: s.points.map((p) => ({ at: new Date(p.at).toISOString(), value: p.value })),
      })),
    });
  });
}
