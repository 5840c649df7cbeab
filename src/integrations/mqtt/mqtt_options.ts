// The `mqtt` settings section: broker, identity, topics and what to publish. Checked when saved, so a
// value that cannot work (a bad URL, an unknown kind) is refused with the field named.

import { z } from "zod";
import { INTEGRATION_KINDS, integrationKindSchema } from "../integration_kinds.ts";

export const mqttSchema = z.object({
  enabled: z.boolean().default(false).describe(
    "publish call events, records, SMDR lines and link state to MQTT",
  ),
  url: z.string().default("").describe(
    "broker URL: mqtt://host:1883 or mqtts://host:8883 (TLS); required when enabled",
  ),
  protocolVersion: z.number().int().min(4).max(5).default(4).describe(
    "MQTT protocol: 4 = MQTT 3.1.1, 5 = MQTT 5",
  ),
  clientId: z.string().max(128).default("").describe("client id at the broker (empty = cstabox-<box name>)"),
  username: z.string().default("").describe("user name at the broker (empty = none)"),
  password: z.string().default("").describe("password at the broker"),
  caFile: z.string().default("").describe(
    "PEM file of the CA that signed the broker's certificate (mqtts; empty = the system's trust store)",
  ),
  certFile: z.string().default("").describe("PEM client certificate for brokers that require one (mqtts)"),
  keyFile: z.string().default("").describe("PEM private key of the client certificate"),
  topicPrefix: z.string().default("").describe(
    "first levels of every topic (empty = cstabox/<box name>); no wildcards",
  ),
  qos: z.number().int().min(0).max(2).default(1).describe(
    "QoS of line states, call events and link state (records and SMDR lines always go with QoS 1 at least)",
  ),
  publish: z.array(integrationKindSchema).default([...INTEGRATION_KINDS]).describe(
    `what to publish: ${INTEGRATION_KINDS.join(", ")}`,
  ),
  homeAssistantDiscovery: z.boolean().default(false).describe(
    "announce one sensor per enabled line and a binary sensor for the PBX link to Home Assistant",
  ),
  homeAssistantPrefix: z.string().min(1).default("homeassistant").describe(
    "Home Assistant's discovery prefix",
  ),
  backlogLimit: z.number().int().min(0).default(100_000).describe(
    "records and SMDR lines kept for the broker while it is away (0 = unlimited); drops beyond are counted",
  ),
  writeBatchMs: z.number().int().min(0).max(1000).default(5).describe(
    "messages made within this many ms go to the broker in one socket write (0 = each at once)",
  ),
  reconnectMinSeconds: z.number().min(0.1).max(60).default(1).describe("first reconnect delay after a loss"),
  reconnectMaxSeconds: z.number().min(1).max(3600).default(60).describe(
    "reconnect delay ceiling; delays double up to it, with jitter",
  ),
}).strict().superRefine((value, ctx) => {
  if (value.topicPrefix !== "" && (/[#+]/.test(value.topicPrefix) || value.topicPrefix.endsWith("/"))) {
    ctx.addIssue({
      code: "custom",
      path: ["topicPrefix"],
      message: "a topic prefix has no +, # or trailing /",
    });
  }
  if (!value.enabled && value.url === "") return;
  const problem = brokerUrlProblem(value.url);
  if (problem) ctx.addIssue({ code: "custom", path: ["url"], message: problem });
});

export type MqttSettings = z.infer<typeof mqttSchema>;

/** Why a broker URL cannot work, or undefined when it can. */
export function brokerUrlProblem(url: string): string | undefined {
  if (url === "") return "a broker URL is needed to enable MQTT (mqtt://host:1883)";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is no URL; write mqtt://host:1883 or mqtts://host:8883`;
  }
  if (parsed.protocol !== "mqtt:" && parsed.protocol !== "mqtts:") {
    return `the broker URL must start with mqtt:// or mqtts://, not ${parsed.protocol}//`;
  }
  if (parsed.hostname === "") return "the broker URL names no host";
  return undefined;
}

/** The topic prefix in force: the setting, or `cstabox/<box name>` with the name made topic-safe. */
export function topicPrefixOf(settings: MqttSettings, boxName: string): string {
  if (settings.topicPrefix !== "") return settings.topicPrefix;
  return `cstabox/${topicSafe(boxName) || "box"}`;
}

/** The client id in force. */
export function clientIdOf(settings: MqttSettings, boxName: string): string {
  return settings.clientId !== "" ? settings.clientId : `cstabox-${topicSafe(boxName) || "box"}`;
}

/** A name as one topic level: letters, digits, `-` and `_` only. */
export function topicSafe(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}
