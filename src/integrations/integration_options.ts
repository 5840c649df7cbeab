// The `integrations` settings section: what MQTT and webhooks share, the group commit of their durable
// outboxes.

import { z } from "zod";

export const integrationsSchema = z.object({
  commitIntervalMs: z.number().int().min(0).max(1000).default(100).describe(
    "records and SMDR lines made within this many ms enter the MQTT and webhook outboxes in one commit (0 = each at once; each commit costs an fsync)",
  ),
}).strict();

export type IntegrationsSettings = z.infer<typeof integrationsSchema>;
