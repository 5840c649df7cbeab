// The PBX page: the link's state, liveness and back-off (live), its settings, the simulated PBX's
// settings, and "test connection" with a report of each step.

import type { Context, Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { PbxTestAnswer } from "../api/pbx_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Csrf,
  emptyForm,
  Field,
  FormMessage,
  type FormState,
  KeyValues,
  LiveRegion,
} from "./components.tsx";
import { formatAge, formatProblem, formatTime, linkWords } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

const PBX_KEYS = [
  "host",
  "port",
  "livenessTimeoutSeconds",
  "reconnectMinSeconds",
  "reconnectMaxSeconds",
  "requestTimeoutSeconds",
];
const PBX_LABELS: Record<string, string> = {
  host: "PBX host",
  port: "CTI port",
  livenessTimeoutSeconds: "Liveness timeout (s)",
  reconnectMinSeconds: "First reconnect delay (s)",
  reconnectMaxSeconds: "Longest reconnect delay (s)",
  requestTimeoutSeconds: "Request timeout (s)",
};
const DEMO_KEYS = ["enabled", "extensions", "trafficCallsPerMinute"];
const DEMO_LABELS: Record<string, string> = {
  enabled: "Run the simulated PBX",
  extensions: "Extensions",
  trafficCallsPerMinute: "Random calls per minute",
};

interface PbxPageState {
  pbxForm?: FormState;
  demoForm?: FormState;
  testForm?: FormState;
  report?: PbxTestAnswer;
}

export function mountPbx(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("pbx-status", ({ ctx }) => <LinkStatus deps={deps} ctx={ctx} />);

  app.get("/pbx", (c) => pbxPage(c, deps, {}));

  app.post("/pbx/settings", (c) =>
    saveSettingsForm(c, deps, {
      section: "pbx",
      keys: PBX_KEYS,
      redirectTo: "/pbx",
      saved: "PBX settings saved. The link reconnects with them.",
      rerender: (form) => pbxPage(c, deps, { pbxForm: form }, 400),
    }));

  app.post("/pbx/demo", (c) =>
    saveSettingsForm(c, deps, {
      section: "demo",
      keys: DEMO_KEYS,
      redirectTo: "/pbx",
      saved: "Simulated PBX settings saved.",
      rerender: (form) => pbxPage(c, deps, { demoForm: form }, 400),
    }));

  app.post("/pbx/connect", async (c) => {
    const result = await deps.api.call<{ message: string }>(actingEnv(c), "POST", "/pbx/connect");
    return redirectWithFlash(
      c,
      deps,
      "/pbx#pbx-link",
      result.ok ? result.data.message : `Not connected now: ${result.error.message}.`,
    );
  });

  app.post("/pbx/test", async (c) => {
    const body = await c.req.parseBody();
    const host = String(body.host ?? "").trim();
    const portText = String(body.port ?? "").trim();
    const port = Number(portText);
    const testForm: FormState = { values: { host, port: portText }, errors: {} };
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      testForm.errors.port = "A port is a whole number from 1 to 65535.";
      return pbxPage(c, deps, { testForm }, 400);
    }
    const result = await deps.api.call<PbxTestAnswer>(actingEnv(c), "POST", "/pbx/test", {
      json: { host, port },
    });
    if (!result.ok) {
      return pbxPage(c, deps, { testForm: { ...testForm, message: result.error.message } }, 400);
    }
    deps.log.info("PBX connection tested", {
      target: result.data.target,
      ok: result.data.ok,
      probed: result.data.probed,
    });
    return pbxPage(c, deps, { testForm, report: result.data });
  });
}

async function pbxPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: PbxPageState,
  status: 200 | 400 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const [pbx, demo] = await Promise.all([sectionValues(deps, env, "pbx"), sectionValues(deps, env, "demo")]);
  return renderPage(c, deps, {
    title: "PBX",
    status,
    intro: "The one CTI connection to the Panasonic PBX that every application shares.",
    body: (ctx) => (
      <div class="grid">
        <Card title="Link" id="pbx-link">
          <LiveRegion name="pbx-status">
            <LinkStatus deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="Test connection" id="pbx-test">
          <TestForm
            ctx={ctx}
            form={state.testForm ??
              {
                values: { host: String(pbx.effective.host ?? ""), port: String(pbx.effective.port ?? 33333) },
                errors: {},
              }}
          />
          {state.report ? <TestReport report={state.report} /> : null}
        </Card>
        <Card title="Settings" id="pbx-settings" wide>
          <SettingsForm
            section="pbx"
            keys={PBX_KEYS}
            labels={PBX_LABELS}
            file={pbx.file}
            effective={pbx.effective}
            refused={pbx.refused}
            form={state.pbxForm ?? emptyForm}
            action="/pbx/settings#pbx-settings"
            csrf={ctx.csrf}
            id="pbx-form"
          />
        </Card>
        <Card title="Simulated PBX (demo)" id="pbx-demo" wide>
          <SettingsForm
            section="demo"
            keys={DEMO_KEYS}
            labels={DEMO_LABELS}
            file={demo.file}
            effective={demo.effective}
            refused={demo.refused}
            form={state.demoForm ?? emptyForm}
            action="/pbx/demo#pbx-demo"
            csrf={ctx.csrf}
            id="demo-form"
          />
        </Card>
      </div>
    ),
  });
}

function LinkStatus(props: { deps: WebDeps; ctx: PageContext }) {
  const status = props.deps.status.services()["pbx-link"];
  const link = status?.details;
  const now = props.ctx.now;
  return (
    <>
      <p>
        <Badge
          level={link?.state === "ready"
            ? "ok"
            : !link || link.state === "disconnected"
            ? "error"
            : "warning"}
          id="pbx-link-state"
        >
          {linkWords(link?.state)}
        </Badge>
        {props.ctx.demo
          ? (
            <>
              <Badge level="warning">simulated PBX</Badge>
            </>
          )
          : null}
        {status?.state === "failed" ? <span class="error">{status.reason}</span> : null}
      </p>
      <KeyValues
        rows={[
          ["PBX", link?.host ? `${link.host}:${link.port}` : "none set"],
          ["State since", `${formatTime(link?.since)} (${formatAge(link?.since, now)})`],
          [
            "Last SystemStatus from the PBX",
            link?.lastSystemStatusAt
              ? `${formatTime(link.lastSystemStatusAt)} (${formatAge(link.lastSystemStatusAt, now)} ago)`
              : "none yet",
          ],
          ["Connections made", String(link?.connects ?? 0)],
          ["Reconnects", String(link?.reconnects ?? 0)],
          ["Failed attempts in a row", String(link?.backoffAttempts ?? 0)],
          ["Next attempt", link?.nextRetryAt ? formatTime(link.nextRetryAt) : "–"],
          ["Requests in flight", String(link?.requestsInFlight ?? 0)],
          ["Frames in / out", `${link?.framesIn ?? 0} / ${link?.framesOut ?? 0}`],
          ["Last error", formatProblem(link?.lastError)],
        ]}
      />
      {link?.state === "disconnected" && link.nextRetryAt && props.deps.ui.connectPbx
        ? (
          <form method="post" action="/pbx/connect" id="pbx-connect-form">
            <Csrf token={props.ctx.csrf} />
            <button type="submit" class="primary" id="pbx-connect-now">Connect now</button>{" "}
            <span class="help">instead of waiting until {formatTime(link.nextRetryAt)}</span>
          </form>
        )
        : null}
    </>
  );
}

function TestForm(props: { ctx: PageContext; form: FormState }) {
  const { form } = props;
  return (
    <form method="post" action="/pbx/test#pbx-test" id="pbx-test-form">
      <Csrf token={props.ctx.csrf} />
      <FormMessage form={form} />
      <div class="row">
        <Field name="host" label="Host" value={form.values.host} error={form.errors.host} />
        <Field
          name="port"
          label="Port"
          type="number"
          min={1}
          max={65535}
          value={form.values.port}
          error={form.errors.port}
        />
      </div>
      <p class="help">
        While the link to the configured PBX is up, no second connection is opened: the PBX serves one CTI
        client only.
      </p>
      <button type="submit" class="primary">Test connection</button>
    </form>
  );
}

function TestReport(props: { report: PbxTestAnswer }) {
  const { report } = props;
  return (
    <div class={`report ${report.ok ? "ok" : "error"}`} id="pbx-test-report" role="status">
      <p>
        <Badge level={report.ok ? "ok" : "error"}>{report.ok ? "works" : "failed"}</Badge> {report.summary}
      </p>
      {report.steps.length
        ? (
          <ol class="steps">
            {report.steps.map((s) => (
              <li class={s.ok ? "ok" : "error"}>
                <strong>{s.step}</strong> ({s.ms} ms): {s.detail}
              </li>
            ))}
          </ol>
        )
        : null}
    </div>
  );
}
