// The Lines page: the searchable, sortable line table (search and sort work without script; the client
// script does them as one types); add, edit, delete; import a text file with the per-row report; export;
// load from the PBX with a preview of additions, changes and removals; extension ranges.

import type { Context, Hono } from "hono";
import type { OpenLineView } from "../../line_api/line_api_service.ts";
import { type Line, LINE_KINDS } from "../../lines/line.ts";
import type { LineImportResult } from "../../lines/line_import.ts";
import type { LineSyncPlan } from "../../lines/line_sync_plan.ts";
import type { LineSyncApplyAnswer } from "../api/lines_api.ts";
import type { HttpEnv } from "../context.ts";
import { type ApiErrorDetail, formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Card,
  Checkbox,
  Csrf,
  emptyForm,
  Field,
  FormMessage,
  type FormState,
  PostButton,
  Select,
  Table,
  TextArea,
} from "./components.tsx";
import { plural, uploadedFile } from "./format.ts";
import { renderPage } from "./render.tsx";
import type { PageInfo } from "../api/list_query.ts";
import {
  FilterForm,
  FilterRefused,
  listParams,
  pageFacts,
  Pager,
  sortHeads,
  type TablePlace,
} from "./table_nav.tsx";

/** `POST /api/lines/import`'s answer (with `preview`, what it would do). */
type ImportAnswer = Omit<Extract<LineImportResult, { ok: true }>, "ok"> & { preview: boolean };
/** An applied import's answer: the counts only. */
type ImportApplied = Pick<ImportAnswer, "added" | "changed" | "unchanged" | "removed">;
type ImportReport = ({ ok: true } & ImportApplied) | { ok: false; error: ApiErrorDetail };
/** A replace import shown before it is applied: the file's text goes back with the confirmation. */
type ImportPreview = { fileName: string; text: string; answer: ImportAnswer };

interface LinesPageState {
  addForm?: FormState;
  importReport?: ImportReport;
  importMode?: string;
  importPreview?: ImportPreview;
  syncPlan?: { plan: LineSyncPlan; readNames: boolean } | { error: string };
  rangesForm?: FormState;
}

/** The line list's filters the page passes on to `GET /api/lines` (docs/web-ui.md "Tables"). */
const LINE_FILTERS = ["q", "number", "name", "kind", "state", "enabled"] as const;

export function mountLines(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/lines", (c) => linesPage(c, deps, {}));

  app.post("/lines", async (c) => {
    const body = await c.req.parseBody();
    const values = {
      number: String(body.number ?? "").trim(),
      name: String(body.name ?? ""),
      kind: String(body.kind ?? "extension"),
      deviceNumber: String(body.deviceNumber ?? "").trim(),
      enabled: String(body.enabled ?? "on"),
    };
    const form: FormState = { values, errors: {} };
    const deviceNumber = values.deviceNumber === "" ? null : Number(values.deviceNumber);
    if (deviceNumber !== null && !Number.isInteger(deviceNumber)) {
      form.errors.deviceNumber = "A whole number, or empty.";
    }
    if (Object.keys(form.errors).length) return linesPage(c, deps, { addForm: form }, 400);
    const result = await deps.api.call<Line>(actingEnv(c), "POST", "/lines", {
      json: {
        number: values.number,
        name: values.name,
        kind: values.kind,
        deviceNumber,
        enabled: values.enabled === "on",
      },
    });
    if (!result.ok) return linesPage(c, deps, { addForm: { ...form, ...formErrors(result.error) } }, 400);
    return redirectWithFlash(c, deps, "/lines", `Line ${result.data.number} added.`);
  });

  app.get("/lines/:number/edit", (c) => editPage(c, deps, undefined));

  app.post("/lines/:number/edit", async (c) => {
    const number = c.req.param("number");
    const body = await c.req.parseBody();
    const values = {
      name: String(body.name ?? ""),
      kind: String(body.kind ?? "extension"),
      deviceNumber: String(body.deviceNumber ?? "").trim(),
      enabled: String(body.enabled ?? "off"),
      missingFromPbx: String(body.missingFromPbx ?? "off"),
    };
    const form: FormState = { values, errors: {} };
    const deviceNumber = values.deviceNumber === "" ? null : Number(values.deviceNumber);
    if (deviceNumber !== null && !Number.isInteger(deviceNumber)) {
      form.errors.deviceNumber = "A whole number, or empty.";
    }
    if (Object.keys(form.errors).length) return editPage(c, deps, form);
    const result = await deps.api.call<Line>(actingEnv(c), "PUT", `/lines/${encodeURIComponent(number)}`, {
      json: {
        name: values.name,
        kind: values.kind,
        deviceNumber,
        enabled: values.enabled === "on",
        missingFromPbx: values.missingFromPbx === "on",
      },
    });
    if (!result.ok) return editPage(c, deps, { ...form, ...formErrors(result.error) });
    return redirectWithFlash(c, deps, "/lines", `Line ${number} saved.`);
  });

  app.post("/lines/:number/delete", async (c) => {
    const number = c.req.param("number");
    const result = await deps.api.call(actingEnv(c), "DELETE", `/lines/${encodeURIComponent(number)}`);
    return redirectWithFlash(
      c,
      deps,
      "/lines",
      result.ok ? `Line ${number} deleted.` : `Not deleted: ${result.error.message}`,
    );
  });

  app.post("/lines/import", async (c) => {
    const body = await c.req.parseBody();
    const mode = body.mode === "replace" ? "replace" : "merge";
    // A replace is previewed first; the confirmation sends the previewed text back (no second upload).
    const confirmed = body.confirm === "yes" && typeof body.text === "string";
    let fileName: string;
    let text: string;
    if (confirmed) {
      fileName = typeof body.fileName === "string" && body.fileName ? body.fileName : "the file";
      text = body.text as string;
    } else {
      const upload = uploadedFile(body.file, "Choose a text file to import.");
      if ("missing" in upload) {
        return linesPage(c, deps, {
          importMode: mode,
          importReport: { ok: false, error: { code: "no_file", message: upload.missing, field: "file" } },
        }, 400);
      }
      fileName = upload.file.name;
      text = await upload.file.text();
    }
    const preview = mode === "replace" && !confirmed;
    const result = await deps.api.call<ImportAnswer | ImportApplied>(
      actingEnv(c),
      "POST",
      `/lines/import?mode=${mode}${preview ? "&preview=1" : ""}`,
      { text },
    );
    if (!result.ok) {
      // The API says "the import"; the administrator chose a file by name.
      const error = result.error.code === "empty_replace"
        ? { ...result.error, message: result.error.message.replace("the import", fileName) }
        : result.error;
      return linesPage(c, deps, { importMode: mode, importReport: { ok: false, error } }, 422);
    }
    if ("preview" in result.data) {
      return linesPage(c, deps, { importMode: mode, importPreview: { fileName, text, answer: result.data } });
    }
    deps.log.info("lines imported in the web UI", {
      mode,
      user: c.get("user"),
      added: result.data.added.length,
      removed: result.data.removed.length,
    });
    return linesPage(c, deps, { importMode: mode, importReport: { ok: true, ...result.data } });
  });

  app.post("/lines/sync/preview", async (c) => {
    const body = await c.req.parseBody();
    const readNames = body.readNames === "on";
    const result = await deps.api.call<LineSyncPlan>(actingEnv(c), "POST", "/lines/sync/preview", {
      json: { readNames },
    });
    return linesPage(c, deps, {
      syncPlan: result.ok ? { plan: result.data, readNames } : { error: result.error.message },
    }, result.ok ? 200 : 503);
  });

  app.post("/lines/sync/apply", async (c) => {
    const body = await c.req.parseBody();
    const readNames = body.readNames === "on";
    const removals = body.removals === "delete" ? "delete" : "flag";
    const result = await deps.api.call<LineSyncApplyAnswer>(actingEnv(c), "POST", "/lines/sync/apply", {
      json: { readNames, removals },
    });
    if (!result.ok) return linesPage(c, deps, { syncPlan: { error: result.error.message } }, 503);
    const r = result.data.result;
    return redirectWithFlash(
      c,
      deps,
      "/lines",
      `Loaded from the PBX: ${r.added.length} added, ${r.changed.length} changed, ${r.flagged.length} marked missing, ${r.deleted.length} deleted.`,
    );
  });

  app.post("/lines/ranges", async (c) => {
    const body = await c.req.parseBody();
    const text = String(body.text ?? "");
    const result = await deps.api.call(actingEnv(c), "PUT", "/location/extension-ranges", { json: { text } });
    if (!result.ok) {
      return linesPage(c, deps, { rangesForm: { values: { text }, ...formErrors(result.error) } }, 400);
    }
    return redirectWithFlash(c, deps, "/lines#ranges", "Extension ranges saved.");
  });
}

async function linesPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: LinesPageState,
  status: 200 | 400 | 422 | 503 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const place: TablePlace = {
    path: "/lines",
    anchor: "lines-card",
    query: listParams(c.req.query(), LINE_FILTERS),
  };
  const [lines, ranges] = await Promise.all([
    deps.api.get<{ lines: Line[] } & PageInfo>(env, `/lines?${place.query}`),
    deps.api.get<{ text: string }>(env, "/location/extension-ranges"),
  ]);
  const value = (key: string) => place.query.get(key) ?? "";
  const info = lines.ok ? pageFacts(lines.data) : undefined;
  const shown = lines.ok ? lines.data.lines : [];
  const open = new Map((deps.ui.openLines?.() ?? []).map((l) => [l.line, l]));
  const tracker = deps.status.services()["call-tracker"]?.details;
  const unmonitored = new Map((tracker?.unmonitoredLines ?? []).map((l) => [l.number, l.reason]));
  const addForm = state.addForm ?? emptyForm;
  const filtered = LINE_FILTERS.some((key) => place.query.has(key));
  const head = info && sortHeads(place, info);
  return renderPage(c, deps, {
    title: "Lines",
    status,
    intro: "The PBX devices cstabox offers as lines: extensions, trunks and groups.",
    body: (ctx) => (
      <div class="grid">
        <Card
          title={
            <>
              Lines {info
                ? (
                  <span id="lines-count" data-follows-filter>
                    ({info.total.toLocaleString("en-GB")}
                    {filtered ? " match" : ""})
                  </span>
                )
                : null}
            </>
          }
          id="lines-card"
          wide
          actions={<a href="/api/lines/export" class="button secondary" id="lines-export">Export</a>}
        >
          <FilterForm place={place} id="lines-filter" live="lines-list">
            <Field
              name="q"
              label="Search"
              type="search"
              value={value("q")}
              id="lines-search"
              placeholder="number or name"
            />
            <Select
              name="kind"
              label="Kind"
              value={value("kind")}
              options={[{ value: "", label: "any" }, ...LINE_KINDS]}
              id="lines-kind"
            />
            <Select
              name="state"
              label="State"
              value={value("state")}
              options={[{ value: "", label: "any" }, { value: "ok", label: "enabled, offered by the PBX" }, {
                value: "disabled",
                label: "disabled",
              }, { value: "missing", label: "missing from the PBX" }]}
              id="lines-state"
            />
          </FilterForm>
          <div id="lines-list">
            {lines.ok && info
              ? (
                <>
                  <Table
                    id="lines-table"
                    head={[
                      head!("Number", "number"),
                      head!("Name", "name"),
                      head!("Kind", "kind"),
                      head!("Device number", "deviceNumber"),
                      "State",
                      "Line API",
                      "",
                    ]}
                    count={info.total}
                    empty={filtered
                      ? "No line matches the search."
                      : "No lines yet: add them, import a file or load them from the PBX."}
                  >
                    {shown.map((line) => (
                      <tr data-number={line.number} data-name={line.name} data-kind={line.kind}>
                        <td class="mono">{line.number}</td>
                        <td>{line.name}</td>
                        <td>{line.kind}</td>
                        <td>{line.deviceNumber ?? "–"}</td>
                        <LineState line={line} unmonitored={unmonitored.get(line.number)} />
                        <td class="line-open">{openBy(open.get(line.number))}</td>
                        <td class="row-actions">
                          <a href={`/lines/${encodeURIComponent(line.number)}/edit`}>Edit</a>
                          <PostButton
                            action={`/lines/${encodeURIComponent(line.number)}/delete`}
                            csrf={ctx.csrf}
                            label="Delete"
                            kind="danger"
                            confirm={`Delete line ${line.number}?`}
                          />
                        </td>
                      </tr>
                    ))}
                  </Table>
                  <Pager info={info} place={place} id="lines-pager" noun="lines" />
                </>
              )
              : (
                <FilterRefused
                  message={lines.ok ? "" : lines.error.message}
                  place={place}
                  id="lines-refused"
                />
              )}
          </div>
        </Card>

        <Card title="Add a line" id="line-add">
          <form method="post" action="/lines#line-add" id="line-add-form">
            <Csrf token={ctx.csrf} />
            <FormMessage form={addForm} />
            <Field
              name="number"
              label="Number"
              value={addForm.values.number}
              error={addForm.errors.number}
              required
              inputmode="tel"
            />
            <Field name="name" label="Name" value={addForm.values.name} error={addForm.errors.name} />
            <Select
              name="kind"
              label="Kind"
              value={addForm.values.kind ?? "extension"}
              options={LINE_KINDS}
              error={addForm.errors.kind}
            />
            <Field
              name="deviceNumber"
              label="PBX device number (optional)"
              value={addForm.values.deviceNumber}
              error={addForm.errors.deviceNumber}
              inputmode="numeric"
            />
            <Checkbox name="enabled" label="Enabled" checked={addForm.values.enabled !== "off"} />
            <button type="submit" class="primary">Add line</button>
          </form>
        </Card>

        <Card title="Import" id="lines-import">
          <form
            method="post"
            action="/lines/import#lines-import"
            enctype="multipart/form-data"
            id="lines-import-form"
          >
            <Csrf token={ctx.csrf} />
            <Field
              name="file"
              label="Text file"
              type="file"
              accept=".txt,.csv,text/plain"
              help="One line per row: the number, then a comma and the name. Rows starting with # are ignored."
            />
            <Select
              name="mode"
              label="Mode"
              value={state.importMode ?? "merge"}
              options={[{ value: "merge", label: "add and rename (keep other lines)" }, {
                value: "replace",
                label: "replace (the file becomes the line list)",
              }]}
            />
            <button type="submit" class="primary">Import</button>
          </form>
          {state.importReport ? <ImportReportView report={state.importReport} /> : null}
          {state.importPreview ? <ImportPreviewView preview={state.importPreview} csrf={ctx.csrf} /> : null}
        </Card>

        <Card title="Load from the PBX" id="lines-sync">
          <form method="post" action="/lines/sync/preview#lines-sync" id="lines-sync-preview">
            <Csrf token={ctx.csrf} />
            <Checkbox name="readNames" label="Take the names the PBX reports" checked />
            <button type="submit" class="secondary">Preview</button>
          </form>
          {state.syncPlan ? <SyncPlanView state={state.syncPlan} csrf={ctx.csrf} /> : null}
        </Card>

        <Card title="Extension ranges" id="ranges">
          <form method="post" action="/lines/ranges#ranges" id="ranges-form">
            <Csrf token={ctx.csrf} />
            <FormMessage form={state.rangesForm ?? emptyForm} />
            <TextArea
              name="text"
              label="Ranges"
              value={state.rangesForm?.values.text ?? (ranges.ok ? ranges.data.text : "")}
              error={state.rangesForm?.errors.text}
              rows={3}
              help="Which numbers are this PBX's extensions, e.g. 100-199, 2000-2099. Loading from the PBX takes only these; empty means all."
            />
            <button type="submit" class="primary">Save ranges</button>
          </form>
        </Card>
      </div>
    ),
  });
}

async function editPage(c: Context<HttpEnv>, deps: WebDeps, form: FormState | undefined): Promise<Response> {
  const number = c.req.param("number") ?? "";
  const result = await deps.api.get<Line>(actingEnv(c), `/lines/${encodeURIComponent(number)}`);
  if (!result.ok) return redirectWithFlash(c, deps, "/lines", result.error.message);
  const line = result.data;
  const v = form?.values ?? {
    name: line.name,
    kind: line.kind,
    deviceNumber: line.deviceNumber === null ? "" : String(line.deviceNumber),
    enabled: line.enabled ? "on" : "off",
    missingFromPbx: line.missingFromPbx ? "on" : "off",
  };
  const errors = form?.errors ?? {};
  return renderPage(c, deps, {
    title: `Line ${line.number}`,
    status: form ? 400 : 200,
    body: (ctx) => (
      <Card title="Edit" id="line-edit">
        <form method="post" action={`/lines/${encodeURIComponent(line.number)}/edit`} id="line-edit-form">
          <Csrf token={ctx.csrf} />
          {form ? <FormMessage form={form} /> : null}
          <Field name="name" label="Name" value={v.name} error={errors.name} />
          <Select name="kind" label="Kind" value={v.kind} options={LINE_KINDS} error={errors.kind} />
          <Field
            name="deviceNumber"
            label="PBX device number"
            value={v.deviceNumber}
            error={errors.deviceNumber}
            inputmode="numeric"
          />
          <Checkbox name="enabled" label="Enabled" checked={v.enabled === "on"} />
          <Checkbox name="missingFromPbx" label="Missing from the PBX" checked={v.missingFromPbx === "on"} />
          <button type="submit" class="primary">Save</button> <a href="/lines">Cancel</a>
        </form>
      </Card>
    ),
  });
}

/** What a replace import would remove, add and change, with the button that applies it. */
function ImportPreviewView(props: { preview: ImportPreview; csrf: string }) {
  const { fileName, text, answer: a } = props.preview;
  const changes = a.added.length + a.changed.length + a.removed.length;
  return (
    <div class="notice warning" id="import-preview" role="alert">
      <p>
        <strong>Not applied yet</strong>: {fileName} would remove {plural(a.removed.length, "line")}, add{" "}
        {a.added.length}, change {a.changed.length} and leave {a.unchanged} unchanged.
      </p>
      <ul class="plain small">
        {a.removed.map((n) => <li>− {n} {a.removedNames[n] ?? ""}</li>)}
        {a.added.map((n) => <li>+ {n} {a.addedNames[n] ?? ""}</li>)}
        {a.renamed.map((r) => <li>~ {r.number}: {r.from || "(no name)"} → {r.to || "(no name)"}</li>)}
      </ul>
      {changes > 0
        ? (
          <form method="post" action="/lines/import#lines-import" id="import-confirm">
            <Csrf token={props.csrf} />
            <input type="hidden" name="mode" value="replace" />
            <input type="hidden" name="confirm" value="yes" />
            <input type="hidden" name="fileName" value={fileName} />
            <textarea name="text" hidden>{text}</textarea>
            <button type="submit" class="primary danger">Replace the line list</button>{" "}
            <a href="/lines">Cancel</a>
          </form>
        )
        : <p>Nothing to change.</p>}
    </div>
  );
}

function ImportReportView(props: { report: ImportReport }) {
  const { report } = props;
  if (report.ok) {
    return (
      <p class="notice ok" id="import-report" role="status">
        Imported: {plural(report.added.length, "line")} added, {report.changed.length} changed,{" "}
        {report.unchanged} unchanged
        {report.removed.length ? `, ${report.removed.length} removed` : ""}.
      </p>
    );
  }
  const rows = report.error.rows ?? [];
  return (
    <div class="notice error" id="import-report" role="alert">
      <p>{report.error.message}</p>
      {rows.length
        ? (
          <Table head={["Row", "Text", "Why"]} id="import-rows">
            {rows.map((r) => (
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

function SyncPlanView(props: { state: NonNullable<LinesPageState["syncPlan"]>; csrf: string }) {
  if ("error" in props.state) {
    return <p class="notice error" id="sync-error" role="alert">{props.state.error}</p>;
  }
  const { plan, readNames } = props.state;
  const changes = plan.add.length + plan.change.length + plan.remove.length;
  return (
    <div id="sync-plan">
      <p>
        {plan.add.length} to add, {plan.change.length} to change, {plan.remove.length} no longer offered,{" "}
        {plan.missing.length} already missing, {plan.unchanged} unchanged, {plan.skipped.length} skipped.
      </p>
      <ul class="plain small">
        {plan.add.map((l) => <li>+ {l.number} {l.name}</li>)}
        {plan.change.map((ch) => <li>~ {ch.before.number}: {ch.fields.join(", ")}</li>)}
        {plan.remove.map((l) => <li>− {l.number} {l.name}</li>)}
        {plan.skipped.map((s) => <li class="muted">skipped {s.number}: {s.reason}</li>)}
      </ul>
      {changes > 0
        ? (
          <form method="post" action="/lines/sync/apply">
            <Csrf token={props.csrf} />
            <input type="hidden" name="readNames" value={readNames ? "on" : "off"} />
            <Select
              name="removals"
              label="Lines the PBX no longer offers"
              value="flag"
              options={[{ value: "flag", label: "keep them, marked missing" }, {
                value: "delete",
                label: "delete them",
              }]}
            />
            <button type="submit" class="primary">Apply</button>
          </form>
        )
        : <p>Nothing to change.</p>}
    </div>
  );
}

/** Who holds a line open through the line API, for the line table. */
function openBy(open: OpenLineView | undefined): string {
  if (!open) return "–";
  const who = open.holders.map((h) => h.sockets > 0 ? `${h.client} (live)` : h.client).join(", ");
  const monitor = open.monitor === "monitored" ? "" : `; ${open.monitor}: ${open.problem ?? ""}`;
  return `open by ${who}${open.partner ? `; Mobile ${open.partner}` : ""}${monitor}`;
}

/** A line's state: disabled, missing from the PBX, not monitored (with why), or ok. */
function LineState(props: { line: Line; unmonitored?: string }) {
  const { line } = props;
  const words = [
    line.enabled ? "" : "disabled",
    line.missingFromPbx ? "missing from the PBX" : "",
    line.enabled && props.unmonitored ? `not monitored: ${props.unmonitored}` : "",
  ].filter(Boolean).join(", ");
  return <td class={words && words !== "disabled" ? "warning" : undefined}>{words || "ok"}</td>;
}
