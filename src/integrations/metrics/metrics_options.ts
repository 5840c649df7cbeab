// The `metrics` settings section: whether /metrics is served and who may read it.

import { z } from "zod";

export const metricsSchema = z.object({
  enabled: z.boolean().default(true).describe("serve Prometheus metrics at GET /metrics"),
  openOnLoopback: z.boolean().default(false).describe(
    "serve /metrics without authentication to clients on this box (127.0.0.1, ::1); others always log in as for the API",
  ),
}).strict();

export type MetricsSettings = z.infer<typeof metricsSchema>;
