// What the OpenAPI document says of one administration route: the zod schema its handler validates the
// request body with and the schema of its answer. Each API module lists its routes next to its handlers.

import { z } from "zod";
import type { ServiceStatus } from "../../service.ts";
import type { PageInfo } from "./list_query.ts";

export interface RouteDoc {
  method: "get" | "post" | "put" | "delete" | "patch";
  /** As the module's sub-app mounts it, in Hono's syntax (`/:name`); `/` is the mount point itself. */
  path: string;
  summary: string;
  /** The schema the handler validates the JSON body with (the same object, so the two cannot drift). */
  body?: z.ZodType;
  /** A body that is not JSON (a text import, an upload): its media type. */
  upload?: string;
  /** What a success answers: a JSON schema, a download's media type, or `null` for no content. */
  response: z.ZodType | { media: string } | null;
  /** The success status (200 unless given; `null` response means 204). */
  status?: 200 | 201 | 202;
  /** The query parameters the handler reads (the schema it parses them with, where it has one). */
  query?: z.ZodObject;
}

/** An ISO 8601 time as the API writes it. */
export const isoTime = z.string().describe("ISO 8601, UTC");

/** A service's status as /api/status and the services' own routes answer it (`ServiceStatus`). */
export const serviceStatusSchema = z.strictObject({
  state: z.enum(["stopped", "starting", "running", "degraded", "failed", "stopping"]),
  reason: z.string().optional().describe("why it is failed or degraded, in plain words"),
  since: isoTime,
  listeners: z.array(z.strictObject({ name: z.string(), hostname: z.string(), port: z.number().int() }))
    .optional(),
  details: z.record(z.string(), z.unknown()).optional().describe("the service's own figures"),
});
serviceStatusSchema satisfies z.ZodType<ServiceStatus<Record<string, unknown>>>;

/** What every paged list answers besides its rows (list_query.ts `pageInfo`). */
export const pageInfoShape = {
  total: z.number().int().describe("rows matching the filters, over all pages"),
  page: z.number().int(),
  perPage: z.number().int(),
  pages: z.number().int(),
  sort: z.string(),
  dir: z.enum(["asc", "desc"]),
};
z.object(pageInfoShape) satisfies z.ZodType<PageInfo>;
