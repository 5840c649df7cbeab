// The pages call the same JSON API that scripts use, in process and without a second authentication: one
// set of validation rules and one set of error messages for the browser and for scripts alike.

import type { Hono } from "hono";
import type { HttpEnv, RequestEnv } from "./context.ts";

/** The error body shapes of the APIs, merged: each API adds its own detail (rows, reasons, details). */
export interface ApiErrorDetail {
  code: string;
  message: string;
  field?: string;
  rows?: { row: number; text?: string; reason: string; number?: string; name?: string }[];
  /** Every reason of a refusal; `field` names the request field a reason is about. */
  reasons?: { code: string; message: string; field?: string }[];
  warnings?: { code: string; message: string }[];
  details?: unknown;
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T; response: Response }
  | { ok: false; status: number; error: ApiErrorDetail };

export type ApiBody =
  | { json: unknown }
  | { text: string; contentType?: string }
  | { form: FormData };

export class InnerApi {
  /** `app` serves the API routes (without their `/api` prefix) with no authentication of its own. */
  constructor(private readonly app: Hono<HttpEnv>) {}

  async get<T>(env: RequestEnv, path: string, headers: Record<string, string> = {}): Promise<ApiResult<T>> {
    return await this.call<T>(env, "GET", path, undefined, headers);
  }

  /** Calls `method path`; a JSON answer is parsed, anything else is left in `response`. */
  async call<T>(
    env: RequestEnv,
    method: string,
    path: string,
    body?: ApiBody,
    headers: Record<string, string> = {},
  ): Promise<ApiResult<T>> {
    const init: RequestInit = { method, headers: { accept: "application/json", ...headers } };
    if (body && "json" in body) {
      init.body = JSON.stringify(body.json);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    } else if (body && "text" in body) {
      init.body = body.text;
      (init.headers as Record<string, string>)["content-type"] = body.contentType ??
        "text/plain; charset=utf-8";
    } else if (body && "form" in body) {
      init.body = body.form;
    }
    const response = await this.app.request(`http://cstabox.internal${path}`, init, env);
    const type = response.headers.get("content-type") ?? "";
    if (response.ok) {
      const data = type.includes("application/json") ? await response.json() : undefined;
      return { ok: true, status: response.status, data: data as T, response };
    }
    let error: ApiErrorDetail = { code: "http_" + response.status, message: response.statusText };
    if (type.includes("application/json")) {
      const parsed = await response.json().catch(() => undefined);
      if (parsed?.error) error = parsed.error as ApiErrorDetail;
    } else {
      error.message = (await response.text()).slice(0, 500) || error.message;
    }
    return { ok: false, status: response.status, error };
  }
}

/** A refusal as the form shows it: `{field: message}` for the field named, else a form-wide message. */
export function formErrors(
  error: ApiErrorDetail,
  fieldName: (apiField: string) => string = (f) => f,
): { errors: Record<string, string>; message?: string } {
  if (error.field) {
    return { errors: { [fieldName(error.field)]: stripFieldPrefix(error.message, error.field) } };
  }
  return { errors: {}, message: error.message };
}

/** `countryCode: needs digits` beside the country code field reads better as `needs digits`. */
function stripFieldPrefix(message: string, field: string): string {
  return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}
