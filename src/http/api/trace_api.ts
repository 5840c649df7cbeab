// JSON API of the CSTA trace, mounted at /api/trace: start one (for a time, the PBX link and chosen
// applications), follow its frames by sequence number, stop it, and download the last one as text.

import { Hono } from "hono";
import { z } from "zod";
import type { Logger } from "../../log/logger.ts";
import type { FrameTrace, TraceFrame, TraceStatus } from "../../trace/frame_trace.ts";
import { directionText, traceTextLines } from "../../trace/trace_text.ts";
import { apiError } from "../api_errors.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readJsonBody } from "./json_body.ts";
import type { RouteDoc } from "./route_doc.ts";

const startSchema = z.strictObject({
  seconds: z.number().int().min(1),
  pbx: z.boolean().default(true),
  applications: z.union([z.enum(["all", "none"]), z.array(z.number().int().min(1)).max(1000)]).default("all"),
});

const followQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
});

/** One frame as the API and the page show it. */
export function frameJson(frame: TraceFrame) {
  const d = frame.description!;
  return {
    seq: frame.seq,
    at: new Date(frame.at).toISOString(),
    direction: frame.direction,
    route: directionText(frame),
    connection: frame.connection,
    kind: d.kind,
    name: d.name,
    invokeId: d.invokeId,
    devices: d.devices,
    callIds: d.callIds,
    crossRefs: d.crossRefs,
    causes: d.causes,
    details: d.details,
    problem: d.problem ?? null,
    hex: frame.apdu.toHex(),
  };
}

const traceStatus: z.ZodType<TraceStatus> = z.strictObject({
  running: z.boolean(),
  startedAt: z.number().nullable().describe("ms since the epoch"),
  endsAt: z.number().nullable().describe("when it stops (running) or stopped, ms since the epoch"),
  stoppedBecause: z.string().nullable(),
  selection: z.strictObject({
    pbx: z.boolean(),
    applications: z.union([z.enum(["all", "none"]), z.array(z.number().int())]),
  }).nullable(),
  frames: z.number().int(),
  dropped: z.number().int().describe("frames dropped because maxFrames were kept"),
  maxFrames: z.number().int(),
});
const traceFrame = z.strictObject({
  seq: z.number().int(),
  at: z.string(),
  direction: z.enum(["in", "out"]),
  route: z.string().describe("PBX -> cstabox, cstabox -> application, …"),
  connection: z.string(),
  kind: z.string(),
  name: z.string(),
  invokeId: z.number().int().nullable(),
  devices: z.array(z.string()),
  callIds: z.array(z.string()),
  crossRefs: z.array(z.string()),
  causes: z.array(z.string()),
  details: z.string(),
  problem: z.string().nullable(),
  hex: z.string(),
});

/** The routes of /api/trace for the OpenAPI document. */
export const TRACE_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The trace's status and its frames after a sequence number",
    query: followQuery,
    response: z.strictObject({ status: traceStatus, frames: z.array(traceFrame) }),
  },
  { method: "post", path: "/start", summary: "Start a trace", body: startSchema, response: traceStatus },
  { method: "post", path: "/stop", summary: "Stop the trace", response: traceStatus },
  { method: "get", path: "/text", summary: "The last trace as text", response: { media: "text/plain" } },
];

/** Builds the /api/trace sub-app. */
export function createTraceApi(
  deps: { trace: FrameTrace; version: string; log: Logger; audit?: AuditLog },
): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const { trace } = deps;

  app.get("/", (c) => {
    const parsed = followQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? "");
      return apiError(c, 400, "invalid_query", `${field}: ${issue.message}`, { field });
    }
    const frames = trace.last?.frames(parsed.data.after, parsed.data.limit) ?? [];
    return c.json({ status: trace.status(), frames: frames.map(frameJson) });
  });

  app.post("/start", async (c) => {
    const body = await readJsonBody(c, startSchema);
    if (!body.ok) return body.response;
    try {
      trace.start(body.data);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return apiError(c, 400, "invalid_request", `seconds: ${error.message}`, { field: "seconds" });
    }
    deps.log.info("CSTA trace started", { user: c.get("user"), ...body.data });
    deps.audit?.record(auditActor(c), { action: "CSTA trace started", object: "CSTA trace", new: body.data });
    return c.json(trace.status());
  });

  app.post("/stop", (c) => {
    if (trace.active) {
      deps.log.info("CSTA trace stopped", { user: c.get("user") });
      deps.audit?.record(auditActor(c), { action: "CSTA trace stopped", object: "CSTA trace" });
    }
    trace.stop();
    return c.json(trace.status());
  });

  app.get("/text", (c) => {
    const lines = traceTextLines(trace, deps.version);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`${next.value}\n`));
      },
    });
    const stamp = new Date(trace.status().startedAt ?? Date.now()).toISOString().replace(/[:.]/g, "-");
    return c.body(body, 200, {
      "content-type": "text/plain; charset=utf-8",
      "content-disposition": `attachment; filename="cstabox-trace-${stamp}.txt"`,
    });
  });
  return app;
}
