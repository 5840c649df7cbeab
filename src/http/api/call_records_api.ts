// JSON API of finished-call records, mounted at /api/call-records: the latest records of calls that ended
// (src/calls/call_record.ts, the schema MQTT and webhooks publish), newest first.

import { Hono } from "hono";
import type { CallRecord } from "../../calls/call_record.ts";
import type { HttpEnv } from "../context.ts";

export function createCallRecordsApi(source: { recentRecords(limit: number): CallRecord[] }): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => {
    const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    return c.json({ records: source.recentRecords(limit) });
  });
  return app;
}
