// JSON API of the line store, mounted at /api/lines: CRUD, text import and export, and loading the lines
// the PBX offers with a preview of what would change.

import { Hono } from "hono";
import { z } from "zod";
import { type Line, LINE_KINDS, type LineKind, LineValueError } from "../../lines/line.ts";
import { importLineText } from "../../lines/line_import.ts";
import {
  LINE_SORTS,
  LINE_STATE_FILTERS,
  type LineRepository,
  LineStoreError,
} from "../../lines/line_repository.ts";
import { formatLineText } from "../../lines/line_text.ts";
import type { LineSyncPlan, LineSyncResult, OfferedDevice } from "../../lines/line_sync_plan.ts";
import type { LineStoreSync } from "../../lines/line_store_sync.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readBoundedText, readJsonBody } from "./json_body.ts";
import { pageInfoShape, type RouteDoc } from "./route_doc.ts";
import { errorText } from "../../log/error_text.ts";
import {
  booleanFilter,
  choiceFilter,
  invalidQuery,
  listQuery,
  pageInfo,
  pageWindow,
  parseListQuery,
  textFilter,
} from "./list_query.ts";

export interface LinesApiDependencies {
  lines: LineRepository;
  sync: LineStoreSync;
  /**
   * Asks the PBX for its devices (the PBX link provides it once wired). Used by sync requests that do not
   * carry an `offered` list themselves.
   */
  queryPbxDevices?: () => Promise<OfferedDevice[]>;
  audit?: AuditLog;
}

/** The answer of `POST /api/lines/sync/apply`: the plan that was applied and what it did. */
export type LineSyncApplyAnswer = ReturnType<LineStoreSync["apply"]>;

/** Largest text import read, in bytes. */
export const LINE_IMPORT_MAX_BYTES = 1_000_000;

const kind = z.enum(LINE_KINDS as [string, ...string[]]) as z.ZodType<OfferedDevice["kind"]>;
const deviceNumber = z.number().int().min(0).nullable();

const createSchema = z.strictObject({
  number: z.string(),
  name: z.string().optional(),
  kind: kind.optional(),
  deviceNumber: deviceNumber.optional(),
  enabled: z.boolean().optional(),
});

const updateSchema = z.strictObject({
  name: z.string().optional(),
  kind: kind.optional(),
  deviceNumber: deviceNumber.optional(),
  enabled: z.boolean().optional(),
  missingFromPbx: z.boolean().optional(),
});

const offeredSchema = z.array(
  z.strictObject({
    number: z.string(),
    deviceNumber: deviceNumber.optional(),
    kind,
    name: z.string().optional(),
  }),
).max(10_000);

const previewSchema = z.strictObject({
  offered: offeredSchema.optional(),
  readNames: z.boolean().optional(),
});

const applySchema = previewSchema.extend({ removals: z.enum(["flag", "delete"]) });

/** `GET /api/lines`: the paged list (docs/web-ui.md "Tables"), sorted by number unless asked otherwise. */
export const linesQuery = listQuery(LINE_SORTS, {
  q: textFilter().describe("part of the number or of the name, any case"),
  number: textFilter(32).describe("the start of the number"),
  name: textFilter().describe("part of the name, any case"),
  kind: choiceFilter(LINE_KINDS as [LineKind, ...LineKind[]]),
  state: choiceFilter(LINE_STATE_FILTERS).describe(
    "ok: enabled and offered by the PBX; disabled; missing: no longer offered by the PBX",
  ),
  enabled: booleanFilter(),
  numbers: textFilter(40_000).describe("exactly these numbers, comma-separated (at most 1000)"),
});

/** A stored line as every route answers it. */
export const lineSchema: z.ZodType<Line> = z.strictObject({
  number: z.string(),
  name: z.string(),
  kind,
  deviceNumber: z.number().int().nullable().describe("the PBX's own id of the device, when it reported one"),
  enabled: z.boolean(),
  missingFromPbx: z.boolean().describe("the PBX no longer offers the device"),
});

const importAnswer = z.strictObject({
  preview: z.literal(true).optional().describe("present on `?preview=1`: nothing was written"),
  added: z.array(z.string()),
  changed: z.array(z.string()),
  unchanged: z.number().int(),
  removed: z.array(z.string()),
  renamed: z.array(z.strictObject({ number: z.string(), from: z.string(), to: z.string() })).optional(),
  addedNames: z.record(z.string(), z.string()).optional(),
  removedNames: z.record(z.string(), z.string()).optional(),
});

const syncPlanSchema: z.ZodType<LineSyncPlan> = z.strictObject({
  add: z.array(lineSchema),
  change: z.array(z.strictObject({
    before: lineSchema,
    after: lineSchema,
    fields: z.array(z.enum(["number", "name", "kind", "deviceNumber", "enabled", "missingFromPbx"])),
  })),
  remove: z.array(lineSchema).describe("lines the PBX no longer offers, not yet flagged"),
  missing: z.array(lineSchema).describe("lines flagged before that the PBX still does not offer"),
  unchanged: z.number().int(),
  skipped: z.array(z.strictObject({ number: z.string(), reason: z.string() })),
});

const syncResultSchema: z.ZodType<LineSyncResult> = z.strictObject({
  added: z.array(z.string()),
  changed: z.array(z.string()),
  flagged: z.array(z.string()),
  deleted: z.array(z.string()),
});

/** The routes of /api/lines for the OpenAPI document. */
export const LINES_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The lines, a page at a time, sorted and filtered",
    query: linesQuery,
    response: z.strictObject({ lines: z.array(lineSchema), ...pageInfoShape }),
  },
  {
    method: "get",
    path: "/export",
    summary: "The lines as text (number;name per row)",
    response: { media: "text/plain" },
  },
  {
    method: "post",
    path: "/import",
    summary: "Import lines from text (number;name per row); 422 lists the refused rows",
    upload: "text/plain",
    query: z.object({
      mode: z.enum(["merge", "replace"]).optional().describe("merge (default) or replace"),
      preview: z.literal("1").optional().describe("say what would change, write nothing"),
    }),
    response: importAnswer,
  },
  {
    method: "post",
    path: "/sync/preview",
    summary: "What loading the devices the PBX offers would change",
    body: previewSchema,
    response: syncPlanSchema,
  },
  {
    method: "post",
    path: "/sync/apply",
    summary: "Load the devices the PBX offers into the lines",
    body: applySchema,
    response: z.strictObject({ plan: syncPlanSchema, result: syncResultSchema }),
  },
  { method: "get", path: "/:number", summary: "One line", response: lineSchema },
  { method: "post", path: "/", summary: "Add a line", body: createSchema, response: lineSchema, status: 201 },
  { method: "put", path: "/:number", summary: "Change a line", body: updateSchema, response: lineSchema },
  { method: "delete", path: "/:number", summary: "Delete a line", response: null },
];

/** Builds the /api/lines sub-app. */
export function createLinesApi(deps: LinesApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get("/", (c) => {
    const parsed = parseListQuery(linesQuery, c.req.query());
    if (!parsed.ok) return invalidQuery(c, parsed);
    const { numbers, sort, dir, ...filter } = parsed.data;
    const list = numbers?.split(",").map((n) => n.trim()).filter(Boolean);
    if (list && list.length > 1000) {
      return invalidQuery(c, { field: "numbers", message: "numbers: at most 1000" });
    }
    const { lines, total } = deps.lines.search(
      { ...filter, numbers: list },
      { sort, dir },
      pageWindow(parsed.data),
    );
    return c.json({ lines, ...pageInfo(parsed.data, total) });
  });

  app.get("/export", (c) => {
    c.header("Content-Disposition", 'attachment; filename="lines.txt"');
    return c.text(formatLineText(deps.lines.list()), 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.post("/import", async (c) => {
    const mode = c.req.query("mode") ?? "merge";
    if (mode !== "merge" && mode !== "replace") {
      return apiError(c, 400, "invalid_request", "mode: merge or replace", { field: "mode" });
    }
    const text = await readBoundedText(c, LINE_IMPORT_MAX_BYTES);
    if (text === undefined) {
      return apiError(c, 413, "body_too_large", `the import is larger than ${LINE_IMPORT_MAX_BYTES} bytes`);
    }
    // `?preview=1` says what the import would do and writes nothing: the page shows a replace first.
    const preview = c.req.query("preview") === "1";
    const result = importLineText(deps.lines, text, mode, { preview });
    if (result.ok) {
      const { added, changed, unchanged, removed } = result;
      if (!preview) {
        deps.audit?.record(auditActor(c), {
          action: "lines imported",
          object: `lines (${mode})`,
          new: { added, changed, removed },
        });
        return c.json({ added, changed, unchanged, removed });
      }
      const { renamed, addedNames, removedNames } = result;
      return c.json({ preview, added, changed, unchanged, removed, renamed, addedNames, removedNames });
    }
    if ("emptyReplace" in result) {
      const lines = result.emptyReplace.lines;
      return apiError(
        c,
        422,
        "empty_replace",
        `the import holds no line: a replace would delete all ${lines} line(s); nothing was changed`,
        { details: { lines } },
      );
    }
    const count = result.rows.length;
    return c.json({
      error: {
        code: "import_rejected",
        message: `${count} row${count === 1 ? "" : "s"} refused; nothing was imported`,
        rows: result.rows,
      },
    }, 422);
  });

  app.post("/sync/preview", async (c) => {
    const body = await readJsonBody(c, previewSchema);
    if (!body.ok) return body.response;
    const offered = await offeredDevices(deps, body.data.offered);
    if (!offered.ok) return apiError(c, 503, "pbx_query_unavailable", offered.message);
    return c.json(deps.sync.preview(offered.devices, { readNames: body.data.readNames }));
  });

  app.post("/sync/apply", async (c) => {
    const body = await readJsonBody(c, applySchema);
    if (!body.ok) return body.response;
    const offered = await offeredDevices(deps, body.data.offered);
    if (!offered.ok) return apiError(c, 503, "pbx_query_unavailable", offered.message);
    const answer: LineSyncApplyAnswer = deps.sync.apply(offered.devices, body.data.removals, {
      readNames: body.data.readNames,
    });
    const { added, changed, flagged, deleted } = answer.result;
    if (added.length + changed.length + flagged.length + deleted.length > 0) {
      deps.audit?.record(auditActor(c), {
        action: "lines loaded from the PBX",
        object: "lines",
        new: answer.result,
      });
    }
    return c.json(answer);
  });

  app.get("/:number", (c) => {
    const line = deps.lines.get(c.req.param("number"));
    return line ? c.json(line) : notFound(c, c.req.param("number"));
  });

  app.post("/", async (c) => {
    const body = await readJsonBody(c, createSchema);
    if (!body.ok) return body.response;
    return lineWrite(c, () => {
      const line = deps.lines.create(body.data);
      deps.audit?.record(auditActor(c), { action: "line added", object: `line ${line.number}`, new: line });
      return c.json(line, 201);
    });
  });

  app.put("/:number", async (c) => {
    const body = await readJsonBody(c, updateSchema);
    if (!body.ok) return body.response;
    const number = c.req.param("number");
    const old = deps.lines.get(number);
    return lineWrite(c, () => {
      const line = deps.lines.update(number, body.data);
      deps.audit?.record(auditActor(c), { action: "line changed", object: `line ${number}`, old, new: line });
      return c.json(line);
    });
  });

  app.delete("/:number", (c) => {
    const number = c.req.param("number");
    const old = deps.lines.get(number);
    if (!deps.lines.remove(number)) return notFound(c, number);
    deps.audit?.record(auditActor(c), { action: "line removed", object: `line ${number}`, old });
    return c.body(null, 204);
  });

  return app;
}

async function offeredDevices(
  deps: LinesApiDependencies,
  given: OfferedDevice[] | undefined,
): Promise<{ ok: true; devices: OfferedDevice[] } | { ok: false; message: string }> {
  if (given) return { ok: true, devices: given };
  if (!deps.queryPbxDevices) {
    return { ok: false, message: "the PBX cannot be asked for its devices; send the offered list" };
  }
  try {
    return { ok: true, devices: await deps.queryPbxDevices() };
  } catch (error) {
    return {
      ok: false,
      message: `the PBX did not answer the device query: ${errorText(error)}`,
    };
  }
}

function notFound(c: Parameters<typeof apiError>[0], number: string): Response {
  return apiError(c, 404, "not_found", `line ${number} does not exist`);
}

/** Runs a repository write and answers its refusals: a bad value 400, unknown 404, duplicate 409. */
function lineWrite(c: Parameters<typeof apiError>[0], write: () => Response): Response {
  try {
    return write();
  } catch (error) {
    if (error instanceof LineValueError) {
      return apiError(c, 400, "invalid_value", error.message, { field: error.field });
    }
    if (error instanceof LineStoreError) {
      return error.code === "not-found"
        ? apiError(c, 404, "not_found", error.message)
        : apiError(c, 409, "duplicate", error.message, { field: "number" });
    }
    throw error;
  }
}
