// The `integrations` settings section: what MQTT and webhooks share, the group commit of their durable
// outboxes.

import { z } from "zod";

export const integrationsSchema = z.object({
  commitIntervalMs: z.number().int().min(0).max(1000).default(100).describe(
    "records and SMDR lines made within this many ms enter the MQTT and webhook outboxes in one commit, with the acknowledgements and webhook attempts of the interval (0 = each at once)",
  ),
  syncIntervalMs: z.number().int().min(0).max(60_000).default(1000).describe(
    "the outboxes' commits are flushed to the disk (fdatasync of the database log, off the event loop) at most this often and at the latest this long after they are made; each survives a crash or a kill of cstabox at once, a power cut once flushed (0 = every commit waits for the disk itself)",
  ),
}).strict();

export type IntegrationsSettings = z.infer<typeof integrationsSchema>;
