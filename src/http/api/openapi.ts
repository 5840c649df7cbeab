// GET /api/openapi.json: an OpenAPI 3.1 document of the JSON API, built when asked from what is mounted:
// the line API's operations and the administration routes from the zod schemas their handlers validate
// with (RouteDoc), the paths from the Hono router (so neither can drift from the code), the WebSocket and
// its messages as components.

import { Hono } from "hono";
import { z } from "zod";
import { callEventSchema } from "../../calls/call_event.ts";
import { LINE_ERRORS } from "../../line_api/line_errors.ts";
import {
  addressStateSchema,
  callStateSchema,
  lineStateSchema,
  snapshotSchema,
} from "../../line_api/line_messages.ts";
import type { HttpEnv } from "../context.ts";
import { callIdParam, lineParam, type LineRoute } from "./line_api.ts";
import { eventSocketRequestSchema } from "./line_events_socket.ts";
import type { RouteDoc } from "./route_doc.ts";

type JsonObject = Record<string, unknown>;

export interface OpenApiSources {
  version: string;
  /** The mounted /api router (paths relative to /api). */
  router: () => Hono<HttpEnv>;
  /** The line API's described operations. */
  lineRoutes: () => readonly LineRoute[];
  /** The administration routes' descriptions, by the path their sub-app is mounted at below /api. */
  adminRoutes?: () => readonly { mount: string; routes: readonly RouteDoc[] }[];
}

const ERROR_REF = { $ref: "#/components/schemas/Error" };

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without the `$schema` key. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "output"): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonObject;
  return rest;
}

const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().describe("LINEERR_* for the line API; a lower-case code elsewhere"),
    message: z.string().describe("what went wrong, naming the line, the call and the PBX's reason"),
    field: z.string().optional().describe("the request field that was refused (400)"),
    details: z.unknown().optional(),
  }),
});

/** The document. */
export function openApiDocument(sources: OpenApiSources): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const described = new Set<string>();
  for (const route of sources.lineRoutes()) {
    described.add(`${route.method} ${route.path}`);
    (paths[route.path] ??= {})[route.method] = lineOperation(route);
  }
  (paths["/events"] ??= {}).get = eventsOperation();
  described.add("get /events");
  described.add("get /openapi.json");
  (paths["/openapi.json"] ??= {}).get = {
    operationId: "getOpenApi",
    summary: "This document",
    tags: ["meta"],
    responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: {} } } } },
  };
  const docs = new Map<string, RouteDoc>();
  for (const { mount, routes } of sources.adminRoutes?.() ?? []) {
    for (const doc of routes) {
      docs.set(`${doc.method} ${openApiPath(`${mount}${doc.path}`.replace(/\/+/g, "/"))}`, doc);
    }
  }
  for (const { method, path } of sources.router().routes) {
    const verb = method.toLowerCase();
    if (!["get", "post", "put", "delete", "patch"].includes(verb)) continue;
    const openPath = openApiPath(path);
    if (described.has(`${verb} ${openPath}`) || paths[openPath]?.[verb]) continue;
    const doc = docs.get(`${verb} ${openPath}`);
    (paths[openPath] ??= {})[verb] = doc ? adminOperation(doc, openPath) : otherOperation(verb, openPath);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "cstabox JSON API",
      version: sources.version,
      description:
        "The line API (docs/line-api.md) and the administration API of cstabox. Paths are below /api.",
    },
    servers: [{ url: "/api" }],
    security: [{ basic: [] }, { bearer: [] }, { session: [] }],
    tags: [
      { name: "line API", description: "TAPI's call control over HTTP (docs/line-api.md)" },
      { name: "administration", description: "The web UI's API" },
      { name: "meta" },
    ],
    paths,
    components: {
      securitySchemes: {
        basic: { type: "http", scheme: "basic" },
        bearer: { type: "http", scheme: "bearer", description: "an API token from the System page" },
        session: { type: "apiKey", in: "cookie", name: "cstabox_session" },
      },
      schemas: {
        Error: jsonSchema(errorSchema),
        CallEvent: jsonSchema(callEventSchema),
        CallStateMessage: jsonSchema(callStateSchema),
        LineStateMessage: jsonSchema(lineStateSchema),
        AddressStateMessage: jsonSchema(addressStateSchema),
        SnapshotMessage: jsonSchema(snapshotSchema),
        EventSocketRequest: jsonSchema(eventSocketRequestSchema),
      },
    },
  };
}

function lineOperation(route: LineRoute): JsonObject {
  const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchema(name === "line" ? lineParam : callIdParam),
  }));
  const errors = Object.fromEntries(
    [...new Set(Object.values(LINE_ERRORS).map((e) => e.status))].sort().map((status) => [
      String(status),
      {
        description: Object.entries(LINE_ERRORS).filter(([, e]) => e.status === status).map(([code, e]) =>
          `${code}: ${e.when}`
        ).join("; "),
        content: { "application/json": { schema: ERROR_REF } },
      },
    ]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: `CSTA: ${route.csta}. Needs ${route.access} access to the line.`,
    tags: ["line API"],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
        requestBody: {
          required: !route.body.safeParse(undefined).success,
          content: { "application/json": { schema: jsonSchema(route.body, "input") } },
        },
      }
      : {}),
    responses: {
      [String(route.status)]: route.response
        ? { description: "done", content: { "application/json": { schema: jsonSchema(route.response) } } }
        : { description: "done (the state changes arrive as callState events)" },
      ...errors,
    },
  };
}

function eventsOperation(): JsonObject {
  return {
    operationId: "lineEvents",
    summary: "The event WebSocket: subscribe to lines, get snapshot, callState, lineState, addressState",
    description:
      "Upgrade to a WebSocket. Send EventSocketRequest messages; every message received carries a " +
      "per-connection `seq` besides the fields of its schema (components CallStateMessage, LineStateMessage, " +
      "AddressStateMessage, SnapshotMessage).",
    tags: ["line API"],
    responses: {
      "101": { description: "switching to the WebSocket protocol" },
      "400": {
        description: "not a WebSocket upgrade",
        content: { "application/json": { schema: ERROR_REF } },
      },
      "403": {
        description: "too many WebSockets, or another site's page",
        content: { "application/json": { schema: ERROR_REF } },
      },
    },
  };
}

/** A Hono path (`/lines/:number/`) in OpenAPI's form (`/lines/{number}`). */
function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "") || "/";
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
}

function operationId(verb: string, path: string): string {
  return `${verb}${path.replace(/[{}]/g, "").split(/[/.-]/).filter(Boolean).map(capital).join("")}`;
}

/** A query schema's fields as OpenAPI query parameters (a query string is text; the schema says more). */
function queryParameters(query: z.ZodObject | undefined): JsonObject[] {
  if (!query) return [];
  const schema = jsonSchema(query, "input") as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

/** An administration route as its RouteDoc describes it: the handler's own body schema and its answer. */
function adminOperation(doc: RouteDoc, path: string): JsonObject {
  const parameters = [
    ...pathParameters(path),
    ...queryParameters(doc.query),
  ];
  const requestBody = doc.body
    ? {
      required: !doc.body.safeParse(undefined).success,
      content: { "application/json": { schema: jsonSchema(doc.body, "input") } },
    }
    : doc.upload
    ? { required: true, content: { [doc.upload]: { schema: { type: "string" } } } }
    : undefined;
  const success = doc.response === null
    ? { "204": { description: "done, no content" } }
    : "media" in doc.response
    ? {
      [String(doc.status ?? 200)]: {
        description: "a download",
        content: { [doc.response.media]: { schema: { type: "string" } } },
      },
    }
    : {
      [String(doc.status ?? 200)]: {
        description: "done",
        content: { "application/json": { schema: jsonSchema(doc.response) } },
      },
    };
  return {
    operationId: operationId(doc.method, path),
    summary: doc.summary,
    tags: ["administration"],
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      ...success,
      default: { description: "an error", content: { "application/json": { schema: ERROR_REF } } },
    },
  };
}

/** A mounted route no RouteDoc describes: only its path and method are known. */
function otherOperation(verb: string, path: string): JsonObject {
  const parameters = pathParameters(path);
  const id = operationId(verb, path);
  return {
    operationId: id,
    summary: `${verb.toUpperCase()} ${path}`,
    tags: ["administration"],
    ...(parameters.length ? { parameters } : {}),
    ...(verb === "post" || verb === "put" || verb === "patch"
      ? { requestBody: { content: { "application/json": { schema: {} } } } }
      : {}),
    responses: {
      "200": { description: "done", content: { "application/json": { schema: {} } } },
      default: { description: "an error", content: { "application/json": { schema: ERROR_REF } } },
    },
  };
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** The /openapi.json sub-app. */
export function createOpenApiApi(sources: OpenApiSources): Hono<HttpEnv> {
  let cached: JsonObject | undefined;
  return new Hono<HttpEnv>().get("/", (c) => c.json(cached ??= openApiDocument(sources)));
}
