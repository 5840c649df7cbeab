// The SMDR JSON API, mounted under /api/smdr: service status, the latest records for a live tail, and
// the contact and DDI name directories as CSV (or JSON) with a per-row report on import.

import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { ServiceStatus } from "../../service.ts";
import type { NameRowProblem } from "../../smdr/name_csv.ts";
import type { NameDirectory, NameImportMode, NameImportResult } from "../../smdr/name_directory.ts";
import type { StoredRecord } from "../../smdr/outbox.ts";
import { parseRecord, type RecordFields } from "../../smdr/record.ts";
import type { HttpEnv } from "../context.ts";
import { errorText } from "../../log/error_text.ts";

/** What the API needs of the SMDR service. */
export interface SmdrApiSource {
  status(): ServiceStatus;
  latestRecords(limit: number): StoredRecord[];
  readonly settings: { historySize: number };
  readonly contacts: NameDirectory;
  readonly ddiNames: NameDirectory;
}

/** Largest import body accepted, in bytes (about 100 000 rows of number and name). */
export const DIRECTORY_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** The error shape of this API; `rows` lists the refused rows of an import. */
export interface SmdrApiError {
  error: { code: string; message: string; field?: string; rows?: NameRowProblem[] };
}

const recordsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(3000).default(50),
});

const importQuery = z.object({
  mode: z.enum(["replace", "merge"]).default("replace"),
});

const entriesBody = z.union([
  z.array(z.object({ number: z.string(), name: z.string() }).strict()),
  z.object({ entries: z.array(z.object({ number: z.string(), name: z.string() }).strict()) }).strict()
    .transform((body) => body.entries),
]);

/** Builds the sub-app; the composition root mounts it at /api/smdr behind authentication. */
export function createSmdrApi(smdr: SmdrApiSource): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/status", (c) => c.json(smdr.status()));

  app.get("/records", (c) => {
    const query = recordsQuery.safeParse(c.req.query());
    if (!query.success) return invalid(c, "invalid_query", query.error);
    const limit = Math.min(query.data.limit, smdr.settings.historySize);
    return c.json({ records: smdr.latestRecords(limit).map(describeRecord) });
  });

  for (
    const [path, directory, file] of [
      ["contacts", () => smdr.contacts, "contacts.csv"],
      ["ddi-names", () => smdr.ddiNames, "ddi-names.csv"],
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
    app.put(`/${path}`, (c) => importDirectory(c, directory()));
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

/** A stored record with its fields read back, for the live tail. */
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
