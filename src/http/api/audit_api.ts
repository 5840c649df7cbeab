// `GET /api/audit`: the audit log, newest first, filtered by user, text and time range (`from`, `to` as
// ISO times); `download=1` answers the same as a JSON Lines file (one entry a line).

import { Hono } from "hono";
import type { AuditLog } from "../../audit/audit_log.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import { z } from "zod";
import { isoTime, type RouteDoc } from "./route_doc.ts";

/** The routes of /api/audit for the OpenAPI document. */
export const AUDIT_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The audit log, newest first; download=1 answers JSON Lines",
    query: z.object({
      user: z.string().optional(),
      text: z.string().optional().describe("found in the action, the object or either value"),
      from: z.string().optional().describe("ISO time, inclusive"),
      to: z.string().optional().describe("ISO time, inclusive"),
      limit: z.string().optional(),
      download: z.string().optional().describe("any value: the entries as a JSON Lines file"),
    }),
    response: z.strictObject({
      entries: z.array(z.strictObject({
        id: z.number().int(),
        at: isoTime,
        user: z.string(),
        via: z.string().describe('session, basic, or token "name"'),
        address: z.string(),
        action: z.string(),
        object: z.string(),
        old: z.unknown().optional(),
        new: z.unknown().optional(),
      })),
    }),
  },
];

export function createAuditApi(audit: AuditLog): Hono<HttpEnv> {
  return new Hono<HttpEnv>().get("/", (c) => {
    const q = (name: string) => c.req.query(name)?.trim() || undefined;
    const time = (name: string) => {
      const value = q(name);
      return value === undefined
        ? undefined
        : Number.isNaN(Date.parse(value))
        ? null
        : new Date(value).toISOString();
    };
    const from = time("from"), to = time("to");
    if (from === null || to === null) {
      const field = from === null ? "from" : "to";
      return apiError(c, 400, "invalid_value", `${field}: not a time (e.g. 2026-12-07T04:00:00Z)`, { field });
    }
    const limit = q("limit") ? Number(q("limit")) : undefined;
    const entries = audit.query({ user: q("user"), text: q("text"), from, to, limit });
    if (q("download")) {
      return c.body(entries.map((e) => JSON.stringify(e)).join("\n") + "\n", 200, {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": 'attachment; filename="cstabox-audit.jsonl"',
      });
    }
    return c.json({ entries });
  });
}
