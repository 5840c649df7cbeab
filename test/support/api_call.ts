// One /api router called in process as a local browser calls it: mounted at its path, a JSON body (or a
// string as it is, with its content type), the loopback request env. Shared by the API tests.

import { Hono } from "hono";
import type { HttpEnv, RequestEnv } from "../../src/http/context.ts";

/** The request env of a browser on the appliance itself (plain HTTP from 127.0.0.1). */
export const loopbackEnv: RequestEnv = { remoteAddress: "127.0.0.1", secure: false };

/** `call("PUT", "/api/location", { … })`: an object body is sent as JSON, a string as it is with `type`. */
export type ApiCall = (method: string, path: string, body?: unknown, type?: string) => Promise<Response>;

/** A caller of `router` mounted at `mount` (e.g. `/api/lines`), as `app.ts` mounts it. */
export function apiCall(mount: string, router: Hono<HttpEnv>): ApiCall {
  const app = new Hono<HttpEnv>().route(mount, router);
  return (method, path, body, type = "application/json") =>
    Promise.resolve(app.request(path, {
      method,
      ...(body === undefined ? {} : {
        body: typeof body === "string" ? body : JSON.stringify(body),
        headers: { "content-type": type },
      }),
    }, loopbackEnv));
}
