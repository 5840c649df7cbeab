// The JSON error shape every API answer uses, so scripts never have to parse HTML.

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; details?: unknown };
}

export function apiError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  extra: { field?: string; details?: unknown } = {},
): Response {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  return c.json(body, status);
}
