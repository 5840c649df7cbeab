// JSON API of the MQTT publisher, mounted at /api/mqtt: its state (connection, backlog, deliveries) and a
// test message. Its settings are the `mqtt` section of /api/settings.

import { Hono } from "hono";
import type { MqttPublisher } from "../../integrations/mqtt/mqtt_publisher.ts";
import type { HttpEnv } from "../context.ts";
import { type RouteDoc, serviceStatusSchema } from "./route_doc.ts";
import { z } from "zod";

/** The routes of /api/mqtt for the OpenAPI document. */
export const MQTT_ROUTES: readonly RouteDoc[] = [
  {
    method: "get",
    path: "/",
    summary: "The MQTT publisher's state: connection, backlog, deliveries",
    response: serviceStatusSchema,
  },
  {
    method: "post",
    path: "/test",
    summary: "Publish a test message to <prefix>/test and say how it went",
    response: z.strictObject({
      result: z.strictObject({
        ok: z.boolean(),
        ms: z.number(),
        topic: z.string(),
        error: z.string().nullable(),
      }),
    }),
  },
];

export function createMqttApi(mqtt: Pick<MqttPublisher, "status" | "sendTest">): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => c.json(mqtt.status()));
  app.post("/test", async (c) => c.json({ result: await mqtt.sendTest() }));
  return app;
}
