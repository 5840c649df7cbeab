// JSON API of finished-call records, mounted at /api/call-records: the latest records of calls that ended
// (src/calls/call_record.ts, the schema MQTT and webhooks publish), newest first.

import { Hono } from "hono";
import { type CallRecord, callRecordSchema } from "../../calls/call_record.ts";
import type { HttpEnv } from "../context.ts";
import type { RouteDoc } from "./route_doc.ts";
import { z } from "zod";

/** The routes of /api/call-records for the OpenAPI document. */
export const CALL_RECORDS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The latest records of calls that ended, newest first",
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional().describe("default 50") }),
    response: z.strictObject({ records: z.array(callRecordSchema) }),
  },
];

export function createCallRecordsApi(source: { recentRecords(limit: number): CallRecord[] }): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => {
    const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    return c.json({ records: source.recentRecords(limit) });
  });
  return app;
}
