import assert from "node:assert/strict";
import { mqttSchema, topicPrefixOf } from "../../../src/integrations/mqtt/mqtt_options.ts";
import { settingsSchema } from "../../../src/settings/schema.ts";

function refusal(mqtt: Record<string, unknown>): { path: string; message: string } | undefined {
  const result = settingsSchema.safeParse({ mqtt });
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return { path: issue.path.join("."), message: issue.message };
}

Deno.test("MQTT settings that cannot work are refused with the field named", () => {
  assert.equal(refusal({ enabled: true })?.path, "mqtt.url");
  assert.match(refusal({ enabled: true, url: "http://broker:1883" })!.message, /mqtt:\/\/ or mqtts:\/\//);
  assert.equal(refusal({ enabled: true, url: "not a url" })?.path, "mqtt.url");
  assert.equal(refusal({ publish: ["callRecord", "faxes"] })?.path, "mqtt.publish.1");
  assert.equal(refusal({ topicPrefix: "a/#" })?.path, "mqtt.topicPrefix");
  assert.equal(refusal({ qos: 3 })?.path, "mqtt.qos");
  assert.equal(refusal({ enabled: true, url: "mqtts://broker.example:8883" }), undefined);
  assert.equal(refusal({ enabled: false }), undefined, "off with no URL is fine");
});

Deno.test("the default topic prefix is cstabox/<box name>, made safe for a topic level", () => {
  const defaults = mqttSchema.parse({});
  assert.equal(topicPrefixOf(defaults, "PBX Box #1"), "cstabox/pbx-box-1");
  assert.equal(topicPrefixOf({ ...defaults, topicPrefix: "site/a" }, "x"), "site/a");
});
