import assert from "node:assert/strict";
import { join } from "node:path";
import { callEventSchema } from "../../../src/calls/call_event.ts";
import { callRecordSchema } from "../../../src/calls/call_record.ts";
import { loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";
import { startBroker, subscribe } from "../../support/mosquitto.ts";
import { waitUntil } from "../../support/wait_until.ts";

async function config(dir: string, mqtt: Record<string, unknown>, calls = 600): Promise<void> {
  await Deno.writeTextFile(
    join(dir, "cstabox.yaml"),
    JSON.stringify({ demo: { enabled: true, trafficCallsPerMinute: calls }, mqtt }) + "\n",
  );
}

Deno.test({
  name: "MQTT: simulator calls show as status, link, line states, call events, records and SMDR lines",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const broker = await startBroker();
    const dir = await Deno.makeTempDir({ prefix: "cstabox-mqtt-" });
    const sub = await subscribe(broker.url, "#");
    await config(dir, {
      enabled: true,
      url: broker.url,
      topicPrefix: "cstabox/test",
      homeAssistantDiscovery: true,
      protocolVersion: 5,
    });
    const box = await startCstabox(["--data-dir", dir, ...loopbackFlags]);
    try {
      const has = (pattern: RegExp) => sub.messages.some((m) => pattern.test(m.topic));
      await waitUntil(
        () =>
          has(/^cstabox\/test\/call\/record$/) && has(/^cstabox\/test\/smdr$/) &&
          has(/^cstabox\/test\/line\/\d+\/event$/) && has(/^cstabox\/test\/line\/\d+\/state$/) &&
          has(/^homeassistant\/sensor\//) &&
          sub.messages.some((m) => m.topic.endsWith("/event") && JSON.parse(m.payload).state === "offering"),
        30_000,
        () =>
          `records, SMDR lines, events and states on the broker; got ${
            [...new Set(sub.messages.map((m) => m.topic))].join(", ")
          }`,
      );
      const status = sub.messages.filter((m) => m.topic === "cstabox/test/status");
      assert.equal(status.at(-1)?.payload, "online");
      const link = sub.messages.filter((m) => m.topic === "cstabox/test/link").map((m) =>
        JSON.parse(m.payload)
      );
      assert.equal(link.at(-1).state, "up");
      for (const m of sub.messages.filter((m) => m.topic === "cstabox/test/call/record")) {
        callRecordSchema.parse(JSON.parse(m.payload));
      }
      for (const m of sub.messages.filter((m) => m.topic === "cstabox/test/smdr")) {
        const line = JSON.parse(m.payload);
        assert.equal(line.raw.length, 162);
        assert.ok(line.fields.event);
      }
      const events = sub.messages.filter((m) => m.topic.endsWith("/event")).map((m) => JSON.parse(m.payload));
      for (const event of events) callEventSchema.parse(event);
      assert.ok(events.some((e) => e.state === "offering"), "a call rang at a line");
      // What a consumer that connects later gets: the retained status, link, line states and discovery.
      const late = await subscribe(broker.url, "#");
      await new Promise((r) => setTimeout(r, 500));
      await late.close();
      const retained = new Set(late.messages.filter((m) => m.retain).map((m) => m.topic));
      assert.ok(retained.has("cstabox/test/status") && retained.has("cstabox/test/link"));
      assert.ok([...retained].some((t) => /^cstabox\/test\/line\/\d+\/state$/.test(t)));
      assert.ok(
        ![...retained].some((t) => t.endsWith("/event") || t.endsWith("/record")),
        "events are not retained",
      );
      const discovery = late.messages.filter((m) => m.topic.startsWith("homeassistant/"));
      assert.ok(discovery.some((m) => m.topic.startsWith("homeassistant/binary_sensor/")));
      const sensors = discovery.filter((m) => m.topic.startsWith("homeassistant/sensor/"));
      assert.ok(sensors.length > 0, "one sensor per enabled line");
      for (const m of discovery) {
        assert.ok(m.retain, "discovery is retained");
        const config = JSON.parse(m.payload);
        // The keys Home Assistant's MQTT discovery requires or reads for these platforms.
        for (const key of ["name", "unique_id", "state_topic", "device", "availability_topic"]) {
          assert.ok(key in config, `${m.topic} has ${key}`);
        }
        assert.match(
          m.topic,
          /^homeassistant\/(sensor|binary_sensor)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/,
        );
        assert.ok(config.device.identifiers.length > 0);
      }
    } finally {
      await box.stop();
      await sub.close();
      await broker.stop();
    }
  },
});
