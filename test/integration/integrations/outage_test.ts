// Broker and webhook outages lose no call record: during simulator traffic Mosquitto and the webhook
// receiver stop, cstabox is killed with SIGKILL and started again while they are away; when they return
// every record cstabox stored reaches both, checked id by id against the database.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import mqtt from "mqtt";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";
import { startBroker } from "../../support/mosquitto.ts";
import { startReceiver } from "../../support/webhook_rig.ts";
import { waitUntil } from "../../support/wait_until.ts";

const PASSWORD = "outage-Pw-2026";
const AUTH = { authorization: `Basic ${btoa(`admin:${PASSWORD}`)}` };

async function writeSettings(dir: string, url: string, callsPerMinute: number): Promise<void> {
  await Deno.writeTextFile(
    join(dir, "cstabox.yaml"),
    JSON.stringify({
      demo: { enabled: true, trafficCallsPerMinute: callsPerMinute },
      mqtt: {
        enabled: true,
        url,
        topicPrefix: "cstabox/outage",
        publish: ["callRecord"],
        reconnectMinSeconds: 0.2,
        reconnectMaxSeconds: 1,
      },
      webhooks: { retryMinSeconds: 0.2, retryMaxSeconds: 1, keepDeliveries: 100_000 },
    }) + "\n",
  );
}

async function api<T>(box: CstaboxProcess, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${box.port("http")}/api${path}`, {
    ...init,
    headers: { ...AUTH, "content-type": "application/json", ...init.headers },
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Both backlogs empty, as the running cstabox reports them. */
async function drained(box: CstaboxProcess): Promise<boolean> {
  const mqttState = await api<{ details: { backlog: number | null; connection: string } }>(box, "/mqtt");
  const hooks = await api<{ webhooks: { delivery: { backlog: number } | null }[] }>(box, "/webhooks");
  return mqttState.details.connection === "connected" && mqttState.details.backlog === 0 &&
    hooks.webhooks.every((w) => w.delivery !== null && w.delivery.backlog === 0);
}

/**
 * Nothing left to make or to send, after a start: the call tracker has re-synchronised with the PBX (the
 * trunk calls taken back from the last run are closed then, and their records made), no call is in
 * progress, and both backlogs are empty, twice, further apart than a group commit (100 ms). Backlogs alone
 * were once empty just before the re-sync closed seven calls of the last run: their records were stored as
 * the test stopped cstabox, and counted as undelivered.
 */
async function quiet(box: CstaboxProcess): Promise<boolean> {
  type Calls = { lastResync: unknown; callsInProgress: number };
  const status = await api<{ services: Record<string, { details?: Calls }> }>(box, "/status");
  const calls = status.services["call-tracker"]?.details;
  if (!calls || calls.lastResync === null || calls.callsInProgress > 0) return false;
  if (!(await drained(box))) return false;
  await new Promise((r) => setTimeout(r, 500));
  return await drained(box);
}

Deno.test({
  name:
    "outage: broker and webhook receiver away, cstabox killed with SIGKILL in between; every record id arrives",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const broker = await startBroker({ persistent: true });
    const receiver = startReceiver();
    // A persistent session: QoS 1 messages for it wait at the broker while it reconnects.
    const subscriber = await mqtt.connectAsync(broker.url, {
      clientId: "outage-subscriber",
      clean: false,
      reconnectPeriod: 200,
    });
    const mqttIds = new Set<string>();
    subscriber.on("message", (_topic, payload) => mqttIds.add(JSON.parse(payload.toString()).id));
    await subscriber.subscribeAsync("cstabox/outage/call/record", { qos: 1 });
    const hookIds = () =>
      new Set(
        receiver.received.filter((d) => d.headers.get("x-cstabox-event") === "callRecord")
          .map((d) => JSON.parse(d.body).data.id as string),
      );

    const dir = await Deno.makeTempDir({ prefix: "cstabox-outage-" });
    await writeSettings(dir, broker.url, 1200);
    const args = ["--data-dir", dir, ...loopbackFlags, "--admin-password", PASSWORD];
    let box = await startCstabox(args);
    try {
      await api(box, "/webhooks", {
        method: "POST",
        body: JSON.stringify({ name: "accounting", url: receiver.url, kinds: ["callRecord"] }),
      });
      await waitUntil(() => hookIds().size >= 5 && mqttIds.size >= 5, 30_000, () => "first records at both");

      // The broker and the receiver go away; records pile up in the outboxes.
      const outageFrom = Date.now();
      await broker.stop();
      await receiver.stop();
      const before = { mqtt: mqttIds.size, hooks: hookIds().size };
      await new Promise((r) => setTimeout(r, 3000));
      const waiting = await api<{ details: { backlog: number | null } }>(box, "/mqtt");
      assert.ok((waiting.details.backlog ?? 0) > 0, "records wait in the MQTT outbox");

      // cstabox dies without a word and comes back while both are still away.
      assert.equal(await box.stop("SIGKILL"), 137);
      box = await startCstabox(args);
      await new Promise((r) => setTimeout(r, 3000));

      const outageTo = Date.now();
      await broker.restart();
      receiver.restart();
      await waitUntil(async () => await drained(box), 60_000, () => "both backlogs delivered");
      assert.ok(mqttIds.size > before.mqtt && hookIds().size > before.hooks);
      assert.equal(await box.stop("SIGTERM"), 0);

      // Whatever the last moments left is delivered by a quiet start (no new calls).
      await writeSettings(dir, broker.url, 0);
      box = await startCstabox(args);
      await waitUntil(async () => await quiet(box), 30_000, () => "the rest delivered");
      assert.equal(await box.stop("SIGTERM"), 0);

      // Every record the store holds (each is in both outboxes or in none: one commit) reached both.
      const db = new DatabaseSync(join(dir, "cstabox.db"));
      const rows = db.prepare(
        "SELECT state, payload, created_at AS createdAt FROM webhook_delivery WHERE kind = 'callRecord'",
      ).all() as { state: string; payload: string; createdAt: number }[];
      const waitingMqtt = (db.prepare("SELECT COUNT(*) AS n FROM mqtt_outbox").get() as { n: number }).n;
      db.close();
      const stored = rows.map((r) => JSON.parse(r.payload).data.id as string);
      const duringOutage = rows.filter((r) => r.createdAt > outageFrom && r.createdAt < outageTo).length;
      assert.ok(duringOutage > 0, `records made while both were away: ${duringOutage} of ${stored.length}`);
      assert.deepEqual(rows.filter((r) => r.state !== "delivered"), [], "every delivery delivered");
      assert.equal(Number(waitingMqtt), 0, "the MQTT outbox is empty");
      const received = hookIds();
      assert.deepEqual(stored.filter((id) => !received.has(id)), [], "every record id at the webhook");
      await waitUntil(
        () => stored.every((id) => mqttIds.has(id)),
        10_000,
        () => `missing at the broker: ${stored.filter((id) => !mqttIds.has(id)).join(", ")}`,
      );
    } finally {
      await box.stop("SIGKILL").catch(() => {});
      await subscriber.endAsync(true);
      await receiver.close();
      await broker.stop();
    }
  },
});
