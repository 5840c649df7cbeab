// Webhook endpoints and their durable deliveries in the store: what each endpoint wants (kinds, lines),
// its secret, and every record delivery with its attempts, so a restart resumes them.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { z } from "zod";
import { withSavepoint } from "../../store/savepoint.ts";
import { type IntegrationKind, integrationKindSchema } from "../integration_kinds.ts";

/** What an administrator sends to create or change an endpoint. */
export const webhookInputSchema = z.strictObject({
  name: z.string().trim().min(1, "a name is needed").max(100),
  url: z.string().refine((value) => urlProblem(value) === undefined, {
    error: (issue) => urlProblem(String(issue.input)) ?? "not a URL",
  }),
  kinds: z.array(integrationKindSchema).min(1, "choose at least one kind").refine(
    (kinds) => new Set(kinds).size === kinds.length,
    "a kind is listed twice",
  ),
  lines: z.array(z.string().regex(/^[0-9*#]{1,20}$/, "a line number: digits, * and #")).max(10_000).default(
    [],
  ),
  secret: z.string().min(16, "at least 16 characters").max(256).optional(),
  enabled: z.boolean().default(true),
});
export type WebhookInput = z.infer<typeof webhookInputSchema>;

/** Why a URL cannot receive webhooks, or undefined when it can. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is no URL; write https://host/path`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `a webhook URL starts with http:// or https://, not ${parsed.protocol}//`;
  }
  if (parsed.username || parsed.password) {
    return "put no user or password in the URL; the signature proves the sender";
  }
  return undefined;
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  secret: string;
  kinds: IntegrationKind[];
  /** Lines whose events it wants; empty = all. */
  lines: string[];
  enabled: boolean;
  createdAt: string;
}

export type DeliveryState = "pending" | "delivered" | "failed";

export interface StoredDelivery {
  id: string;
  webhookId: string;
  kind: IntegrationKind | "test";
  payload: string;
  createdAt: number;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

/** A durable delivery as it is stored: pending, not tried yet. */
export type NewDelivery = Omit<
  StoredDelivery,
  "state" | "attempts" | "lastAttemptAt" | "lastStatus" | "lastError"
>;

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  secret: string;
  kinds: string;
  lines: string;
  enabled: number;
  created_at: string;
}

/** The statements each delivery runs, prepared once per connection of the store. */
interface DeliveryStatements {
  db: DatabaseSync;
  insert: StatementSync;
  pending: StatementSync;
  update: StatementSync;
  oldestKept: StatementSync;
  prune: StatementSync;
}

export class WebhookRepository {
  #sql?: DeliveryStatements;

  constructor(private readonly db: () => DatabaseSync) {}

  list(): Webhook[] {
    return (this.db().prepare("SELECT * FROM webhook ORDER BY created_at, id")
      .all() as unknown as WebhookRow[])
      .map(fromRow);
  }

  get(id: string): Webhook | undefined {
    const row = this.db().prepare("SELECT * FROM webhook WHERE id = ?").get(id) as WebhookRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  create(input: WebhookInput, secret: string, now: Date): Webhook {
    const webhook: Webhook = {
      id: crypto.randomUUID(),
      name: input.name,
      url: input.url,
      secret: input.secret ?? secret,
      kinds: input.kinds,
      lines: input.lines,
      enabled: input.enabled,
      createdAt: now.toISOString(),
    };
    this.db().prepare(
      "INSERT INTO webhook (id, name, url, secret, kinds, lines, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(
      webhook.id,
      webhook.name,
      webhook.url,
      webhook.secret,
      JSON.stringify(webhook.kinds),
      JSON.stringify(webhook.lines),
      webhook.enabled ? 1 : 0,
      webhook.createdAt,
    );
    return webhook;
  }

  update(id: string, input: WebhookInput): Webhook | undefined {
    const existing = this.get(id);
    if (!existing) return undefined;
    const next: Webhook = { ...existing, ...input, secret: input.secret ?? existing.secret };
    this.db().prepare(
      "UPDATE webhook SET name = ?, url = ?, secret = ?, kinds = ?, lines = ?, enabled = ? WHERE id = ?",
    )
      .run(
        next.name,
        next.url,
        next.secret,
        JSON.stringify(next.kinds),
        JSON.stringify(next.lines),
        next.enabled ? 1 : 0,
        id,
      );
    return next;
  }

  /** Removes the endpoint and its deliveries. */
  remove(id: string): boolean {
    return Number(this.db().prepare("DELETE FROM webhook WHERE id = ?").run(id).changes) > 0;
  }

  // ---- deliveries -------------------------------------------------------------------------------

  /** Stores one durable delivery per endpoint in one transaction (one commit for all of them). */
  enqueue(deliveries: readonly NewDelivery[]): void {
    if (deliveries.length === 0) return;
    const { db, insert } = this.#statements();
    withSavepoint(db, () => {
      for (const d of deliveries) {
        insert.run(d.id, d.webhookId, d.kind, d.payload, d.createdAt, d.nextAttemptAt);
      }
    });
  }

  /** The endpoint's oldest pending deliveries, due or not (deliveries of an endpoint go out in order). */
  pending(webhookId: string, limit: number): StoredDelivery[] {
    return (this.#statements().pending.all(webhookId, limit) as unknown as DeliveryRow[]).map(
      deliveryFromRow,
    );
  }

  pendingCount(webhookId?: string): number {
    const row = webhookId === undefined
      ? this.db().prepare("SELECT COUNT(*) AS n FROM webhook_delivery WHERE state = 'pending'").get()
      : this.db().prepare(
        "SELECT COUNT(*) AS n FROM webhook_delivery WHERE webhook_id = ? AND state = 'pending'",
      )
        .get(webhookId);
    return Number((row as { n: number }).n);
  }

  failedCount(webhookId: string): number {
    const row = this.db().prepare(
      "SELECT COUNT(*) AS n FROM webhook_delivery WHERE webhook_id = ? AND state = 'failed'",
    ).get(webhookId) as { n: number };
    return Number(row.n);
  }

  /** Records attempts, in one commit: each delivered, failed for good, or pending until `nextAttemptAt`. */
  attempted(outcomes: readonly AttemptOutcome[]): void {
    if (outcomes.length === 0) return;
    const { db, update } = this.#statements();
    withSavepoint(db, () => {
      for (const o of outcomes) {
        update.run(o.state, o.attempts, o.at, o.status, o.error, o.nextAttemptAt, o.id);
      }
    });
  }

  /** The endpoint's latest durable deliveries, newest first. */
  recent(webhookId: string, limit: number): StoredDelivery[] {
    return (this.db().prepare(
      "SELECT * FROM webhook_delivery WHERE webhook_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
    ).all(webhookId, limit) as unknown as DeliveryRow[]).map(deliveryFromRow);
  }

  /** Keeps the newest `keep` finished deliveries of an endpoint; pending ones always stay. */
  prune(webhookId: string, keep: number): number {
    const sql = this.#statements();
    // The oldest one kept, found in the index of the finished ones (no row read), and all before it go.
    // Finished at the same ms, they go by state, then in order (the index's order: no sort, no row read).
    const oldest = sql.oldestKept.get(webhookId, keep - 1) as
      | { at: number; state: string; row: number }
      | undefined;
    if (!oldest) return 0;
    return Number(sql.prune.run(webhookId, oldest.at, oldest.state, oldest.row).changes);
  }

  /**
   * Prepared once per connection (a restore reopens the store): preparing them at each call was a fifth of
   * the dispatcher's time on the event loop (integrations bench, 2.9 of 15 ms a second).
   */
  #statements(): DeliveryStatements {
    const db = this.db();
    if (this.#sql?.db === db) return this.#sql;
    this.#sql = {
      db,
      insert: db.prepare(
        "INSERT INTO webhook_delivery (id, webhook_id, kind, payload, created_at, state, next_attempt_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)",
      ),
      pending: db.prepare(
        "SELECT * FROM webhook_delivery WHERE webhook_id = ? AND state = 'pending' ORDER BY created_at, rowid LIMIT ?",
      ),
      update: db.prepare(
        "UPDATE webhook_delivery SET state = ?, attempts = ?, last_attempt_at = ?, last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
      ),
      oldestKept: db.prepare(
        `SELECT created_at AS at, state, rowid AS row FROM webhook_delivery WHERE webhook_id = ? AND state != 'pending'
          ORDER BY created_at DESC, state DESC, rowid DESC LIMIT 1 OFFSET ?`,
      ),
      prune: db.prepare(
        `DELETE FROM webhook_delivery WHERE webhook_id = ? AND state != 'pending'
          AND (created_at, state, rowid) < (?, ?, ?)`,
      ),
    };
    return this.#sql;
  }
}

/** What one attempt left: the delivery's state after it and the attempt's answer. */
export interface AttemptOutcome {
  id: string;
  state: DeliveryState;
  /** Attempts made so far, this one included. */
  attempts: number;
  at: number;
  status: number | null;
  error: string | null;
  nextAttemptAt: number;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  kind: string;
  payload: string;
  created_at: number;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

function deliveryFromRow(row: DeliveryRow): StoredDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    kind: row.kind as StoredDelivery["kind"],
    payload: row.payload,
    createdAt: Number(row.created_at),
    state: row.state as DeliveryState,
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    lastError: row.last_error,
  };
}

function fromRow(row: WebhookRow): Webhook {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    secret: row.secret,
    kinds: JSON.parse(row.kinds),
    lines: JSON.parse(row.lines),
    enabled: row.enabled === 1,
    createdAt: row.created_at,
  };
}
