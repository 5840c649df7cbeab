// Test support for webhooks: a real HTTP receiver on 127.0.0.1 whose answers a test sets, and a dispatcher
// on a real SQLite store fed by a hand-driven feed (records, call events) instead of the PBX.

import type { CallRecord } from "../../src/calls/call_record.ts";
import type { CallView } from "../../src/calls/call_view.ts";
import { IntegrationFeed } from "../../src/integrations/integration_feed.ts";
import { webhooksSchema, type WebhooksSettings } from "../../src/integrations/webhooks/webhook_options.ts";
import { WebhookDispatcher } from "../../src/integrations/webhooks/webhook_dispatcher.ts";
import { WebhookRepository } from "../../src/integrations/webhooks/webhook_repository.ts";
import { Logger } from "../../src/log/logger.ts";
import type { StoredRecord } from "../../src/smdr/outbox.ts";
import { openTempDatabase, type TempDatabase } from "./temp_database.ts";

export interface Delivery {
  headers: Headers;
  body: string;
  at: number;
}

/**
 * An HTTP receiver: `answer` decides each reply (status, at once or later, or "hang" to never answer). `stop()` and
 * `restart()` take it away and bring it back on the same port (an endpoint outage).
 */
export function startReceiver(
  answer: (delivery: Delivery) => number | "hang" | Promise<number> = () => 200,
  port = 0,
) {
  const received: Delivery[] = [];
  const hanging: (() => void)[] = [];
  const serve = (on: number) =>
    Deno.serve({ hostname: "127.0.0.1", port: on, onListen: () => {} }, async (request) => {
      const delivery = { headers: request.headers, body: await request.text(), at: Date.now() };
      received.push(delivery);
      const reply = await answer(delivery);
      if (reply === "hang") {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response("late", { status: 200 });
      }
      return new Response(reply >= 400 ? "receiver refused" : "ok", { status: reply });
    });
  let server: Deno.HttpServer<Deno.NetAddr> | undefined = serve(port);
  const bound = server.addr.port;
  const stop = async () => {
    for (const release of hanging.splice(0)) release();
    await server?.shutdown();
    server = undefined;
  };
  return {
    received,
    url: `http://127.0.0.1:${bound}/hook`,
    stop,
    restart() {
      server ??= serve(bound);
    },
    close: stop,
  };
}

/** A feed driven by the test: `record()` ends a call, `view()` changes the live calls. */
export class HandFeed {
  readonly #change = new Set<() => void>();
  readonly #record = new Set<(r: CallRecord) => void>();
  #views: CallView[] = [];
  readonly feed: IntegrationFeed;

  constructor(lines: string[] = ["101", "102"]) {
    this.feed = new IntegrationFeed({
      calls: {
        calls: () => this.#views,
        onChange: (l) => (this.#change.add(l), () => this.#change.delete(l)),
        onRecord: (l) => (this.#record.add(l), () => this.#record.delete(l)),
      },
      smdr: { onRecord: (_l: (r: StoredRecord) => void) => () => {} },
      linkState: () => "ready",
      isLine: (n) => lines.includes(n),
      log: quietLog(),
    });
  }

  record(record: CallRecord): void {
    for (const l of this.#record) l(record);
  }

  view(views: CallView[]): void {
    this.#views = views;
    for (const l of this.#change) l();
  }
}

export function quietLog(): Logger {
  return new Logger("test", { level: "error", sink: () => {} });
}

export async function dispatcherRig(
  settings: Partial<WebhooksSettings> = {},
  clockOffset = { ms: 0 },
  senderWorkerUrl?: URL,
) {
  const store: TempDatabase = await openTempDatabase();
  const repository = new WebhookRepository(() => store.db);
  const hand = new HandFeed();
  const dispatcher = new WebhookDispatcher({
    settings: () => ({ ...webhooksSchema.parse({}), ...settings }),
    repository,
    feed: hand.feed,
    log: quietLog(),
    senderWorkerUrl,
    clock: {
      now: () => Date.now() + clockOffset.ms,
      monotonic: () => performance.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as number),
    },
  });
  hand.feed.start();
  await dispatcher.start();
  return {
    store,
    repository,
    hand,
    dispatcher,
    async close() {
      await dispatcher.stop();
      hand.feed.stop();
      await store.close();
    },
  };
}

let serial = 0;
/** A finished-call record with a fresh id. */
export function record(from = "101", to = "102"): CallRecord {
  serial++;
  const at = new Date(Date.UTC(2026, 11, 7, 3, 0, serial % 60)).toISOString();
  return {
    id: `20261207030000-${serial.toString(16).padStart(4, "0")}`,
    callId: serial.toString(16),
    smdrCallId: null,
    direction: "internal",
    from: { number: from, canonical: from },
    to: { number: to, canonical: to },
    answeredBy: { number: to, canonical: to },
    ddi: null,
    startedAt: at,
    answeredAt: at,
    endedAt: at,
    ringSeconds: 0,
    talkSeconds: 0,
    holdSeconds: 0,
    outcome: "answered",
    transfers: [],
    diversions: [],
    accountCode: null,
    trunk: null,
  };
}

/** One ringing call at `line` in the live view. */
export function ringing(callId: string, line = "101", from = "102"): CallView {
  const since = new Date().toISOString();
  return {
    callId,
    firstSeen: since,
    direction: "internal",
    smdrCallId: null,
    trunk: null,
    extension: line,
    callerNumber: null,
    contactName: null,
    ddi: null,
    accountCode: null,
    answered: false,
    connections: [
      { device: from, kind: "extension", state: "connected", since },
      { device: line, kind: "extension", state: "alerting", since },
    ],
  };
}
