// The Phone page: a softphone view of the line API for one line: open it, see its calls live over the
// event WebSocket, dial (the number after the dialling rules is shown), answer, hold, retrieve, transfer
// (blind and consulted), conference, pickup, digits, forwarding and do not disturb. The work is done by
// web/phone.js against the same JSON API and WebSocket applications use.

import type { Context, Hono } from "hono";
import { compareLineNumbers, type Line } from "../../lines/line.ts";
import { assetUrl } from "../assets.ts";
import type { HttpEnv } from "../context.ts";
import { actingEnv, type WebDeps } from "../web_deps.ts";
import { Card, emptyForm, type FormState } from "./components.tsx";
import { renderPage } from "./render.tsx";
import { PER_PAGE_MAX } from "../api/list_query.ts";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

const LINE_API_KEYS = [
  "leaseSeconds",
  "snapshotSeconds",
  "monitorRetrySeconds",
  "linesPerClient",
  "eventSockets",
];
const LINE_API_LABELS: Record<string, string> = {
  leaseSeconds: "Lease of an open line (s)",
  snapshotSeconds: "Snapshot for active calls (s, 0 = off)",
  monitorRetrySeconds: "Retry MonitorStart (s)",
  linesPerClient: "Lines one client may hold open",
  eventSockets: "Event WebSockets at once",
};

export function mountPhone(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/phone", (c) => phonePage(c, deps, emptyForm));
  app.post("/phone/settings", (c) =>
    saveSettingsForm(c, deps, {
      section: "lineApi",
      keys: LINE_API_KEYS,
      redirectTo: "/phone",
      saved: "Line API settings saved.",
      rerender: (form) => phonePage(c, deps, form, 400),
    }));
}

async function phonePage(c: Context<HttpEnv>, deps: WebDeps, form: FormState, status: 200 | 400 = 200) {
  const [result, settings] = await Promise.all([
    deps.api.get<{ lines: Line[] }>(actingEnv(c), `/lines?perPage=${PER_PAGE_MAX}`),
    sectionValues(deps, actingEnv(c), "lineApi"),
  ]);
  const lines = result.ok
    ? result.data.lines.filter((l) => l.enabled && l.kind === "extension").sort((a, b) =>
      compareLineNumbers(a.number, b.number)
    )
    : [];
  const chosen = c.req.query("line");
  return renderPage(c, deps, {
    title: "Phone",
    status,
    intro: "Control one line through the line API, as an application would (docs/line-api.md).",
    body: (ctx) => (
      <div id="phone" data-line={chosen ?? ""}>
        <script src={assetUrl("phone.js")} defer></script>
        <Card title="Line">
          <form id="phone-open" class="inline">
            <label for="phone-line">Line</label>
            <select id="phone-line" name="line">
              {lines.map((l) => (
                <option value={l.number} selected={l.number === chosen}>
                  {l.number}
                  {l.name ? ` – ${l.name}` : ""}
                </option>
              ))}
            </select>
            <button type="submit" id="phone-open-button">Open</button>
            <button type="button" id="phone-close-button" disabled>Close</button>
          </form>
          <p id="phone-status" role="status" class="muted">No line open.</p>
          <p id="phone-error" role="alert" class="notice warning" hidden></p>
        </Card>
        <Card title="Calls">
          <form id="phone-dial" class="inline">
            <label for="phone-to">Number</label>
            <input id="phone-to" name="to" autocomplete="off" placeholder="102 or +49 30 12345-102" />
            <button type="submit" id="phone-dial-button" disabled>Dial</button>
            <button type="button" id="phone-pickup-button" disabled>Pick up (group)</button>
          </form>
          <p class="inline">
            <label for="phone-target">Transfer, redirect, consult or send to</label>
            <input id="phone-target" autocomplete="off" placeholder="103" />
          </p>
          <p id="phone-dialled" class="muted"></p>
          <table id="phone-calls" class="table">
            <thead>
              <tr>
                <th>Call</th>
                <th>State</th>
                <th>Caller</th>
                <th>Called</th>
                <th>Connected</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody></tbody>
          </table>
          <p id="phone-no-calls" class="muted">No call on the line.</p>
        </Card>
        <Card title="Forwarding and do not disturb">
          <form id="phone-forward" class="inline">
            <select id="phone-forward-mode" name="mode">
              <option value="unconditional">always</option>
              <option value="busy">when busy</option>
              <option value="noAnswer">on no answer</option>
            </select>
            <select id="phone-forward-scope" name="scope">
              <option value="all">all callers</option>
              <option value="internal">internal callers</option>
              <option value="external">external callers</option>
            </select>
            <input id="phone-forward-to" name="to" placeholder="to" autocomplete="off" />
            <button type="submit" id="phone-forward-button" disabled>Forward</button>
            <button type="button" id="phone-unforward-button" disabled>Cancel forwarding</button>
          </form>
          <p>
            <label>
              <input type="checkbox" id="phone-dnd" disabled /> Do not disturb
            </label>
          </p>
          <p id="phone-address" class="muted"></p>
        </Card>
        <Card title="Line API settings" id="line-api-settings">
          <SettingsForm
            section="lineApi"
            keys={LINE_API_KEYS}
            labels={LINE_API_LABELS}
            file={settings.file}
            effective={settings.effective}
            refused={settings.refused}
            form={form}
            action="/phone/settings#line-api-settings"
            csrf={ctx.csrf}
            id="line-api-settings-form"
          />
        </Card>
      </div>
    ),
  });
}
