// JSON API of the recent log (the in-memory ring), mounted at /api/logs: entries after a sequence number
// at or above a level, newest last, so a script can follow the log by asking for what came after.

import { Hono } from "hono";
import { z } from "zod";
import type { LogRing } from "../../log/logger.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";

const query = z.object({
  after: z.coerce.number().int().min(0).default(0),
  level: z.enum(["debug", "info", "warn", "error"]).default("debug"),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** Builds the /api/logs sub-app over the process's log ring. */
export function createLogsApi(ring: LogRing): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => {
    const parsed = query.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? "");
      return apiError(c, 400, "invalid_query", `${field}: ${issue.message}`, { field });
    }
    const { after, level, limit } = parsed.data;
    const entries = ring.entries({ afterSeq: after, minLevel: level });
    return c.json({ entries: entries.slice(-limit), capacity: ring.capacity });
  });
  return app;
}
