// JSON API of the MQTT publisher, mounted at /api/mqtt: its state (connection, backlog, deliveries) and a
// test message. Its settings are the `mqtt` section of /api/settings.

import { Hono } from "hono";
import type { MqttPublisher } from "../../integrations/mqtt/mqtt_publisher.ts";
import type { HttpEnv } from "../context.ts";

export function createMqttApi(mqtt: Pick<MqttPublisher, "status" | "sendTest">): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => c.json(mqtt.status()));
  app.post("/test", async (c) => c.json({ result: await mqtt.sendTest() }));
  return app;
}
