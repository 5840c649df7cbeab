// JSON API of live calls, mounted at /api/calls: what the call tracker reports, paged, sorted and filtered
// as every list (list_query.ts), or that it is not running (the seam stays the same when it is wired in).

import { Hono } from "hono";
import { z } from "zod";
import type { HttpEnv } from "../context.ts";
import { isoTime, pageInfoShape, type RouteDoc } from "./route_doc.ts";
import type { CallsSource, LiveCall } from "../web_ui_sources.ts";
import {
  containsText,
  invalidQuery,
  listQuery,
  pageOfList,
  parseListQuery,
  textFilter,
} from "./list_query.ts";

/** `GET /api/calls`: newest call first unless asked otherwise. */
export const callsQuery = listQuery(["startedAt", "state", "direction", "from", "to", "id"], {
  q: textFilter().describe("part of the call id, either party or a line"),
  state: textFilter(30).describe("the tracker's state, e.g. alerting, connected, held"),
  direction: textFilter(20).describe("incoming, outgoing or internal"),
}, { dir: "desc" });

const callSchema = z.strictObject({
  id: z.string(),
  state: z.string().describe("alerting, connected, held, queued, … in the tracker's words"),
  from: z.string(),
  to: z.string(),
  startedAt: isoTime,
  lines: z.array(z.string()).optional(),
  direction: z.string().optional().describe("incoming, outgoing or internal"),
});

/** The routes of /api/calls for the OpenAPI document. */
export const CALLS_ROUTES: readonly RouteDoc[] = [{
  method: "get",
  path: "/",
  summary: "The live calls, a page at a time (newest first), sorted and filtered",
  query: callsQuery,
  response: z.strictObject({
    available: z.boolean().describe("false: call tracking is not running"),
    calls: z.array(callSchema),
    ...pageInfoShape,
  }),
}];

const callSorts: Record<string, (call: LiveCall) => string | number> = {
  startedAt: (call) => call.startedAt,
  state: (call) => call.state,
  direction: (call) => call.direction ?? "",
  from: (call) => call.from,
  to: (call) => call.to,
  id: (call) => call.id,
};

/** Builds the /api/calls sub-app; without a source the answer says call tracking is not available. */
export function createCallsApi(source: CallsSource | undefined): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => {
    const parsed = parseListQuery(callsQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const q = parsed.data;
    const { rows, info } = pageOfList(
      source?.activeCalls() ?? [],
      q,
      callSorts,
      (call) =>
        (!q.q || containsText([call.id, call.from, call.to, ...(call.lines ?? [])], q.q)) &&
        (!q.state || call.state === q.state) &&
        (!q.direction || call.direction === q.direction),
    );
    return c.json({ available: source !== undefined, calls: rows, ...info });
  });
  return app;
}
