// The SMDR page: the service's state, collectors and push target (live), its settings, a live tail of
// the latest records, and the contact and DDI name directories (CSV import with per-row report, export).

import type { Context, Hono } from "hono";
import type { RecordFields } from "../../smdr/record.ts";
import { SMDR_EVENT_TYPES } from "../../smdr/smdr_event.ts";
import type { HttpEnv } from "../context.ts";
import type { ApiErrorDetail } from "../inner_api.ts";
import { actingEnv, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Csrf,
  emptyForm,
  Field,
  type FormState,
  KeyValues,
  LiveRegion,
  Select,
  stateLevel,
  Table,
} from "./components.tsx";
import { formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import type { PageInfo } from "../api/list_query.ts";
import {
  FilterForm,
  FilterRefused,
  listParams,
  pageFacts,
  Pager,
  SortHead,
  type TablePlace,
} from "./table_nav.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";
import { localModeWords, storeFigureRows } from "./smdr_figures.ts";

const SMDR_KEYS = [
  "enabled",
  "localEnabled",
  "bind",
  "localPort",
  "allowedSources",
  "maxCollectors",
  "pushEnabled",
  "pushHost",
  "pushPort",
  "paddingCharacter",
  "historySize",
  "keepDays",
  "keepRecords",
  "collectorQueueBytes",
  "pushSettleSeconds",
  "backlogLimit",
];
const SMDR_LABELS: Record<string, string> = {
  enabled: "Produce call records",
  localEnabled: "Local mode (collectors connect to cstabox)",
  bind: "Bind address",
  localPort: "Local-mode port",
  allowedSources: "Allowed collector addresses",
  maxCollectors: "Collectors at once",
  pushEnabled: "Push mode (cstabox connects to a collector)",
  pushHost: "Push collector host",
  pushPort: "Push collector port",
  paddingCharacter: "Padding character",
  historySize: "Records replayed to a new collector",
  keepDays: "Keep the history (days)",
  keepRecords: "Keep at most (records)",
  collectorQueueBytes: "Queue per collector (bytes)",
  pushSettleSeconds: "Push settle time (s)",
  backlogLimit: "Push backlog limit (records, 0 = none)",
};

const DIRECTORIES = [
  { path: "contacts", title: "Contacts", help: "Names for callers' numbers (number,name per row)." },
  { path: "ddi-names", title: "DDI names", help: "Names for the dialled-in numbers (number,name per row)." },
] as const;

interface TailRecord {
  position: number;
  storedAt: string;
  record: string;
  fields: RecordFields;
}

type DirectoryReport =
  | { ok: true; added: number; changed: number; unchanged: number; removed: number; total: number }
  | { ok: false; error: ApiErrorDetail };

interface SmdrPageState {
  settingsForm?: FormState;
  report?: { directory: string; report: DirectoryReport };
}

export function mountSmdr(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("smdr-status", ({ ctx }) => <SmdrStatus deps={deps} ctx={ctx} />);
  deps.regions.add("smdr-tail", ({ ctx }) => <SmdrTail deps={deps} ctx={ctx} />);

  app.get("/smdr", (c) => smdrPage(c, deps, {}));

  app.post("/smdr/settings", (c) =>
    saveSettingsForm(c, deps, {
      section: "smdr",
      keys: SMDR_KEYS,
      redirectTo: "/smdr",
      saved: "SMDR settings saved and applied.",
      rerender: (form) => smdrPage(c, deps, { settingsForm: form }, 400),
    }));

  for (const directory of DIRECTORIES) {
    app.post(`/smdr/${directory.path}`, async (c) => {
      const body = await c.req.parseBody();
      const file = body.file;
      const mode = body.mode === "merge" ? "merge" : "replace";
      if (!(file instanceof File) || file.size === 0) {
        const error = { code: "no_file", message: "Choose a CSV file to import.", field: "file" };
        return smdrPage(
          c,
          deps,
          { report: { directory: directory.path, report: { ok: false, error } } },
          400,
        );
      }
      const result = await deps.api.call<Extract<DirectoryReport, { ok: true }>>(
        actingEnv(c),
        "PUT",
        `/smdr/${directory.path}?mode=${mode}`,
        {
          text: await file.text(),
          contentType: "text/csv; charset=utf-8",
        },
      );
      const report: DirectoryReport = result.ok
        ? { ...result.data, ok: true }
        : { ok: false, error: result.error };
      return smdrPage(c, deps, { report: { directory: directory.path, report } }, result.ok ? 200 : 422);
    });
  }
}

async function smdrPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: SmdrPageState,
  status: 200 | 400 | 422 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const settings = await sectionValues(deps, env, "smdr");
  const counts = await Promise.all(
    DIRECTORIES.map((d) =>
      deps.api.get<{ entries: unknown[] }>(env, `/smdr/${d.path}`, { accept: "application/json" })
    ),
  );
  return renderPage(c, deps, {
    title: "SMDR",
    status,
    intro: "Real-time call records (162-character lines) for call accounting and hotel systems.",
    body: (ctx) => (
      <div class="grid">
        <Card title="Status" id="smdr-status-card">
          <LiveRegion name="smdr-status">
            <SmdrStatus deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="Latest records" id="smdr-tail-card" wide>
          <LiveRegion name="smdr-tail">
            <SmdrTail deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="History" id="smdr-history" wide>
          <SmdrHistory deps={deps} ctx={ctx} query={historyQuery(c.req.query())} />
        </Card>
        <Card title="Settings" id="smdr-settings" wide>
          <SettingsForm
            section="smdr"
            keys={SMDR_KEYS}
            labels={SMDR_LABELS}
            file={settings.file}
            effective={settings.effective}
            refused={settings.refused}
            form={state.settingsForm ?? emptyForm}
            action="/smdr/settings#smdr-settings"
            csrf={ctx.csrf}
            id="smdr-form"
          />
        </Card>
        {DIRECTORIES.map((d, i) => {
          const count = counts[i].ok ? counts[i].data.entries.length : 0;
          const report = state.report?.directory === d.path ? state.report.report : undefined;
          return (
            <Card
              title={`${d.title} (${count})`}
              id={`smdr-${d.path}`}
              actions={<a href={`/api/smdr/${d.path}`} class="button secondary">Export CSV</a>}
            >
              <p class="help">{d.help}</p>
              <form method="post" action={`/smdr/${d.path}#smdr-${d.path}`} enctype="multipart/form-data">
                <Csrf token={ctx.csrf} />
                <Field name="file" label="CSV file" type="file" accept=".csv,text/csv,text/plain" />
                <Select
                  name="mode"
                  label="Mode"
                  value="replace"
                  options={[{ value: "replace", label: "replace the list" }, {
                    value: "merge",
                    label: "add and change",
                  }]}
                />
                <button type="submit" class="primary">Import</button>
              </form>
              {report ? <DirectoryReportView report={report} /> : null}
            </Card>
          );
        })}
      </div>
    ),
  });
}

function SmdrStatus(props: { deps: WebDeps; ctx: PageContext }) {
  const status = props.deps.status.services().smdr;
  if (!status) return <p class="muted">The SMDR service is not part of this appliance's setup.</p>;
  const d = status.details;
  return (
    <>
      <p>
        <Badge level={stateLevel(status.state)}>{status.state}</Badge> {status.reason ?? ""}
      </p>
      <KeyValues
        rows={[
          [
            "Local mode",
            localModeWords(
              status,
              (local) =>
                `listening on ${
                  local.listening ?? "–"
                }, ${local.collectors.length} of ${local.maxCollectors} collectors`,
            ),
          ],
          [
            "Push",
            d?.push
              ? `${d.push.state} to ${d.push.target}${d.push.lastError ? `: ${d.push.lastError}` : ""}`
              : "off",
          ],
          ...storeFigureRows(d, "Push backlog"),
          ["Lost", String(d?.lost ?? 0)],
        ]}
      />
      {d?.local?.collectors.length
        ? (
          <Table head={["Collector", "Since", "Records sent", "Queued"]}>
            {d.local.collectors.map((col) => (
              <tr>
                <td class="mono">{col.address}:{col.port}</td>
                <td>{formatTime(col.since)}</td>
                <td>{col.sent}</td>
                <td>{col.queuedBytes}</td>
              </tr>
            ))}
          </Table>
        )
        : null}
    </>
  );
}

/** The history filters a search sends on to `GET /api/smdr/records` (the page's own query, blanks left out). */
const HISTORY_KEYS = ["from", "to", "extension", "trunk", "direction", "event", "number"] as const;

function historyQuery(query: Record<string, string>): URLSearchParams {
  return listParams(query, HISTORY_KEYS);
}

async function SmdrHistory(props: { deps: WebDeps; ctx: PageContext; query: URLSearchParams }) {
  const { query } = props;
  const place: TablePlace = { path: "/smdr", anchor: "smdr-history", query };
  const result = await props.deps.api.get<{ records: TailRecord[] } & PageInfo>(
    props.ctx.env,
    `/smdr/records?${query}`,
  );
  const filters = new URLSearchParams(
    [...query].filter(([k]) => (HISTORY_KEYS as readonly string[]).includes(k)),
  );
  const download = (format: string) =>
    `/api/smdr/records?${filters}${filters.size ? "&" : ""}format=${format}`;
  const value = (key: string) => query.get(key) ?? "";
  return (
    <>
      <FilterForm place={place} id="smdr-history-form">
        <label>
          From <input name="from" type="datetime-local" step="1" value={value("from")} />
        </label>
        <label>
          To <input name="to" type="datetime-local" step="1" value={value("to")} />
        </label>
        <label>
          Extension <input name="extension" size={8} value={value("extension")} />
        </label>
        <label>
          Trunk <input name="trunk" size={8} value={value("trunk")} />
        </label>
        <label>
          Direction{" "}
          <select name="direction">
            {["", "IN", "OUT"].map((d) => (
              <option value={d} selected={value("direction") === d}>{d || "any"}</option>
            ))}
          </select>
        </label>
        <label>
          Event{" "}
          <select name="event">
            {["", ...SMDR_EVENT_TYPES].map((e) => (
              <option value={e} selected={value("event") === e}>{e || "any"}</option>
            ))}
          </select>
        </label>
        <label>
          Number <input name="number" size={14} value={value("number")} />
        </label>
      </FilterForm>
      {result.ok
        ? (
          <>
            <p>
              {result.data.total} record(s) match. Download:{" "}
              <a href={download("csv")} id="smdr-download-csv" download>CSV</a>,{" "}
              <a href={download("text")} id="smdr-download-text" download>raw text</a>.
            </p>
            <Table
              id="smdr-history-table"
              head={[
                <SortHead label="Stored" sort="time" place={place} info={pageFacts(result.data)} />,
                "Date",
                "Time",
                "Dir",
                "Trunk",
                "Extension",
                "Source",
                "Number",
                "Contact",
                "DDI",
                "Event",
                "Record",
              ]}
              count={result.data.total}
              empty="No record matches."
            >
              {result.data.records.map((r) => (
                <tr>
                  <td>{formatTime(r.storedAt)}</td>
                  <td>{r.fields.date}</td>
                  <td>{r.fields.time}</td>
                  <td>{r.fields.direction}</td>
                  <td class="mono">{r.fields.trunk}</td>
                  <td class="mono">{r.fields.extension}</td>
                  <td class="mono">{r.fields.sourceExtension}</td>
                  <td class="mono">{r.fields.callerNumber}</td>
                  <td>{r.fields.contactName}</td>
                  <td class="mono">{r.fields.ddi}</td>
                  <td>{r.fields.event}</td>
                  <td>
                    <details>
                      <summary>raw</summary>
                      <pre class="mono">{r.record}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </Table>
            <Pager info={pageFacts(result.data)} place={place} id="smdr-history-pager" noun="records" />
          </>
        )
        : <FilterRefused message={result.error.message} place={place} id="smdr-history-error" />}
    </>
  );
}

async function SmdrTail(props: { deps: WebDeps; ctx: PageContext }) {
  const result = await props.deps.api.get<{ records: TailRecord[] }>(props.ctx.env, "/smdr/records?limit=25");
  if (!result.ok) return <p class="muted">No records available: {result.error.message}</p>;
  const records = result.data.records;
  return (
    <Table
      id="smdr-tail"
      head={["Date", "Time", "Dir", "Extension", "Caller", "Contact", "DDI", "Event"]}
      count={records.length}
      empty="No record yet."
    >
      {records.map((r) => (
        <tr title={r.record}>
          <td>{r.fields.date}</td>
          <td>{r.fields.time}</td>
          <td>{r.fields.direction}</td>
          <td class="mono">{r.fields.extension}</td>
          <td class="mono">{r.fields.callerNumber}</td>
          <td>{r.fields.contactName}</td>
          <td class="mono">{r.fields.ddi}</td>
          <td>{r.fields.event}</td>
        </tr>
      ))}
    </Table>
  );
}

function DirectoryReportView(props: { report: DirectoryReport }) {
  const { report } = props;
  if (report.ok) {
    return (
      <p class="notice ok" role="status">
        Imported: {report.added} added, {report.changed} changed, {report.unchanged} unchanged,{" "}
        {report.removed} removed; {report.total} in the list.
      </p>
    );
  }
  return (
    <div class="notice error" role="alert">
      <p>{report.error.message}</p>
      {report.error.rows?.length
        ? (
          <Table head={["Row", "Text", "Why"]}>
            {report.error.rows.map((r) => (
              <tr>
                <td>{r.row}</td>
                <td class="mono">{r.text}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </Table>
        )
        : null}
    </div>
  );
}
