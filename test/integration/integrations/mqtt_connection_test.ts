import assert from "node:assert/strict";
import { Socket } from "node:net";
import { MqttPublisher } from "../../../src/integrations/mqtt/mqtt_publisher.ts";
import { mqttSchema, type MqttSettings } from "../../../src/integrations/mqtt/mqtt_options.ts";
import { freePort, startBroker, subscribe } from "../../support/mosquitto.ts";
import { HandFeed, quietLog, record, ringing } from "../../support/webhook_rig.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { waitUntil } from "../../support/wait_until.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function publisherRig(settings: Partial<MqttSettings>) {
  const store = await openTempDatabase();
  const hand = new HandFeed();
  let current: MqttSettings = mqttSchema.parse({
    enabled: true,
    topicPrefix: "t",
    reconnectMinSeconds: 0.1,
    reconnectMaxSeconds: 1,
    ...settings,
  });
  const publisher = new MqttPublisher({
    settings: () => current,
    boxName: "box",
    version: "test",
    feed: hand.feed,
    db: () => store.db,
    lines: () => [],
    log: quietLog(),
  });
  hand.feed.start();
  await publisher.start();
  const details = () =>
    publisher.status().details as {
      connection: string;
      lastError: { message: string } | null;
      backlog: number | null;
      backlogDropped: number | null;
    };
  return {
    publisher,
    hand,
    details,
    async reconfigure(next: Partial<MqttSettings>) {
      current = { ...current, ...next };
      await publisher.stop();
      await publisher.start();
    },
    async close() {
      await publisher.stop();
      hand.feed.stop();
      await store.close();
    },
  };
}

Deno.test({
  ...opts,
  name:
    "MQTT: refused credentials show with the reason and are retried; the right ones connect and the waiting record goes out",
  fn: async () => {
    const broker = await startBroker({ users: { cstabox: "right-password" } });
    const rig = await publisherRig({ url: broker.url, username: "cstabox", password: "wrong" });
    try {
      await waitUntil(
        () => /refused the credentials/.test(rig.details().lastError?.message ?? ""),
        10_000,
        () => JSON.stringify(rig.details()),
      );
      assert.equal(rig.publisher.status().state, "degraded");
      assert.match(
        rig.publisher.status().reason!,
        /MQTT broker not connected: the broker refused the credentials/,
      );
      const waiting = record();
      rig.hand.record(waiting);
      assert.equal(rig.details().backlog, 1, "the record waits in the outbox");
      const first = (rig.publisher.status().details as { connects: number }).connects;
      assert.equal(first, 0);

      const sub = await subscribe(`mqtt://cstabox:right-password@127.0.0.1:${broker.port}`, "t/#");
      await rig.reconfigure({ password: "right-password" });
      await waitUntil(
        () => rig.details().connection === "connected",
        10_000,
        () => JSON.stringify(rig.details()),
      );
      await waitUntil(
        () => sub.messages.some((m) => m.topic === "t/call/record"),
        10_000,
        () => "the record",
      );
      assert.equal(JSON.parse(sub.messages.find((m) => m.topic === "t/call/record")!.payload).id, waiting.id);
      const test = await rig.publisher.sendTest();
      assert.ok(test.ok, test.error ?? "");
      await sub.close();
    } finally {
      await rig.close();
      await broker.stop();
    }
  },
});

Deno.test({
  ...opts,
  name: "MQTT: a backlog the store cannot count reads null (unknown), never 0",
  fn: async () => {
    const rig = await publisherRig({ url: `mqtt://127.0.0.1:${freePort()}` });
    try {
      rig.hand.record(record());
      assert.equal(rig.details().backlog, 1, "counted while the store answers");
      const failing = () => {
        throw new Error("disk I/O error");
      };
      rig.publisher.outbox.size = failing;
      rig.publisher.outbox.dropped = failing;
      // A 0 here would let "every backlog drained" pass while records still wait.
      assert.equal(rig.details().backlog, null);
      assert.equal(rig.details().backlogDropped, null);
    } finally {
      await rig.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "MQTT: no broker at the address shows connection refused and the next try",
  fn: async () => {
    const rig = await publisherRig({ url: `mqtt://127.0.0.1:${freePort()}` });
    try {
      await waitUntil(
        () => /connection refused/.test(rig.details().lastError?.message ?? ""),
        10_000,
        () => JSON.stringify(rig.details()),
      );
      const d = rig.publisher.status().details as { nextRetryAt: string | null; connection: string };
      assert.ok(["waiting", "connecting"].includes(d.connection));
      const test = await rig.publisher.sendTest();
      assert.equal(test.ok, false);
      assert.match(test.error!, /not connected/);
    } finally {
      await rig.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "MQTT: mqtts to a plain broker fails as TLS and is retried",
  fn: async () => {
    const broker = await startBroker();
    const rig = await publisherRig({ url: `mqtts://127.0.0.1:${broker.port}` });
    try {
      await waitUntil(
        () => /^TLS failed/.test(rig.details().lastError?.message ?? ""),
        10_000,
        () => JSON.stringify(rig.details()),
      );
      assert.notEqual(rig.details().connection, "connected");
      assert.equal(rig.publisher.status().state, "degraded");
    } finally {
      await rig.close();
      await broker.stop();
    }
  },
});

/**
 * The socket writes the publisher makes (Node's `Socket#_writeGeneric`, behind both `_write` and `_writev`),
 * counted where they are made: a count of the reads at the far end merged writes whenever the reader was
 * late (4 reads for 10 writes once under CI's load). A relay gives the publisher's socket a port of its own.
 */
function countingWrites(brokerPort: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const client of listener) {
      const broker = await Deno.connect({ hostname: "127.0.0.1", port: brokerPort });
      conns.push(client, broker);
      void broker.readable.pipeTo(client.writable).catch(() => {});
      void client.readable.pipeTo(broker.writable).catch(() => {});
    }
  })().catch(() => {});
  const counts = { writes: 0 };
  const proto = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
  const original = proto._writeGeneric;
  proto._writeGeneric = function (this: Socket, ...args: unknown[]) {
    if (this.remotePort === port) counts.writes++;
    return original.apply(this, args);
  };
  return {
    port,
    counts,
    close() {
      proto._writeGeneric = original;
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    },
  };
}

for (const [writeBatchMs, expect] of [[300, "one write"], [0, "a write each"]] as const) {
  Deno.test({
    ...opts,
    name:
      `MQTT: call events made in separate turns within writeBatchMs ${writeBatchMs} go to the broker in ${expect}`,
    fn: async () => {
      const broker = await startBroker();
      const relay = countingWrites(broker.port);
      const sub = await subscribe(broker.url, "t/line/+/event");
      const rig = await publisherRig({
        url: `mqtt://127.0.0.1:${relay.port}`,
        publish: ["callEvent"],
        qos: 0,
        writeBatchMs,
      });
      try {
        await waitUntil(
          () => rig.details().connection === "connected",
          10_000,
          () => JSON.stringify(rig.details()),
        );
        await new Promise((r) => setTimeout(r, 50)); // the CONNECT's and first turns' bytes are counted before
        const before = relay.counts.writes;
        for (let i = 0; i < 10; i++) {
          rig.hand.view([ringing(`c${i}`, "101", "102")]);
          rig.hand.view([]);
          await new Promise((r) => setTimeout(r, 5));
        }
        const calls = () => [...new Set(sub.messages.map((m) => JSON.parse(m.payload).callId))];
        await waitUntil(() => calls().includes("c9"), 10_000, () => `events of ${calls().join(", ")}`);
        await new Promise((r) => setTimeout(r, 50)); // the last call's other events
        const writes = relay.counts.writes - before;
        assert.deepEqual(calls(), Array.from({ length: 10 }, (_, i) => `c${i}`), "in order");
        if (writeBatchMs > 0) assert.equal(writes, 1, `the ${sub.messages.length} events in one write`);
        else assert.ok(writes >= 10, `each turn's events written at once (${writes} writes)`);
      } finally {
        await rig.close();
        await sub.close();
        relay.close();
        await broker.stop();
      }
    },
  });
}
