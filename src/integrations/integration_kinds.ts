// The kinds of things cstabox pushes to MQTT and webhooks, named once so settings, topics, webhook filters
// and the docs agree.

import { z } from "zod";

/**
 * `lineState`: a line's current state (idle, ringing, connected, on hold) with the other party;
 * `callEvent`: each change of a call's state on a line; `callRecord`: each finished call;
 * `smdr`: each SMDR line; `link`: the PBX link going up or down.
 */
export const INTEGRATION_KINDS = ["lineState", "callEvent", "callRecord", "smdr", "link"] as const;
export const integrationKindSchema = z.enum(INTEGRATION_KINDS);
export type IntegrationKind = z.infer<typeof integrationKindSchema>;

/** Kinds that are never lost while a receiver is away: kept in a durable outbox until delivered. */
export const DURABLE_KINDS: ReadonlySet<IntegrationKind> = new Set(["callRecord", "smdr"]);
