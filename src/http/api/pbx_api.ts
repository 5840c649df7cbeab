// JSON API of the PBX link, mounted at /api/pbx: its state and settings, "test connection" and "connect
// now" (no waiting for the back-off). While the
// link to the configured PBX is up (or being set up) the test does not open a second connection: the PBX
// takes one CTI client only, and what it does with a second one is unknown (PROTOCOL.md §13 [C-pbx/doc]).

import { Hono } from "hono";
import { z } from "zod";
import type { AuditLog } from "../../audit/audit_log.ts";
import type { ConnectNowOutcome, PbxLinkDetails } from "../../pbx/pbx_link.ts";
import type { ServiceStatus } from "../../service.ts";
import { type Settings, settingsSchema } from "../../settings/schema.ts";
import type { HttpEnv } from "../context.ts";
import type { PbxProbeReport, PbxProbeTarget } from "../../pbx/probe.ts";
import { apiError } from "../api_errors.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readJsonBody } from "./json_body.ts";
import { type RouteDoc, serviceStatusSchema } from "./route_doc.ts";

export interface PbxApiDependencies {
  linkStatus: () => ServiceStatus<PbxLinkDetails> | undefined;
  settings: () => Settings;
  mode: () => "pbx" | "demo";
  probe: (target: PbxProbeTarget) => Promise<PbxProbeReport>;
  /** Ends the link's back-off wait (`PbxLink.connectNow`); without it `POST /connect` is absent. */
  connectNow?: () => ConnectNowOutcome;
  audit?: AuditLog;
}

const testSchema = z.strictObject({
  host: z.string().max(253).optional(),
  port: z.number().int().min(1).max(65535).optional(),
});

/** The answer of a test that did not probe, because the link itself says how the PBX is. */
export interface PbxTestAnswer extends PbxProbeReport {
  /** False when the running link was reported instead of opening a test connection. */
  probed: boolean;
}

const testAnswer = z.strictObject({
  ok: z.boolean(),
  probed: z.boolean().describe("false: the running link was reported instead of opening a test connection"),
  target: z.string(),
  summary: z.string(),
  steps: z.array(z.strictObject({ step: z.string(), ok: z.boolean(), detail: z.string(), ms: z.number() })),
});

/** The routes of /api/pbx for the OpenAPI document. */
export const PBX_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The mode, the PBX settings and the link's status",
    response: z.strictObject({
      mode: z.enum(["pbx", "demo"]),
      settings: settingsSchema.shape.pbx,
      link: serviceStatusSchema.nullable(),
    }),
  },
  {
    method: "post",
    path: "/test",
    summary: "Test the connection to a PBX (the configured one unless host/port are given)",
    body: testSchema,
    response: testAnswer,
  },
  {
    method: "post",
    path: "/connect",
    summary: "Connect now, without waiting for the link's back-off",
    status: 202,
    response: z.strictObject({ connecting: z.literal(true), message: z.string() }),
  },
];

/** Builds the /api/pbx sub-app. */
export function createPbxApi(deps: PbxApiDependencies): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();

  app.get(
    "/",
    (c) => c.json({ mode: deps.mode(), settings: deps.settings().pbx, link: deps.linkStatus() ?? null }),
  );

  app.post("/test", async (c) => {
    const body = await readJsonBody(c, testSchema);
    if (!body.ok) return body.response;
    const configured = deps.settings().pbx;
    const target = {
      host: body.data.host?.trim() ?? configured.host,
      port: body.data.port ?? configured.port,
    };
    const details = deps.linkStatus()?.details;
    const sameAsLink = target.host === configured.host && target.port === configured.port;
    const linkState = details?.state ?? "disconnected";
    if (sameAsLink && target.host !== "" && linkState !== "disconnected") {
      const name = `${target.host}:${target.port}`;
      const answer: PbxTestAnswer = {
        ok: linkState === "ready",
        probed: false,
        target: name,
        summary: linkState === "ready"
          ? `The link to ${name} is up (since ${
            details?.since ?? "?"
          }); no second connection was opened, because the PBX takes one CTI client only.`
          : `The link is ${linkState} right now; try again in a moment.`,
        steps: [],
      };
      return c.json(answer);
    }
    const report = await deps.probe(target);
    return c.json({ ...report, probed: true } satisfies PbxTestAnswer);
  });

  if (deps.connectNow) {
    const connectNow = deps.connectNow;
    app.post("/connect", (c) => {
      const outcome = connectNow();
      switch (outcome.kind) {
        case "connecting":
          deps.audit?.record(auditActor(c), { action: "PBX link connected now", object: "PBX link" });
          return c.json({ connecting: true, message: "Connecting to the PBX now." }, 202);
        case "alreadyUp":
          return apiError(c, 409, "link_up", "the PBX link is up: there is nothing to connect");
        case "inProgress":
          return apiError(c, 409, "link_connecting", `the PBX link is ${outcome.state} right now`);
        case "notRunning":
          return apiError(c, 503, "link_not_running", "the PBX link service is not running");
      }
    });
  }

  return app;
}
