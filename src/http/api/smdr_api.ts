// The SMDR JSON API, mounted under /api/smdr: service status, the record history (filtered, paged as JSON,
// streamed as CSV or raw text), and the contact and DDI name directories as CSV (or JSON) with a per-row
// report on import.

import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { ServiceStatus } from "../../service.ts";
import type { NameRowProblem } from "../../smdr/name_csv.ts";
import type { NameDirectory, NameImportMode, NameImportResult } from "../../smdr/name_directory.ts";
import type { StoredRecord } from "../../smdr/outbox.ts";
import { parseRecord, RECORD_FIELDS, RECORD_LINE_END, type RecordFields } from "../../smdr/record.ts";
import type { HistoryCursor, HistoryFilter, RecordHistory } from "../../smdr/record_history.ts";
import { SMDR_EVENT_TYPES } from "../../smdr/smdr_event.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { errorText } from "../../log/error_text.ts";
import {
  invalidQuery,
  listQuery,
  pageInfo,
  pageWindow,
  parseListQuery,
  parseTime,
  timeText,
} from "./list_query.ts";
import { isoTime, pageInfoShape, type RouteDoc, serviceStatusSchema } from "./route_doc.ts";

/** What the API needs of the SMDR service. */
export interface SmdrApiSource {
  status(): ServiceStatus;
  readonly history: Pick<RecordHistory, "page" | "count">;
  readonly contacts: NameDirectory;
  readonly ddiNames: NameDirectory;
}

/** Largest import body accepted, in bytes (about 100 000 rows of number and name). */
export const DIRECTORY_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** The error shape of this API; `rows` lists the refused rows of an import. */
export interface SmdrApiError {
  error: { code: string; message: string; field?: string; rows?: NameRowProblem[] };
}

/** Records read from the store per step of a download: bounded memory whatever the range. */
export const DOWNLOAD_PAGE = 500;

const time = timeText;
const digits = (what: string) =>
  z.string().trim().regex(/^[0-9A-Za-z*#+]{1,32}$/, `${what}: digits, letters, * # + (up to 32)`);

/**
 * `GET /api/smdr/records`: the paged list as every list (`page`, `perPage`, `dir`; newest first), or, with
 * `cursor`, `limit` records after a cursor (follow and downloads, `order`).
 */
export const recordsQuery = listQuery(["time"], {
  from: time.optional(),
  to: time.optional(),
  extension: digits("an extension").optional(),
  trunk: digits("a trunk").optional(),
  direction: z.string().trim().toUpperCase().pipe(z.enum(["IN", "OUT"])).optional(),
  event: z.string().trim().toUpperCase().pipe(z.enum(SMDR_EVENT_TYPES)).optional(),
  number: digits("a number").optional(),
  format: z.enum(["json", "csv", "text"]).default("json"),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.coerce.number().int().min(1).max(3000).optional(),
  cursor: z.string().regex(/^\d+:\d+$/, "a cursor from nextCursor").optional(),
}, { dir: "desc" }).superRefine((q, ctx) => {
  if (q.from && q.to && parseTime(q.from) >= parseTime(q.to, true)) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
  }
});

const importQuery = z.object({
  mode: z.enum(["replace", "merge"]).default("replace"),
});

const entriesBody = z.union([
  z.array(z.object({ number: z.string(), name: z.string() }).strict()),
  z.object({ entries: z.array(z.object({ number: z.string(), name: z.string() }).strict()) }).strict()
    .transform((body) => body.entries),
]);

const nameEntry = z.strictObject({ number: z.string(), name: z.string() });
const importAnswer = z.strictObject({
  mode: z.enum(["replace", "merge"]),
  added: z.number().int(),
  changed: z.number().int(),
  unchanged: z.number().int(),
  removed: z.number().int(),
  total: z.number().int(),
});
const directoryRoutes = (path: string, what: string): RouteDoc[] => [
  {
    method: "get",
    path: `/${path}`,
    summary: `The ${what} as CSV (number,name rows), or JSON with \`Accept: application/json\``,
    response: z.strictObject({ entries: z.array(nameEntry) }),
  },
  {
    method: "put",
    path: `/${path}`,
    summary: `Import the ${what} from CSV (text/csv) or JSON; 422 lists the refused rows`,
    query: importQuery,
    body: entriesBody,
    response: importAnswer,
  },
];

/** The routes of /api/smdr for the OpenAPI document. */
export const SMDR_ROUTES: readonly RouteDoc[] = [
  { method: "get", path: "/status", summary: "The SMDR service's status", response: serviceStatusSchema },
  {
    method: "get",
    path: "/records",
    summary: "The record history: a page as JSON, or with format=csv/text the whole range as a download",
    query: recordsQuery,
    response: z.strictObject({
      records: z.array(z.strictObject({
        position: z.number().int(),
        storedAt: isoTime,
        record: z.string().describe("the raw SMDR line"),
        fields: z.record(z.string(), z.string()).describe("the record's fields by name"),
      })),
      nextCursor: z.string().nullable(),
      ...pageInfoShape,
    }),
  },
  ...directoryRoutes("contacts", "contact names"),
  ...directoryRoutes("ddi-names", "DDI names"),
];

/** Builds the sub-app; the composition root mounts it at /api/smdr behind authentication. */
export function createSmdrApi(smdr: SmdrApiSource, audit?: AuditLog): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/status", (c) => c.json(smdr.status()));

  app.get("/records", (c) => {
    const query = parseListQuery(recordsQuery, emptyless(c.req.query()));
    if (!query.ok) return invalidQuery(c, query);
    const q = query.data;
    const filter: HistoryFilter = {
      from: q.from === undefined ? undefined : parseTime(q.from),
      to: q.to === undefined ? undefined : parseTime(q.to, true),
      extension: q.extension,
      trunk: q.trunk,
      direction: q.direction,
      event: q.event,
      number: q.number,
    };
    const cursor = q.cursor ? readCursor(q.cursor) : undefined;
    if (q.format === "json") {
      // With a cursor the records follow it; without, `page` and `perPage` say which.
      const perPage = q.limit ?? q.perPage;
      const window = cursor ? { offset: 0, limit: perPage } : pageWindow({ page: q.page, perPage });
      const total = smdr.history.count(filter);
      const page = smdr.history.page(filter, q.order ?? q.dir, window.limit, cursor, window.offset, total);
      return c.json({
        records: page.records.map(describeRecord),
        nextCursor: page.next ? `${page.next.createdAt}:${page.next.position}` : null,
        ...pageInfo({ ...q, perPage, dir: q.order ?? q.dir }, total),
      });
    }
    const csv = q.format === "csv";
    c.header("content-type", csv ? "text/csv; charset=us-ascii" : "text/plain; charset=us-ascii");
    c.header("content-disposition", `attachment; filename="smdr-records.${csv ? "csv" : "txt"}"`);
    return c.body(downloadStream(smdr.history, filter, q.order ?? "asc", csv, cursor));
  });

  for (
    const [path, directory, file, object] of [
      ["contacts", () => smdr.contacts, "contacts.csv", "SMDR contacts"],
      ["ddi-names", () => smdr.ddiNames, "ddi-names.csv", "SMDR DDI names"],
    ] as const
  ) {
    app.get(`/${path}`, (c) => {
      if ((c.req.header("accept") ?? "").includes("application/json")) {
        return c.json({ entries: directory().list() });
      }
      c.header("content-type", "text/csv; charset=utf-8");
      c.header("content-disposition", `attachment; filename="${file}"`);
      return c.body(directory().exportCsv());
    });
    app.put(`/${path}`, async (c) => {
      const answer = await importDirectory(c, directory());
      if (answer.ok) {
        audit?.record(auditActor(c), {
          action: "directory imported",
          object,
          new: await answer.clone().json(),
        });
      }
      return answer;
    });
  }

  return app;
}

async function importDirectory(c: Context<HttpEnv>, directory: NameDirectory): Promise<Response> {
  const query = importQuery.safeParse(c.req.query());
  if (!query.success) return invalid(c, "invalid_query", query.error);
  const mode: NameImportMode = query.data.mode;
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > DIRECTORY_BODY_MAX_BYTES) return tooLarge(c);
  const text = await c.req.text();
  if (new TextEncoder().encode(text).length > DIRECTORY_BODY_MAX_BYTES) return tooLarge(c);
  const type = (c.req.header("content-type") ?? "text/csv").split(";")[0].trim().toLowerCase();

  let result: NameImportResult;
  if (type === "application/json") {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return fail(c, 400, {
        code: "invalid_json",
        message: `the body is not JSON: ${errorText(error)}`,
      });
    }
    const body = entriesBody.safeParse(json);
    if (!body.success) return invalid(c, "invalid_body", body.error);
    result = directory.importEntries(body.data, mode);
  } else if (type === "text/csv" || type === "text/plain") {
    result = directory.importCsv(text, mode);
  } else {
    return fail(c, 415, {
      code: "unsupported_media_type",
      message: `send text/csv (number,name rows) or application/json, not ${type}`,
    });
  }
  if (!result.ok) {
    return fail(c, 422, {
      code: "invalid_rows",
      message: `${result.rows.length} row(s) refused; nothing was imported`,
      rows: result.rows,
    });
  }
  const { ok: _ok, ...counts } = result;
  return c.json({ mode, ...counts });
}

/** A stored record with its raw line and its fields read back. */
function describeRecord(stored: StoredRecord): {
  position: number;
  storedAt: string;
  record: string;
  fields: RecordFields;
} {
  return {
    position: stored.position,
    storedAt: new Date(stored.createdAt).toISOString(),
    record: stored.record,
    fields: parseRecord(stored.record),
  };
}

const csvHeader = ["position", "storedAt", ...RECORD_FIELDS.map((f) => f.name), "record"].join(",") + "\r\n";

/**
 * The records of a filter as a byte stream that reads the store one page at a time when the reader wants
 * more: a download of any range holds at most one page. Text is the raw records with CR LF, as a collector
 * gets them; CSV is a header, then per record its position, storage time, fields and raw line.
 */
function downloadStream(
  history: SmdrApiSource["history"],
  filter: HistoryFilter,
  order: "asc" | "desc",
  csv: boolean,
  start: HistoryCursor | undefined,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor = start;
  let first = true;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const page = history.page(filter, order, DOWNLOAD_PAGE, cursor);
      let text = first && csv ? csvHeader : "";
      first = false;
      for (const stored of page.records) {
        text += csv ? csvRow(stored) : stored.record + RECORD_LINE_END;
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (page.next) cursor = page.next;
      else controller.close();
    },
  }, { highWaterMark: 1 });
}

function csvRow(stored: StoredRecord): string {
  const fields = parseRecord(stored.record);
  const cells = [
    String(stored.position),
    new Date(stored.createdAt).toISOString(),
    ...RECORD_FIELDS.map((f) => fields[f.name]),
    stored.record,
  ];
  return cells.map(csvCell).join(",") + "\r\n";
}

/** RFC 4180: quoted when it holds a comma, quote or line break, or starts or ends with a space. */
function csvCell(value: string): string {
  return /[",\r\n]|^ | $/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function readCursor(text: string): HistoryCursor {
  const [createdAt, position] = text.split(":").map(Number);
  return { createdAt, position };
}

/** Query parameters without the empty ones a form sends for blank fields. */
function emptyless(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v.trim() !== ""));
}

function invalid(c: Context<HttpEnv>, code: string, error: z.ZodError): Response {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || undefined;
  return fail(c, 400, {
    code,
    message: field ? `${field}: ${issue.message}` : issue?.message ?? "invalid request",
    ...(field ? { field } : {}),
  });
}

function tooLarge(c: Context<HttpEnv>): Response {
  return fail(c, 413, {
    code: "body_too_large",
    message: `the import is larger than ${DIRECTORY_BODY_MAX_BYTES / 1024 / 1024} MiB`,
  });
}

function fail(c: Context<HttpEnv>, status: ContentfulStatusCode, error: SmdrApiError["error"]): Response {
  return c.json({ error } satisfies SmdrApiError, status);
}
