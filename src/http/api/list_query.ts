// The one way every list of the API pages, sorts and filters: `?page=&perPage=&sort=&dir=` plus each list's
// filters, checked by zod (a wrong parameter is a 400 naming it), answered with the page and the total count.

import type { Context } from "hono";
import { z } from "zod";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";

/** Rows a page holds unless `perPage` says otherwise, and the most it may say. */
export const PER_PAGE_DEFAULT = 50;
export const PER_PAGE_MAX = 1000;

export type SortDirection = "asc" | "desc";

/** What every list answer carries besides its rows: where this page is and how many rows match. */
export interface PageInfo {
  /** Rows matching the filters, over all pages. */
  total: number;
  /** The page asked for (1-based); past the last page the rows are empty and `page` stays as asked. */
  page: number;
  perPage: number;
  /** Pages the matching rows fill; 0 when nothing matches. */
  pages: number;
  sort: string;
  dir: SortDirection;
}

/** The common part of a list query once parsed. */
export interface ListRequest<S extends string> {
  page: number;
  perPage: number;
  sort: S;
  dir: SortDirection;
}

/** Blank form fields (`?name=`) count as not given, so a plain GET form can send every field. */
const given = (value: unknown) => typeof value === "string" && value.trim() === "" ? undefined : value;

/** An optional text filter: trimmed, at most `max` characters. */
export function textFilter(max = 100) {
  return z.preprocess(given, z.string().trim().max(max, `at most ${max} characters`).optional());
}

/** An optional choice among `values`. */
export function choiceFilter<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(given, z.enum(values, { error: `one of ${values.join(", ")}` }).optional());
}

/** An optional yes/no filter (`true`/`false`, `yes`/`no`, `1`/`0`). */
export function booleanFilter() {
  return z.preprocess(
    given,
    z.enum(["true", "false", "yes", "no", "1", "0"], { error: "true or false" })
      .transform((v) => v === "true" || v === "yes" || v === "1").optional(),
  );
}

/**
 * The query schema of one list: paging, a sort among `sorts` (the first is the default) and direction, and
 * the list's own `filters`. Unknown parameters are refused, so a misspelt filter does not silently match all.
 */
export function listQuery<const S extends readonly [string, ...string[]], F extends z.ZodRawShape>(
  sorts: S,
  filters: F,
  defaults: { dir?: SortDirection; perPage?: number } = {},
) {
  return z.strictObject({
    page: z.preprocess(given, z.coerce.number().int().min(1).max(1_000_000).default(1)),
    perPage: z.preprocess(
      given,
      z.coerce.number().int().min(1).max(PER_PAGE_MAX).default(defaults.perPage ?? PER_PAGE_DEFAULT),
    ),
    sort: z.preprocess(given, z.enum(sorts, { error: `one of ${sorts.join(", ")}` }).default(sorts[0])),
    dir: z.preprocess(
      given,
      z.enum(["asc", "desc"], { error: "asc or desc" }).default(defaults.dir ?? "asc"),
    ),
    ...filters,
  });
}

export type ParsedQuery<T> = { ok: true; data: T } | { ok: false; field: string; message: string };

/** Parses a query against a list schema; the refusal names the first wrong parameter. */
export function parseListQuery<T extends z.ZodType>(
  schema: T,
  query: Record<string, string>,
): ParsedQuery<z.output<T>> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  // An unknown parameter has no path: the key is in the issue.
  const field = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.map(String).join(".");
  const message = issue.code === "unrecognized_keys"
    ? `${field}: not a parameter of this list`
    : `${field}: ${issue.message}`;
  return { ok: false, field, message };
}

/** The 400 answer of a refused list query. */
export function invalidQuery(c: Context<HttpEnv>, refused: { field: string; message: string }): Response {
  return apiError(c, 400, "invalid_query", refused.message, { field: refused.field });
}

/** Where a page starts and how many rows it takes, for a store query's OFFSET and LIMIT. */
export function pageWindow(request: Pick<ListRequest<string>, "page" | "perPage">): {
  offset: number;
  limit: number;
} {
  return { offset: (request.page - 1) * request.perPage, limit: request.perPage };
}

/** The page facts of an answer. */
export function pageInfo(request: ListRequest<string>, total: number): PageInfo {
  return {
    total,
    page: request.page,
    perPage: request.perPage,
    pages: Math.ceil(total / request.perPage),
    sort: request.sort,
    dir: request.dir,
  };
}

/**
 * A page of a list held in memory (applications, monitors, calls, the log ring): filtered by `keep`, sorted
 * by the key function of the asked sort (ties keep the list's own order), then cut to the page.
 */
export function pageOfList<T, S extends string>(
  rows: readonly T[],
  request: ListRequest<S>,
  sortKeys: Record<S, (row: T) => string | number>,
  keep: (row: T) => boolean = () => true,
): { rows: T[]; info: PageInfo } {
  const key = sortKeys[request.sort];
  const sign = request.dir === "asc" ? 1 : -1;
  const matching = rows.filter(keep).map((row, index) => ({ row, index, key: key(row) }));
  matching.sort((a, b) => (compareKeys(a.key, b.key) || a.index - b.index) * sign);
  const { offset, limit } = pageWindow(request);
  return {
    rows: matching.slice(offset, offset + limit).map((m) => m.row),
    info: pageInfo(request, matching.length),
  };
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true });
}

/** A time: `YYYY-MM-DD` (local midnight), `YYYY-MM-DDThh:mm[:ss]` (local) or ISO 8601 with a zone. */
export const timeText = z.string().trim().refine((v) => !Number.isNaN(parseTime(v)), {
  message: "expected YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss] (local time) or ISO 8601 with a zone",
});

/** An optional time filter (a `from` or `to`), as `timeText`. */
export function timeFilter() {
  return z.preprocess(given, timeText.optional());
}

/** Milliseconds of a time the query gives; `end` makes a bare date the end of that day. NaN if unreadable. */
export function parseTime(text: string, end = false): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = date.slice(1).map(Number);
    const ms = new Date(y, m - 1, d + (end ? 1 : 0)).getTime();
    return new Date(y, m - 1, d).getMonth() === m - 1 && new Date(y, m - 1, d).getDate() === d ? ms : NaN;
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (local) {
    const [y, mo, d, h, mi, s] = local.slice(1).map((v) => Number(v ?? 0));
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN;
    return new Date(y, mo - 1, d, h, mi, s).getTime();
  }
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(text)) return NaN;
  return Date.parse(text);
}

/** Case-insensitive "contains" over a row's texts, for a list's `q` filter. */
export function containsText(texts: readonly (string | number | null | undefined)[], q: string): boolean {
  const needle = q.toLowerCase();
  return texts.some((t) => t !== null && t !== undefined && String(t).toLowerCase().includes(needle));
}
