// The Integrations page: MQTT (settings, connection, backlog, test message), webhook endpoints (add,
// test, enable, remove; each endpoint's last deliveries) and Prometheus metrics. State cards are live.

import type { Context, Hono } from "hono";
import type { DeliveryAttempt, EndpointStatus } from "../../integrations/webhooks/webhook_dispatcher.ts";
import { INTEGRATION_KINDS } from "../../integrations/integration_kinds.ts";
import type { MqttStatusDetails } from "../../integrations/mqtt/mqtt_publisher.ts";
import type { ServiceStatus } from "../../service.ts";
import type { HttpEnv } from "../context.ts";
import { formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Checkbox,
  Csrf,
  emptyForm,
  Field,
  FormMessage,
  type FormState,
  KeyValues,
  LiveRegion,
  PostButton,
  stateLevel,
  Table,
} from "./components.tsx";
import { formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

const MQTT_KEYS = [
  "enabled",
  "url",
  "protocolVersion",
  "clientId",
  "username",
  "password",
  "caFile",
  "certFile",
  "keyFile",
  "topicPrefix",
  "qos",
  "publish",
  "homeAssistantDiscovery",
  "homeAssistantPrefix",
  "backlogLimit",
  "writeBatchMs",
  "reconnectMinSeconds",
  "reconnectMaxSeconds",
];
const MQTT_LABELS: Record<string, string> = {
  enabled: "Publish to MQTT",
  url: "Broker URL",
  protocolVersion: "Protocol (4 = MQTT 3.1.1, 5 = MQTT 5)",
  clientId: "Client id",
  username: "User name",
  password: "Password",
  caFile: "CA file (PEM)",
  certFile: "Client certificate (PEM)",
  keyFile: "Client key (PEM)",
  topicPrefix: "Topic prefix",
  qos: "QoS of states and events",
  publish: "Publish (one kind per line)",
  homeAssistantDiscovery: "Home Assistant discovery",
  homeAssistantPrefix: "Home Assistant discovery prefix",
  backlogLimit: "Backlog limit (messages, 0 = none)",
  writeBatchMs: "Write batch (ms, 0 = each message at once)",
  reconnectMinSeconds: "First reconnect delay (s)",
  reconnectMaxSeconds: "Longest reconnect delay (s)",
};
const WEBHOOK_KEYS = [
  "timeoutSeconds",
  "recordRetryHours",
  "eventRetrySeconds",
  "retryMinSeconds",
  "retryMaxSeconds",
  "queuePerEndpoint",
  "handoverMs",
  "keepDeliveries",
];
const WEBHOOK_LABELS: Record<string, string> = {
  timeoutSeconds: "Answer timeout (s)",
  recordRetryHours: "Retry records for (hours)",
  eventRetrySeconds: "Retry call events for (s)",
  retryMinSeconds: "First retry delay (s)",
  retryMaxSeconds: "Longest retry delay (s)",
  queuePerEndpoint: "Call events queued per endpoint",
  handoverMs: "Call events to the sender thread every (ms)",
  keepDeliveries: "Deliveries kept per endpoint",
};
const METRICS_KEYS = ["enabled", "openOnLoopback"];
const SHARED_KEYS = ["commitIntervalMs", "syncIntervalMs"];
const SHARED_LABELS: Record<string, string> = {
  commitIntervalMs: "Group commit of the outboxes (ms)",
  syncIntervalMs: "Outboxes written to disk at most every (ms)",
};
const METRICS_LABELS: Record<string, string> = {
  enabled: "Serve /metrics",
  openOnLoopback: "Open on loopback without login",
};

interface WebhookView {
  id: string;
  name: string;
  url: string;
  kinds: string[];
  lines: string[];
  enabled: boolean;
  createdAt: string;
  delivery: EndpointStatus | null;
}

interface PageState {
  mqttForm?: FormState;
  webhooksForm?: FormState;
  metricsForm?: FormState;
  integrationsForm?: FormState;
  addForm?: FormState;
}

export function mountIntegrations(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("integrations-mqtt", ({ ctx }) => <MqttState deps={deps} ctx={ctx} />);
  deps.regions.add("integrations-webhooks", ({ ctx }) => <WebhookList deps={deps} ctx={ctx} />);

  app.get("/integrations", (c) => page(c, deps, {}));

  for (
    const [section, keys, form] of [
      ["mqtt", MQTT_KEYS, "mqttForm"],
      ["webhooks", WEBHOOK_KEYS, "webhooksForm"],
      ["metrics", METRICS_KEYS, "metricsForm"],
      ["integrations", SHARED_KEYS, "integrationsForm"],
    ] as const
  ) {
    app.post(`/integrations/${section}`, (c) =>
      saveSettingsForm(c, deps, {
        section,
        keys,
        redirectTo: `/integrations#${section}-settings`,
        saved: `${
          { mqtt: "MQTT", webhooks: "Webhook", metrics: "Metrics", integrations: "Outbox" }[section]
        } settings saved and applied.`,
        rerender: (state) => page(c, deps, { [form]: state }, 400),
      }));
  }

  app.post("/integrations/mqtt/test", async (c) => {
    const result = await deps.api.call<
      { result: { ok: boolean; ms: number; topic: string; error: string | null } }
    >(
      actingEnv(c),
      "POST",
      "/mqtt/test",
    );
    const r = result.ok ? result.data.result : { ok: false, ms: 0, topic: "", error: result.error.message };
    return redirectWithFlash(
      c,
      deps,
      "/integrations#mqtt",
      r.ok
        ? `Test message published to ${r.topic}; the broker acknowledged it in ${r.ms} ms.`
        : `MQTT test failed: ${r.error}`,
    );
  });

  app.post("/integrations/webhooks/add", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const text = (name: string) => String(body[name] ?? "").trim();
    const kinds = ([] as unknown[]).concat(body.kinds ?? []).map(String);
    const values = { name: text("name"), url: text("url"), lines: text("lines"), secret: text("secret") };
    const json = {
      name: values.name,
      url: values.url,
      kinds,
      lines: values.lines.split(/[\s,]+/).filter(Boolean),
      enabled: text("enabled") !== "off",
      ...(values.secret ? { secret: values.secret } : {}),
    };
    const result = await deps.api.call<{ webhook: { name: string; secret: string } }>(
      actingEnv(c),
      "POST",
      "/webhooks",
      { json },
    );
    if (!result.ok) {
      const { errors, message } = formErrors(result.error, (f) => f.replace(/\[\d+\]$/, ""));
      return page(
        c,
        deps,
        { addForm: { values: { ...values, kinds: kinds.join(",") }, errors, message } },
        400,
      );
    }
    const { webhook } = result.data;
    return redirectWithFlash(
      c,
      deps,
      "/integrations#webhooks",
      `Endpoint ${webhook.name} added. Its secret, shown this once for the receiver's signature check: ${webhook.secret}`,
    );
  });

  app.post("/integrations/webhooks/:id/test", async (c) => {
    const result = await deps.api.call<{ attempt: DeliveryAttempt }>(
      actingEnv(c),
      "POST",
      `/webhooks/${encodeURIComponent(c.req.param("id"))}/test`,
    );
    const message = !result.ok
      ? `Test not sent: ${result.error.message}`
      : result.data.attempt.outcome === "delivered"
      ? `Test delivered: HTTP ${result.data.attempt.status} in ${Math.round(result.data.attempt.ms)} ms.`
      : `Test failed: ${result.data.attempt.error}`;
    return redirectWithFlash(c, deps, "/integrations#webhooks", message);
  });

  app.post("/integrations/webhooks/:id/toggle", async (c) => {
    const id = encodeURIComponent(c.req.param("id"));
    const env = actingEnv(c);
    const found = await deps.api.get<{ webhook: WebhookView }>(env, `/webhooks/${id}`);
    if (!found.ok) return redirectWithFlash(c, deps, "/integrations#webhooks", found.error.message);
    const w = found.data.webhook;
    const result = await deps.api.call(env, "PUT", `/webhooks/${id}`, {
      json: { name: w.name, url: w.url, kinds: w.kinds, lines: w.lines, enabled: !w.enabled },
    });
    return redirectWithFlash(
      c,
      deps,
      "/integrations#webhooks",
      result.ok ? `Endpoint ${w.name} ${w.enabled ? "disabled" : "enabled"}.` : result.error.message,
    );
  });

  app.post("/integrations/webhooks/:id/delete", async (c) => {
    const result = await deps.api.call(
      actingEnv(c),
      "DELETE",
      `/webhooks/${encodeURIComponent(c.req.param("id"))}`,
    );
    return redirectWithFlash(
      c,
      deps,
      "/integrations#webhooks",
      result.ok ? "Endpoint removed with its deliveries." : result.error.message,
    );
  });
}

async function page(c: Context<HttpEnv>, deps: WebDeps, state: PageState, status: 200 | 400 = 200) {
  const env = actingEnv(c);
  const [mqtt, webhooks, metrics, shared] = await Promise.all([
    sectionValues(deps, env, "mqtt"),
    sectionValues(deps, env, "webhooks"),
    sectionValues(deps, env, "metrics"),
    sectionValues(deps, env, "integrations"),
  ]);
  const add = state.addForm ?? emptyForm;
  const chosen = new Set((add.values.kinds ?? "callRecord").split(","));
  return renderPage(c, deps, {
    title: "Integrations",
    status,
    intro: "Call events, records and SMDR lines pushed to MQTT and webhooks, and Prometheus metrics. " +
      "See docs/integrations.md for topics, payloads and the signature check.",
    body: (ctx) => (
      <div class="grid">
        <Card
          title="MQTT"
          id="mqtt"
          actions={
            <PostButton
              action="/integrations/mqtt/test"
              csrf={ctx.csrf}
              label="Send test message"
              id="mqtt-test"
            />
          }
        >
          <LiveRegion name="integrations-mqtt">
            <MqttState deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="Webhook endpoints" id="webhooks" wide>
          <LiveRegion name="integrations-webhooks">
            <WebhookList deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="Add a webhook endpoint" id="webhook-add">
          <form method="post" action="/integrations/webhooks/add#webhook-add" id="webhook-add-form">
            <Csrf token={ctx.csrf} />
            <FormMessage form={add} />
            <Field name="name" label="Name" value={add.values.name} error={add.errors.name} required />
            <Field
              name="url"
              label="URL"
              value={add.values.url}
              error={add.errors.url}
              placeholder="https://crm.example.com/cstabox"
              required
            />
            <fieldset class={add.errors.kinds ? "field invalid" : "field"}>
              <legend>Kinds</legend>
              {INTEGRATION_KINDS.map((kind) => (
                <label class="check">
                  <input type="checkbox" name="kinds" value={kind} checked={chosen.has(kind)} /> {kind}
                </label>
              ))}
              {add.errors.kinds ? <span class="error">{add.errors.kinds}</span> : null}
            </fieldset>
            <Field
              name="lines"
              label="Lines (empty = all)"
              value={add.values.lines}
              error={add.errors.lines}
              placeholder="101 102"
            />
            <Field
              name="secret"
              label="Secret (empty = generate one)"
              value={add.values.secret}
              error={add.errors.secret}
              autocomplete="off"
            />
            <Checkbox name="enabled" label="Enabled" checked={add.values.enabled !== "off"} />
            <button type="submit" class="primary">Add endpoint</button>
          </form>
        </Card>
        <Card title="Metrics" id="metrics">
          <p>
            Prometheus scrapes <a href="/metrics" class="mono">/metrics</a>{" "}
            with an API token (<span class="mono">Authorization: Bearer …</span>) or, when allowed below, from
            this box without login.
          </p>
          <SettingsForm
            section="metrics"
            keys={METRICS_KEYS}
            labels={METRICS_LABELS}
            file={metrics.file}
            effective={metrics.effective}
            refused={metrics.refused}
            form={state.metricsForm ?? emptyForm}
            action="/integrations/metrics#metrics-settings"
            csrf={ctx.csrf}
            id="metrics-settings"
          />
        </Card>
        <Card title="MQTT settings" id="mqtt-settings-card" wide>
          <SettingsForm
            section="mqtt"
            keys={MQTT_KEYS}
            labels={MQTT_LABELS}
            file={mqtt.file}
            effective={mqtt.effective}
            refused={mqtt.refused}
            form={state.mqttForm ?? emptyForm}
            action="/integrations/mqtt#mqtt-settings"
            csrf={ctx.csrf}
            id="mqtt-settings"
          />
        </Card>
        <Card title="Webhook delivery settings" id="webhooks-settings-card">
          <SettingsForm
            section="webhooks"
            keys={WEBHOOK_KEYS}
            labels={WEBHOOK_LABELS}
            file={webhooks.file}
            effective={webhooks.effective}
            refused={webhooks.refused}
            form={state.webhooksForm ?? emptyForm}
            action="/integrations/webhooks#webhooks-settings"
            csrf={ctx.csrf}
            id="webhooks-settings"
          />
          <SettingsForm
            section="integrations"
            keys={SHARED_KEYS}
            labels={SHARED_LABELS}
            file={shared.file}
            effective={shared.effective}
            refused={shared.refused}
            form={state.integrationsForm ?? emptyForm}
            action="/integrations/integrations#integrations-settings"
            csrf={ctx.csrf}
            id="integrations-settings"
          />
        </Card>
      </div>
    ),
  });
}

/** A count from the delivery state: "unknown" when the store could not count, or the service is not running. */
function countText(count: number | null | undefined): string {
  return count === null || count === undefined ? "unknown" : String(count);
}

function MqttState(props: { deps: WebDeps; ctx: PageContext }) {
  const status = props.deps.status.services().mqtt as ServiceStatus | undefined;
  const d = status?.details as MqttStatusDetails | undefined;
  if (!status || !d) return <p class="muted">The MQTT publisher is not part of this appliance's setup.</p>;
  if (!d.enabled) {
    return (
      <p id="mqtt-state">
        <Badge level="idle">off</Badge> Turn it on in the MQTT settings below.
      </p>
    );
  }
  const level = d.connection === "connected" ? "ok" : stateLevel(status.state);
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  return (
    <div id="mqtt-state">
      <p>
        <Badge level={level}>{d.connection}</Badge> <span class="mono">{d.broker}</span>
      </p>
      {d.lastError && d.connection !== "connected"
        ? <p class="notice error" id="mqtt-error">{d.lastError.message}</p>
        : null}
      <KeyValues
        rows={[
          ["Topic prefix", <span class="mono">{d.topicPrefix}/#</span>],
          ["Connected since", d.connectedSince ? formatTime(d.connectedSince) : "–"],
          ["Next try", d.nextRetryAt ? formatTime(d.nextRetryAt) : "–"],
          [
            "Backlog (records, SMDR lines)",
            `${countText(d.backlog)} waiting, ${countText(d.backlogDropped)} dropped by the limit`,
          ],
          [
            "Published",
            `${sum(d.delivered)} (${d.delivered.callRecord} records, ${d.delivered.callEvent} events)`,
          ],
          ["Not published (broker away)", String(sum(d.dropped))],
          [
            "Latency from the PBX event",
            d.latencyMs.p50 === null ? "–" : `p50 ${d.latencyMs.p50} ms, p99 ${d.latencyMs.p99} ms`,
          ],
        ]}
      />
    </div>
  );
}

async function WebhookList(props: { deps: WebDeps; ctx: PageContext }) {
  const { ctx } = props;
  const result = await props.deps.api.get<{ webhooks: WebhookView[] }>(ctx.env, "/webhooks");
  if (!result.ok) return <p class="muted">Endpoints not available: {result.error.message}</p>;
  const list = result.data.webhooks;
  if (list.length === 0) return <p class="muted" id="webhooks-empty">No endpoint yet: add one below.</p>;
  return (
    <div id="webhook-list">
      {list.map((w) => {
        const d = w.delivery;
        const last = d?.lastAttempts[0];
        const level = !w.enabled ? "idle" : !last ? "idle" : last.outcome === "delivered" ? "ok" : "error";
        return (
          <section class="webhook" data-webhook={w.name}>
            <h3>
              <Badge level={level}>{!w.enabled ? "off" : last ? last.outcome : "no delivery yet"}</Badge>{" "}
              {w.name}
            </h3>
            <p class="mono">{w.url}</p>
            <KeyValues
              rows={[
                ["Kinds", w.kinds.join(", ")],
                ["Lines", w.lines.length ? w.lines.join(", ") : "all"],
                [
                  "Waiting",
                  `${countText(d?.backlog)} records, ${d?.queued ?? 0} events; ${
                    countText(d?.failedRecords)
                  } records failed for good`,
                ],
              ]}
            />
            <div class="actions">
              <PostButton
                action={`/integrations/webhooks/${w.id}/test`}
                csrf={ctx.csrf}
                label="Send test"
                kind="primary"
              />
              <PostButton
                action={`/integrations/webhooks/${w.id}/toggle`}
                csrf={ctx.csrf}
                label={w.enabled ? "Disable" : "Enable"}
              />
              <PostButton
                action={`/integrations/webhooks/${w.id}/delete`}
                csrf={ctx.csrf}
                label="Remove"
                kind="danger"
                confirm={`Remove the endpoint ${w.name} and its pending deliveries?`}
              />
            </div>
            <Table
              head={["Time", "Kind", "Answer", "ms", "Outcome", "Error"]}
              count={d?.lastAttempts.length ?? 0}
              empty="No delivery yet."
            >
              {(d?.lastAttempts ?? []).slice(0, 10).map((a) => (
                <tr>
                  <td>{formatTime(a.at)}</td>
                  <td>{a.kind}</td>
                  <td>{a.status ?? "–"}</td>
                  <td>{Math.round(a.ms)}</td>
                  <td>{a.outcome}</td>
                  <td>{a.error ?? ""}</td>
                </tr>
              ))}
            </Table>
          </section>
        );
      })}
    </div>
  );
}
