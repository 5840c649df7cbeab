// The `webhooks` settings section: how long deliveries are retried and how long one may take. The
// endpoints themselves are objects in the store (`/api/webhooks`).

import { z } from "zod";

export const webhooksSchema = z.object({
  timeoutSeconds: z.number().min(1).max(120).default(10).describe(
    "a delivery whose endpoint has not answered in this time counts as failed and is retried",
  ),
  recordRetryHours: z.number().min(0.01).max(720).default(24).describe(
    "call records and SMDR lines are retried with back-off for this long, then marked failed",
  ),
  eventRetrySeconds: z.number().min(0).max(600).default(30).describe(
    "call events, line and link states are retried for this long, then dropped and counted",
  ),
  retryMinSeconds: z.number().min(0.1).max(600).default(2).describe("first retry delay; delays double"),
  retryMaxSeconds: z.number().min(1).max(86400).default(600).describe("retry delay ceiling"),
  queuePerEndpoint: z.number().int().min(10).max(1_000_000).default(10_000).describe(
    "call events waiting for one endpoint in memory; more are dropped and counted",
  ),
  handoverMs: z.number().int().min(0).max(1000).default(5).describe(
    "call events go to the sender thread in one message at most this often (ms; 0 = every event-loop turn)",
  ),
  keepDeliveries: z.number().int().min(10).max(100_000).default(1000).describe(
    "finished deliveries kept per endpoint for the delivery log",
  ),
}).strict();

export type WebhooksSettings = z.infer<typeof webhooksSchema>;
