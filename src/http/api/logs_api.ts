// JSON API of the recent log (the in-memory ring), mounted at /api/logs: entries at or above a level,
// searched by text, source and time range, paged as every list (newest first); a script follows the log by
// asking for entries after a sequence number. `/download` streams the same search as text or JSON Lines.

import { Hono } from "hono";
import { z } from "zod";
import { formatText, type LogEntry, type LogRing } from "../../log/logger.ts";
import type { HttpEnv } from "../context.ts";
import { isoTime, pageInfoShape, type RouteDoc } from "./route_doc.ts";
import {
  choiceFilter,
  containsText,
  invalidQuery,
  listQuery,
  pageOfList,
  parseListQuery,
  parseTime,
  textFilter,
  timeFilter,
} from "./list_query.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;
const rank = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** The search shared by the list and the download. */
const logFilters = {
  level: choiceFilter(LEVELS).describe("the lowest level shown (default debug: every entry)"),
  q: textFilter(200).describe("part of the message, the source or a field, any case"),
  source: textFilter(60).describe("the component that logged, exactly (e.g. pbx-link)"),
  from: timeFilter().describe("logged at or after (YYYY-MM-DD[Thh:mm[:ss]] local, or ISO 8601)"),
  to: timeFilter().describe("logged before (a bare date means the end of that day)"),
  after: z.preprocess(
    (v) => v === "" ? undefined : v,
    z.coerce.number().int().min(0).optional(),
  ).describe("only entries after this seq: follow the log with dir=asc"),
};

/** `GET /api/logs`: newest first unless asked otherwise. */
export const logsQuery = listQuery(["time", "level", "source"], logFilters, { dir: "desc" });

/** `GET /api/logs/download`: the matching entries, oldest first, as text or JSON Lines. */
export const logsDownloadQuery = z.strictObject({
  ...logFilters,
  format: choiceFilter(["text", "jsonl"]).describe("text (default), or one JSON object a line"),
});

const entrySchema = z.strictObject({
  seq: z.number().int().describe("increasing; ask for entries after it to follow the log"),
  time: isoTime,
  level: z.enum(LEVELS),
  source: z.string(),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});

/** The routes of /api/logs for the OpenAPI document. */
export const LOGS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The recent log, searched by level, text, source and time, a page at a time (newest first)",
    query: logsQuery,
    response: z.strictObject({
      entries: z.array(entrySchema),
      capacity: z.number().int().describe("entries the ring keeps"),
      ...pageInfoShape,
    }),
  },
  {
    method: "get",
    path: "/download",
    summary: "What a log search finds, oldest first, streamed as text or JSON Lines",
    query: logsDownloadQuery,
    response: { media: "text/plain" },
  },
];

/** Entries written to the download stream per step. */
const DOWNLOAD_STEP = 200;

type LogSearch = z.output<typeof logsDownloadQuery>;

function matcher(q: LogSearch): { keep: (e: LogEntry) => boolean } | { field: string; message: string } {
  const from = q.from === undefined ? undefined : parseTime(q.from);
  const to = q.to === undefined ? undefined : parseTime(q.to, true);
  if (from !== undefined && to !== undefined && from >= to) {
    return { field: "to", message: "to: must be after from" };
  }
  const min = rank[q.level ?? "debug"];
  return {
    keep: (e) => {
      if (rank[e.level] < min) return false;
      if (q.after !== undefined && e.seq <= q.after) return false;
      if (q.source && e.source !== q.source) return false;
      const at = Date.parse(e.time);
      if (from !== undefined && at < from) return false;
      if (to !== undefined && at >= to) return false;
      return !q.q || containsText([e.message, e.source, e.fields ? JSON.stringify(e.fields) : ""], q.q);
    },
  };
}

const sorts: Record<string, (e: LogEntry) => string | number> = {
  time: (e) => e.seq,
  level: (e) => rank[e.level],
  source: (e) => e.source,
};

/** Builds the /api/logs sub-app over the process's log ring. */
export function createLogsApi(ring: LogRing): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => {
    const parsed = parseListQuery(logsQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const match = matcher(parsed.data);
    if (!("keep" in match)) return invalidQuery(c, match);
    const { rows, info } = pageOfList(ring.entries(), parsed.data, sorts, match.keep);
    return c.json({ entries: rows, capacity: ring.capacity, ...info });
  });

  app.get("/download", (c) => {
    const parsed = parseListQuery(logsDownloadQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const match = matcher(parsed.data);
    if (!("keep" in match)) return invalidQuery(c, match);
    const jsonl = parsed.data.format === "jsonl";
    // The ring's entries as they are now (references, not copies), written a step at a time as read.
    const entries = ring.entries();
    let next = 0;
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        let text = "";
        for (let taken = 0; next < entries.length && taken < DOWNLOAD_STEP; next++) {
          const entry = entries[next];
          if (!match.keep(entry)) continue;
          text += (jsonl ? JSON.stringify(entry) : formatText(entry)) + "\n";
          taken++;
        }
        if (text) controller.enqueue(encoder.encode(text));
        if (next >= entries.length) controller.close();
      },
    }, { highWaterMark: 1 });
    return c.body(body, 200, {
      "content-type": jsonl ? "application/x-ndjson; charset=utf-8" : "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="cstabox-log.${jsonl ? "jsonl" : "txt"}"`,
    });
  });
  return app;
}
