// Reading a JSON request body through a zod schema, answering malformed input in the API's error shape
// (`{error: {code, message, field?}}`, src/http/api_errors.ts) with the first offending field.

import type { Context } from "hono";
import type { z } from "zod";
import { apiError } from "../api_errors.ts";

/** Largest JSON body the line, location, number-rule and licence APIs read. */
export const JSON_BODY_MAX = 1_000_000;

export type BodyResult<T> = { ok: true; data: T } | { ok: false; response: Response };

/** Parses and validates the body; on failure returns the 400/413 response to send instead. */
export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<BodyResult<z.output<S>>> {
  const text = await readBoundedText(c, JSON_BODY_MAX);
  if (text === undefined) {
    return {
      ok: false,
      response: apiError(c, 413, "body_too_large", `the body is larger than ${JSON_BODY_MAX} bytes`),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: apiError(c, 400, "invalid_json", "the body is not JSON") };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  const field = fieldPath(issue.path);
  return {
    ok: false,
    response: apiError(c, 400, "invalid_request", field ? `${field}: ${issue.message}` : issue.message, {
      ...(field ? { field } : {}),
    }),
  };
}

/**
 * The body as text, or `undefined` when it is larger than `max` bytes (checked against Content-Length
 * before reading, and against the text read for bodies sent without one).
 */
export async function readBoundedText(c: Context, max: number): Promise<string | undefined> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) return undefined;
  const text = await c.req.text();
  return new TextEncoder().encode(text).length > max ? undefined : text;
}

/** `["rules", 2, "pattern"]` -> `rules[2].pattern`, the form fields are named in error answers. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) =>
    typeof part === "number" ? `[${part}]` : `${index === 0 ? "" : "."}${String(part)}`
  ).join("");
}
