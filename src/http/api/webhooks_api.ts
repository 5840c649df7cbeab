// JSON API of the webhook endpoints, mounted at /api/webhooks: list, create, change, remove, their last
// deliveries, and a test delivery. A secret is shown once, when the endpoint is made (or given by the
// administrator); listings only say that one is set.

import { type Clock, systemClock } from "../../clock.ts";
import { type Context, Hono } from "hono";
import type { WebhookDispatcher } from "../../integrations/webhooks/webhook_dispatcher.ts";
import {
  type Webhook,
  webhookInputSchema,
  type WebhookRepository,
} from "../../integrations/webhooks/webhook_repository.ts";
import { apiError } from "../api_errors.ts";
import { randomToken } from "../auth/secret_token.ts";
import type { HttpEnv } from "../context.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "../auth/audit_actor.ts";
import { readJsonBody } from "./json_body.ts";
import { isoTime, type RouteDoc } from "./route_doc.ts";
import { z } from "zod";
import { integrationKindSchema } from "../../integrations/integration_kinds.ts";

export interface WebhooksApiOptions {
  repository: WebhookRepository;
  dispatcher: WebhookDispatcher;
  /** When an endpoint is created (the system clock when absent). */
  clock?: Clock;
  audit?: AuditLog;
}

/** An endpoint as listings show it: no secret, with its delivery state. */
function publicView(webhook: Webhook, dispatcher: WebhookDispatcher) {
  const { secret: _secret, ...rest } = webhook;
  return { ...rest, secretSet: true, delivery: dispatcher.endpoint(webhook.id) ?? null };
}

const attempt = z.strictObject({
  delivery: z.string(),
  kind: z.union([integrationKindSchema, z.literal("test")]),
  at: isoTime,
  status: z.number().int().nullable().describe("the endpoint's HTTP status; null without an answer"),
  ms: z.number(),
  error: z.string().nullable(),
  outcome: z.enum(["delivered", "retrying", "failed", "dropped"]),
});
const endpointView = z.strictObject({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  kinds: z.array(integrationKindSchema),
  lines: z.array(z.string()).describe("lines whose events it wants; empty: all"),
  enabled: z.boolean(),
  createdAt: isoTime,
  secretSet: z.literal(true),
  delivery: z.strictObject({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    backlog: z.number().int().nullable().describe("records waiting; null: the store could not count them"),
    queued: z.number().int(),
    failedRecords: z.number().int().nullable().describe(
      "records given up; null: the store could not count them",
    ),
    stats: z.record(z.string(), z.unknown()),
    lastAttempts: z.array(attempt),
  }).nullable().describe("the delivery state while the webhook service runs"),
});

/** The routes of /api/webhooks for the OpenAPI document. */
export const WEBHOOKS_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The webhook endpoints (never their secrets)",
    response: z.strictObject({ webhooks: z.array(endpointView) }),
  },
  {
    method: "post",
    path: "/",
    summary: "Add an endpoint; the answer shows its secret, once",
    body: webhookInputSchema,
    status: 201,
    response: z.strictObject({ webhook: z.strictObject({ ...endpointView.shape, secret: z.string() }) }),
  },
  {
    method: "get",
    path: "/:id",
    summary: "One endpoint",
    response: z.strictObject({ webhook: endpointView }),
  },
  {
    method: "put",
    path: "/:id",
    summary: "Change an endpoint",
    body: webhookInputSchema,
    response: z.strictObject({ webhook: endpointView }),
  },
  { method: "delete", path: "/:id", summary: "Remove an endpoint", response: null },
  {
    method: "get",
    path: "/:id/deliveries",
    summary: "An endpoint's last attempts and stored deliveries",
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional().describe("default 50") }),
    response: z.strictObject({
      attempts: z.array(attempt),
      records: z.array(z.strictObject({
        id: z.string(),
        webhookId: z.string(),
        kind: z.union([integrationKindSchema, z.literal("test")]),
        createdAt: isoTime,
        state: z.enum(["pending", "delivered", "failed"]),
        attempts: z.number().int(),
        nextAttemptAt: isoTime.nullable(),
        lastAttemptAt: isoTime.nullable(),
        lastStatus: z.number().int().nullable(),
        lastError: z.string().nullable(),
      })),
    }),
  },
  {
    method: "post",
    path: "/:id/test",
    summary: "Send a test delivery now and say how it went",
    response: z.strictObject({ attempt }),
  },
];

export function createWebhooksApi(options: WebhooksApiOptions): Hono<HttpEnv> {
  const { repository, dispatcher } = options;
  const clock = options.clock ?? systemClock;
  const app = new Hono<HttpEnv>();
  const missing = (c: Context, id: string) => apiError(c, 404, "not_found", `no webhook endpoint ${id}`);
  /** An endpoint as the audit log keeps it: the secret masked by its name, URL credentials too. */
  const audited = (webhook: Webhook | undefined) => {
    if (!webhook) return undefined;
    const { id: _id, createdAt: _createdAt, ...rest } = webhook;
    return rest;
  };

  app.get("/", (c) => c.json({ webhooks: repository.list().map((w) => publicView(w, dispatcher)) }));

  app.post("/", async (c) => {
    const body = await readJsonBody(c, webhookInputSchema);
    if (!body.ok) return body.response;
    const webhook = repository.create(body.data, randomToken(32), new Date(clock.now()));
    dispatcher.reload();
    options.audit?.record(auditActor(c), {
      action: "webhook added",
      object: `webhook ${webhook.id}`,
      new: audited(webhook),
    });
    // The only time the secret is shown: the receiver needs it to check signatures.
    return c.json({ webhook: { ...publicView(webhook, dispatcher), secret: webhook.secret } }, 201);
  });

  app.get("/:id", (c) => {
    const webhook = repository.get(c.req.param("id"));
    if (!webhook) return missing(c, c.req.param("id"));
    return c.json({ webhook: publicView(webhook, dispatcher) });
  });

  app.put("/:id", async (c) => {
    const id = c.req.param("id");
    const old = repository.get(id);
    if (!old) return missing(c, id);
    const body = await readJsonBody(c, webhookInputSchema);
    if (!body.ok) return body.response;
    const webhook = repository.update(id, body.data)!;
    dispatcher.reload();
    options.audit?.record(auditActor(c), {
      action: "webhook changed",
      object: `webhook ${id}`,
      old: audited(old),
      new: audited(webhook),
    });
    return c.json({ webhook: publicView(webhook, dispatcher) });
  });

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    const old = repository.get(id);
    if (!repository.remove(id)) return missing(c, id);
    dispatcher.reload();
    options.audit?.record(auditActor(c), {
      action: "webhook removed",
      object: `webhook ${id}`,
      old: audited(old),
    });
    return c.body(null, 204);
  });

  app.get("/:id/deliveries", (c) => {
    const id = c.req.param("id");
    if (!repository.get(id)) return missing(c, id);
    const limit = Math.min(500, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    const records = repository.recent(id, limit).map(({ payload: _payload, ...rest }) => ({
      ...rest,
      createdAt: new Date(rest.createdAt).toISOString(),
      nextAttemptAt: rest.state === "pending" ? new Date(rest.nextAttemptAt).toISOString() : null,
      lastAttemptAt: rest.lastAttemptAt === null ? null : new Date(rest.lastAttemptAt).toISOString(),
    }));
    return c.json({ attempts: dispatcher.endpoint(id)?.lastAttempts ?? [], records });
  });

  app.post("/:id/test", async (c) => {
    const id = c.req.param("id");
    if (!repository.get(id)) return missing(c, id);
    dispatcher.reload();
    const attempt = await dispatcher.sendTest(id);
    if (!attempt) return apiError(c, 503, "webhooks_not_running", "the webhook service is not running");
    return c.json({ attempt });
  });

  return app;
}
