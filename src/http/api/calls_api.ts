// JSON API of live calls, mounted at /api/calls: what the call tracker reports, paged, sorted and filtered
// as every list (list_query.ts), or that it is not running (the seam stays the same when it is wired in).

import { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
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
