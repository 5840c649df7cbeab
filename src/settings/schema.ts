// The one schema for the whole configuration: every setting with its default and a sentence for the
// administrator (written as a comment into cstabox.yaml). Defaults follow ARCHITECTURE.md.

import { z } from "zod";
import { integrationsSchema } from "../integrations/integration_options.ts";
import { metricsSchema } from "../integrations/metrics/metrics_options.ts";
import { mqttSchema } from "../integrations/mqtt/mqtt_options.ts";
import { webhooksSchema } from "../integrations/webhooks/webhook_options.ts";
import { type DevicePlanOptions, devicePlanProblem } from "../sim/device_plan.ts";
import { smdrSchema } from "../smdr/smdr_options.ts";
import { AllowList } from "../net/allow_list.ts";
import { bindAddress, port } from "../net/listen_fields.ts";
import { errorText } from "../log/error_text.ts";
import { traceSchema } from "../trace/trace_options.ts";

export const pbxSchema = z.object({
  host: z.string().default("").describe(
    "host name or IP address of the PBX CTI interface; empty = no PBX, cstabox runs the simulated PBX (demo)",
  ),
  port: z.number().int().min(1).max(65535).default(33333).describe("TCP port of the PBX CTI interface"),
  livenessTimeoutSeconds: z.number().int().min(10).max(3600).default(300).describe(
    "the link counts as lost when the PBX sends no SystemStatus for this long",
  ),
  reconnectMinSeconds: z.number().min(0.1).max(60).default(1).describe("first reconnect delay after a loss"),
  reconnectMaxSeconds: z.number().min(1).max(3600).default(60).describe(
    "reconnect delay ceiling; delays double up to it, with jitter",
  ),
  requestTimeoutSeconds: z.number().min(1).max(120).default(10).describe(
    "a request the PBX has not answered in this time fails with an error to the application",
  ),
  monitorRetrySeconds: z.number().min(1).max(3600).default(30).describe(
    "a monitor the PBX did not (re-)start is tried again after this long (estos: Retry MonitorStart)",
  ),
  monitorRetryMaxSeconds: z.number().min(1).max(3600).default(300).describe(
    "retry delay ceiling of a lost monitor; delays double up to it (equal to monitorRetrySeconds = regular intervals)",
  ),
}).strict();

export const demoSchema = z.object({
  enabled: z.boolean().default(false).describe(
    "run the built-in simulated PBX and connect to it (also implied when pbx.host is empty)",
  ),
  extensions: z.string().default("101-120").describe("extension range of the simulated PBX"),
  trunks: z.number().int().min(1).max(500).default(8).describe("CO lines (trunks) of the simulated PBX"),
  trafficCallsPerMinute: z.number().min(0).max(6000).default(6).describe(
    "random calls per minute the simulated PBX generates (0 = none)",
  ),
}).strict().superRefine((demo, ctx) => {
  // The simulator's own rules, so a plan it would refuse is refused at save, not at the next start.
  const problem = devicePlanProblem(demoPlanOptions(demo));
  if (!problem) return;
  const field = problem.field === "trunks" ? "trunks" : "extensions";
  ctx.addIssue({
    code: "custom",
    path: [field],
    message: field === problem.field ? problem.reason : problem.message,
  });
});

/** The simulated PBX's plan as the demo settings give it (the composition root builds it with this). */
export function demoPlanOptions(demo: { extensions: string; trunks: number }): DevicePlanOptions {
  return { extensions: demo.extensions, trunks: demo.trunks };
}

export const cstaServerSchema = z.object({
  bind: bindAddress("the CSTA server"),
  tcpEnabled: z.boolean().default(true).describe("accept CSTA applications over plain TCP"),
  tcpPort: port(33333, "CSTA TCP port, as on the PBX"),
  tlsEnabled: z.boolean().default(true).describe("accept CSTA applications over TLS (login required)"),
  tlsPort: port(33334, "CSTA TLS port"),
  tcpLoginRequired: z.boolean().default(false).describe(
    "require a CSTA user login on plain TCP too (off = PBX-compatible, no login)",
  ),
  systemStatusSeconds: z.number().int().min(0).max(3600).default(60).describe(
    "SystemStatus heartbeat to every application, as the PBX sends it (0 = only at association and on change)",
  ),
  systemStatusMisses: z.number().int().min(0).max(100).default(3).describe(
    "heartbeats an application may leave unanswered before it is disconnected, as the PBX does (0 = never)",
  ),
  tcpAllowedSources: z.array(z.string()).default([]).describe(
    "source addresses or CIDR ranges allowed to connect to the plain TCP port (empty = any); others are closed unanswered",
  ),
}).strict().superRefine((server, ctx) => {
  try {
    AllowList.parse(server.tcpAllowedSources, "cstaServer.tcpAllowedSources");
  } catch (error) {
    ctx.addIssue({ code: "custom", path: ["tcpAllowedSources"], message: errorText(error) });
  }
});

export const tlsSchema = z.object({
  names: z.array(z.string().min(1)).default([]).describe(
    "extra host names or addresses clients use for this appliance; added to a generated certificate and to the name check",
  ),
  expiryWarningDays: z.number().int().min(1).max(365).default(30).describe(
    "warn this many days before the certificate expires",
  ),
}).strict();

export const webSchema = z.object({
  bind: bindAddress("the web UI"),
  httpPort: port(8080, "web UI HTTP port"),
  httpsPort: port(8443, "web UI HTTPS port"),
  sessionIdleMinutes: z.number().int().min(1).max(1440).default(30).describe(
    "web sessions end after this much inactivity",
  ),
}).strict();

export const limitsSchema = z.object({
  ctiApplications: z.number().int().min(0).max(1000).default(1000).describe(
    "CTI applications connected at once",
  ),
  cdrApplications: z.number().int().min(0).max(1).default(1).describe("CDR applications (one owner)"),
  hotelApplications: z.number().int().min(0).max(1).default(1).describe("hotel applications (one owner)"),
  maxFrameBytes: z.number().int().min(256).max(65535).default(65535).describe(
    "largest CSTA frame accepted from an application or the PBX",
  ),
  requestsInFlightPerApplication: z.number().int().min(1).max(10000).default(256).describe(
    "requests one application may have outstanding at the PBX",
  ),
  outboundQueueBytes: z.number().int().min(4096).default(1024 * 1024).describe(
    "bytes queued for one slow application before it is disconnected",
  ),
  totalOutboundQueueBytes: z.number().int().min(64 * 1024).default(256 * 1024 * 1024).describe(
    "bytes queued for all applications together; past it the one with most queued is disconnected",
  ),
  writeCoalesceMs: z.number().int().min(0).max(100).default(0).describe(
    "frames for one application within this many ms leave in one write (0 = each event-loop turn); raise it for many applications",
  ),
  drainTimeoutSeconds: z.number().min(1).max(600).default(30).describe(
    "an application that does not read its queued data for this long is disconnected",
  ),
  frameCompletionSeconds: z.number().min(1).max(600).default(30).describe(
    "a frame an application has begun must arrive whole within this time, or it is disconnected",
  ),
  malformedFramesBeforeClose: z.number().int().min(1).max(100000).default(10).describe(
    "malformed frames in a row after which an application is disconnected (each one gets a ROSE Reject)",
  ),
  loginAttemptsPerMinute: z.number().int().min(1).max(1000).default(10).describe(
    "failed logins allowed per minute from one source address, and for one user name",
  ),
  passwordChecksAtOnce: z.number().int().min(1).max(16).default(1).describe(
    "password checks (web, API and CSTA logins; about 80 ms of CPU each) run at once, so CTI traffic keeps a core",
  ),
  passwordChecksWaiting: z.number().int().min(0).max(1000).default(16).describe(
    "password checks waiting for their turn; past it a login is refused as busy (HTTP 503, AARE rejected-transient)",
  ),
}).strict();

export const lineApiSchema = z.object({
  leaseSeconds: z.number().int().min(1).max(86400).default(120).describe(
    "an open line closes this long after its client last renewed it, unless an event WebSocket holds it",
  ),
  snapshotSeconds: z.number().int().min(0).max(86400).default(300).describe(
    "snapshot for active calls: a SnapshotDevice of each open line at this interval removes calls the PBX no longer has (0 = off)",
  ),
  monitorRetrySeconds: z.number().int().min(1).max(3600).default(30).describe(
    "retry MonitorStart: an open line whose monitor the PBX refused or stopped is tried again at this interval",
  ),
  linesPerClient: z.number().int().min(1).max(10000).default(1000).describe(
    "lines one API client (token, web session, user) may hold open",
  ),
  eventSockets: z.number().int().min(1).max(10000).default(500).describe(
    "event WebSockets (/api/events) open at once",
  ),
}).strict();

export const licensingSchema = z.object({
  expiryWarningDays: z.number().int().min(1).max(365).default(14).describe(
    "warn this many days before the trial or a licence key expires",
  ),
}).strict();

export const logSchema = z.object({
  level: z.enum(["debug", "info", "warn", "error"]).default("info").describe("lowest level written"),
  format: z.enum(["auto", "text", "json"]).default("auto").describe(
    "auto = text on a terminal, JSON lines otherwise",
  ),
}).strict();

export const settingsSchema = z.object({
  pbx: pbxSchema.prefault({}).describe("the PBX CTI link"),
  demo: demoSchema.prefault({}).describe("the built-in simulated PBX"),
  cstaServer: cstaServerSchema.prefault({}).describe("the CSTA server applications connect to"),
  tls: tlsSchema.prefault({}).describe("the certificate for CSTA over TLS and HTTPS"),
  smdr: smdrSchema.prefault({}).describe("real-time SMDR call records"),
  web: webSchema.prefault({}).describe("the web UI and JSON API"),
  limits: limitsSchema.prefault({}).describe("limits that protect the appliance and the PBX"),
  lineApi: lineApiSchema.prefault({}).describe("the line API: lines opened over HTTP and WebSocket"),
  licensing: licensingSchema.prefault({}).describe("licences"),
  log: logSchema.prefault({}).describe("logging"),
  integrations: integrationsSchema.prefault({}).describe("what MQTT and webhooks share"),
  mqtt: mqttSchema.prefault({}).describe("call events, records, SMDR lines and link state to an MQTT broker"),
  webhooks: webhooksSchema.prefault({}).describe(
    "delivery of webhooks (the endpoints are set on the Integrations page)",
  ),
  metrics: metricsSchema.prefault({}).describe("Prometheus metrics at /metrics"),
  trace: traceSchema.prefault({}).describe("the CSTA trace (System > Trace)"),
}).strict();

/** The complete, validated configuration. Sections may be left out of the file: `{}` takes every default. */
export type Settings = z.infer<typeof settingsSchema>;

export type SectionName = keyof Settings;

/** Every setting at its default. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

/** The fields of one section schema, looking through its `prefault` wrapper. */
export function sectionShape(schema: z.ZodType): Record<string, z.ZodType> {
  let current: z.ZodType = schema;
  while (!(current instanceof z.ZodObject)) {
    const inner = (current as unknown as { def: { innerType?: z.ZodType } }).def.innerType;
    if (!inner) throw new Error("settings section is not an object schema");
    current = inner;
  }
  return current.shape as Record<string, z.ZodType>;
}
