// Request bodies limited while they stream (Hono's body-limit), so a chunked body without Content-Length
// is cut at its limit instead of being read whole: a 520 MB chunked /login made Deno panic (issue 18).
// One limit per kind of request; the handlers' own, smaller limits still apply after this one.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiError } from "./api_errors.ts";

/** The login form: a name, a password and the page to return to. */
export const LOGIN_BODY_MAX = 16 * 1024;
/**
 * Any other form or API body but a restore: the largest is the SMDR name directory (8 MiB,
 * `DIRECTORY_BODY_MAX_BYTES`), plus room for a multipart envelope.
 */
export const FORM_BODY_MAX = 8 * 1024 * 1024 + 64 * 1024;
/** Room for the multipart envelope around a backup file. */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

/** Middleware that answers 413 (JSON on the API, text elsewhere) once a body passes `maxBytes(c)`. */
export function limitBody(maxBytes: (c: Context) => number): MiddlewareHandler {
  return (c, next) => {
    const max = maxBytes(c);
    return bodyLimit({ maxSize: max, onError: (c) => tooLarge(c, max) })(c, next);
  };
}

/** Reads at most `maxBytes` of the body ahead of a handler; the 413 to send when it is larger. */
export async function bodyTooLarge(c: Context, maxBytes: number): Promise<Response | undefined> {
  let within = false;
  const refusal = await limitBody(() => maxBytes)(c, () => {
    within = true;
    return Promise.resolve();
  });
  return within ? undefined : refusal ?? tooLarge(c, maxBytes);
}

function tooLarge(c: Context, maxBytes: number): Response {
  const limit = maxBytes >= 1024 * 1024
    ? `${Math.round(maxBytes / 1024 / 1024)} MiB`
    : `${Math.round(maxBytes / 1024)} KiB`;
  if (c.req.path.startsWith("/api/")) {
    return apiError(c, 413, "body_too_large", `the body is larger than ${maxBytes} bytes`);
  }
  return c.text(`Refused: the form or upload is larger than ${limit}.`, 413);
}
