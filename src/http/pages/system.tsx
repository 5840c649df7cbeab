// The System page: version and uptime, every service with its state and a restart button, backup (the
// settings and the store in one download) and restore (checked before anything is replaced), API tokens
// for scripts, the web users and their roles, the audit log of changes, and the web UI and logging settings.

import type { Context, Hono } from "hono";
import type { Child } from "hono/jsx";
import { readRefused, ROLES } from "../../accounts/roles.ts";
import type { WebUser } from "../../accounts/web_users.ts";
import type { AuditEntry } from "../../audit/audit_log.ts";
import type { ApiTokenInfo } from "../auth/api_tokens.ts";
import type { HttpEnv } from "../context.ts";
import { type ApiErrorDetail, formErrors } from "../inner_api.ts";
import { installedServices } from "../status_source.ts";
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
  PostButton,
  Select,
  stateLevel,
  Table,
} from "./components.tsx";
import { formatDuration, formatTime, serviceTitle, uploadedFile } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

const WEB_KEYS = ["bind", "httpPort", "httpsPort", "sessionIdleMinutes"];
const WEB_LABELS: Record<string, string> = {
  bind: "Bind address",
  httpPort: "HTTP port",
  httpsPort: "HTTPS port",
  sessionIdleMinutes: "Log out after idle minutes",
};
const LOG_KEYS = ["level", "format"];
const LOG_LABELS: Record<string, string> = { level: "Level", format: "Format" };

interface SystemPageState {
  tokenForm?: FormState;
  userForm?: FormState;
  newToken?: { name: string; token: string };
  restore?: { ok: true; createdAt: string; version: string } | { ok: false; error: ApiErrorDetail };
  webForm?: FormState;
  logForm?: FormState;
}

export function mountSystem(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/system", (c) => systemPage(c, deps, {}));

  app.post("/system/services/:name/restart", async (c) => {
    const name = c.req.param("name");
    const result = await deps.api.call<{ status?: { state: string; reason?: string }; scheduled?: boolean }>(
      actingEnv(c),
      "POST",
      `/system/services/${encodeURIComponent(name)}/restart`,
    );
    if (!result.ok) return redirectWithFlash(c, deps, "/system", `Not restarted: ${result.error.message}`);
    const message = result.data.scheduled
      ? `${serviceTitle(name)} restarts now; reload the page in a moment.`
      : `${serviceTitle(name)} restarted: ${result.data.status?.state}${
        result.data.status?.reason ? ` (${result.data.status.reason})` : ""
      }.`;
    return redirectWithFlash(c, deps, "/system", message);
  });

  app.post("/system/restore", async (c) => {
    const body = await c.req.parseBody();
    const file = body.backup;
    const upload = uploadedFile(file, "Choose the backup file.");
    if ("missing" in upload) {
      return systemPage(c, deps, {
        restore: { ok: false, error: { code: "no_file", message: upload.missing, field: "backup" } },
      }, 400);
    }
    const form = new FormData();
    form.set("backup", upload.file);
    const result = await deps.api.call<{ createdAt: string; version: string }>(
      actingEnv(c),
      "POST",
      "/system/restore",
      { form },
    );
    if (!result.ok) return systemPage(c, deps, { restore: { ok: false, error: result.error } }, 422);
    // The restored database has its own users and no sessions: this browser logs in again, told why.
    return c.redirect("/login?notice=restored", 303);
  });

  app.post("/system/tokens", async (c) => {
    const body = await c.req.parseBody();
    const name = String(body.name ?? "");
    const result = await deps.api.call<{ token: string; name: string }>(
      actingEnv(c),
      "POST",
      "/system/tokens",
      { json: { name } },
    );
    if (!result.ok) {
      return systemPage(c, deps, { tokenForm: { values: { name }, ...formErrors(result.error) } }, 400);
    }
    return systemPage(c, deps, { newToken: { name: result.data.name, token: result.data.token } });
  });

  app.post("/system/tokens/:id/revoke", async (c) => {
    const result = await deps.api.call(
      actingEnv(c),
      "DELETE",
      `/system/tokens/${encodeURIComponent(c.req.param("id"))}`,
    );
    return redirectWithFlash(
      c,
      deps,
      "/system#tokens",
      result.ok ? "API token revoked." : `Not revoked: ${result.error.message}`,
    );
  });

  app.post("/system/users", async (c) => {
    const body = await c.req.parseBody();
    const values = { name: String(body.name ?? ""), role: String(body.role ?? "") };
    const result = await deps.api.call(actingEnv(c), "POST", "/users", {
      json: { ...values, password: String(body.password ?? "") },
    });
    if (!result.ok) return systemPage(c, deps, { userForm: { values, ...formErrors(result.error) } }, 400);
    return redirectWithFlash(
      c,
      deps,
      "/system#users",
      `User ${values.name} added as ${values.role}; the first password must be changed at the first login.`,
    );
  });

  app.post("/system/users/:name/role", async (c) => {
    const body = await c.req.parseBody();
    const name = c.req.param("name");
    const role = String(body.role ?? "");
    const result = await deps.api.call(actingEnv(c), "PUT", `/users/${encodeURIComponent(name)}`, {
      json: { role },
    });
    return redirectWithFlash(
      c,
      deps,
      "/system#users",
      result.ok ? `${name} is now ${role}.` : `Role not changed: ${result.error.message}`,
    );
  });

  app.post("/system/users/:name/remove", async (c) => {
    const name = c.req.param("name");
    const result = await deps.api.call(actingEnv(c), "DELETE", `/users/${encodeURIComponent(name)}`);
    return redirectWithFlash(
      c,
      deps,
      "/system#users",
      result.ok
        ? `User ${name} removed, with their sessions and API tokens.`
        : `Not removed: ${result.error.message}`,
    );
  });

  app.post("/system/web", (c) =>
    saveSettingsForm(c, deps, {
      section: "web",
      keys: WEB_KEYS,
      redirectTo: "/system",
      saved: "Web UI settings saved. A port change moves the web UI to the new port.",
      rerender: (form) => systemPage(c, deps, { webForm: form }, 400),
    }));

  app.post("/system/log", (c) =>
    saveSettingsForm(c, deps, {
      section: "log",
      keys: LOG_KEYS,
      redirectTo: "/system",
      saved: "Logging settings saved.",
      rerender: (form) => systemPage(c, deps, { logForm: form }, 400),
    }));
}

async function systemPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: SystemPageState,
  status: 200 | 400 | 422 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const auditFilter = new URLSearchParams();
  for (const name of ["user", "text", "from", "to"]) {
    const value = c.req.query(`audit-${name}`)?.trim();
    if (value) auditFilter.set(name, value);
  }
  const [tokens, users, audit, web, log] = await Promise.all([
    deps.api.get<{ tokens: ApiTokenInfo[] }>(env, "/system/tokens"),
    deps.api.get<{ users: WebUser[] }>(env, "/users"),
    deps.api.get<{ entries: AuditEntry[] }>(env, `/audit?limit=50&${auditFilter}`),
    sectionValues(deps, env, "web"),
    sectionValues(deps, env, "log"),
  ]);
  const services = deps.status.services();
  return renderPage(c, deps, {
    title: "System",
    status,
    body: (ctx) => (
      <div class="grid">
        <Card title="About" id="system-about">
          <KeyValues
            rows={[
              ["Version", <span id="system-version">{deps.status.version}</span>],
              [
                "Running since",
                `${formatTime(deps.status.startedAt)} (${
                  formatDuration(ctx.now - Date.parse(deps.status.startedAt))
                })`,
              ],
              ["Mode", deps.status.mode() === "demo" ? "demo (simulated PBX)" : "PBX"],
              ["Settings file", deps.ui.settings.file],
            ]}
          />
          <p>
            <a href="/password">Change your password</a>
          </p>
        </Card>

        <Card title="Backup and restore" id="system-backup">
          <p>
            <AdminDownload ctx={ctx} path="/system/backup" id="backup-download">
              Download backup
            </AdminDownload>
          </p>
          <p class="help">
            One file with the settings and the database (lines, rules, licences, users, call records).
          </p>
          <form
            method="post"
            action="/system/restore#system-backup"
            enctype="multipart/form-data"
            id="restore-form"
            data-confirm="Replace the settings and the database with this backup? Everyone is logged out."
          >
            <Csrf token={ctx.csrf} />
            <Field
              name="backup"
              label="Restore from a backup file"
              type="file"
              accept=".gz,.tar.gz,application/gzip"
              error={state.restore && !state.restore.ok ? state.restore.error.message : undefined}
              help="The file is checked completely before anything is replaced."
            />
            <button type="submit" class="danger">Restore</button>
          </form>
        </Card>

        <Card title="Support" id="system-support">
          <p>
            <AdminDownload ctx={ctx} path="/support-bundle" id="support-bundle-download">
              Download support bundle
            </AdminDownload>
          </p>
          <p class="help">
            One file for a support engineer: status, the settings with every password, token and key masked,
            the recent log, the last <a href="/trace">CSTA trace</a> and the versions.
          </p>
        </Card>

        <Card title="Services" id="system-services" wide>
          <Table head={["Service", "State", "Since", "Reason", ""]}>
            {installedServices(services).map(([name, s]) => (
              <tr id={`service-${name}`}>
                <td>{serviceTitle(name)}</td>
                <td>
                  <Badge level={stateLevel(s.state)}>{s.state}</Badge>
                </td>
                <td>{formatTime(s.since)}</td>
                <td>{s.reason ?? ""}</td>
                <td>
                  <PostButton
                    action={`/system/services/${encodeURIComponent(name)}/restart`}
                    csrf={ctx.csrf}
                    label="Restart"
                    confirm={`Restart ${serviceTitle(name)}? Its connections are closed and opened again.`}
                  />
                </td>
              </tr>
            ))}
          </Table>
        </Card>

        <Card title="API tokens" id="tokens" wide>
          <p class="help">
            For scripts: send <code>Authorization: Bearer &lt;token&gt;</code>{" "}
            over HTTPS (or on the appliance itself). A token acts as the user who made it.
          </p>
          {state.newToken
            ? (
              <div class="notice ok" role="status" id="new-token">
                <p>Token "{state.newToken.name}" created. Copy it now: it is not shown again.</p>
                <pre class="mono wrap" id="new-token-value">{state.newToken.token}</pre>
              </div>
            )
            : null}
          <Table
            head={["Name", "User", "Created", "Last used", ""]}
            count={tokens.ok ? tokens.data.tokens.length : 0}
            empty="No API token."
          >
            {(tokens.ok ? tokens.data.tokens : []).map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{t.user}</td>
                <td>{formatTime(t.createdAt)}</td>
                <td>{formatTime(t.lastUsedAt)}</td>
                <td>
                  <PostButton
                    action={`/system/tokens/${encodeURIComponent(t.id)}/revoke`}
                    csrf={ctx.csrf}
                    label="Revoke"
                    kind="danger"
                    confirm={`Revoke token ${t.name}? Scripts using it are refused from now on.`}
                  />
                </td>
              </tr>
            ))}
          </Table>
          <form method="post" action="/system/tokens#tokens" class="row" id="token-form">
            <Csrf token={ctx.csrf} />
            <FormMessage form={state.tokenForm ?? emptyForm} />
            <Field
              name="name"
              label="New token for"
              value={state.tokenForm?.values.name}
              error={state.tokenForm?.errors.name}
              placeholder="e.g. billing export script"
            />
            <button type="submit" class="primary">Create token</button>
          </form>
        </Card>

        <Card title="Users" id="users" wide>
          <p class="help">
            An <strong>administrator</strong> may do everything. An <strong>operator</strong>{" "}
            sees everything and may disconnect applications, but changes no setting, user, certificate or
            licence. API tokens act with the role of the user who made them.
          </p>
          <Table head={["Name", "Role", "Password", "", ""]} count={users.ok ? users.data.users.length : 0}>
            {(users.ok ? users.data.users : []).map((u) => (
              <tr id={`user-${u.name}`}>
                <td>{u.name}</td>
                <td>{u.role}</td>
                <td>{u.mustChangePassword ? "to be changed at the next login" : "set"}</td>
                <td>
                  <PostButton
                    action={`/system/users/${encodeURIComponent(u.name)}/role`}
                    csrf={ctx.csrf}
                    fields={{ role: u.role === "administrator" ? "operator" : "administrator" }}
                    label={u.role === "administrator" ? "Make operator" : "Make administrator"}
                  />
                </td>
                <td>
                  <PostButton
                    action={`/system/users/${encodeURIComponent(u.name)}/remove`}
                    csrf={ctx.csrf}
                    label="Remove"
                    kind="danger"
                    confirm={`Remove user ${u.name}? Their sessions end and their API tokens are revoked.`}
                  />
                </td>
              </tr>
            ))}
          </Table>
          <form method="post" action="/system/users#users" class="row" id="user-form">
            <Csrf token={ctx.csrf} />
            <FormMessage form={state.userForm ?? emptyForm} />
            <Field
              name="name"
              label="User name"
              value={state.userForm?.values.name}
              error={state.userForm?.errors.name}
            />
            <Field
              name="password"
              label="First password"
              type="password"
              autocomplete="new-password"
              error={state.userForm?.errors.password}
              help="At least 10 characters; the user changes it at the first login."
            />
            <Select
              name="role"
              label="Role"
              value={state.userForm?.values.role ?? "operator"}
              options={ROLES}
              error={state.userForm?.errors.role}
            />
            <button type="submit" class="primary">Add user</button>
          </form>
        </Card>

        <Card title="Audit log" id="audit" wide>
          <p class="help">
            Every change made in the web UI or through the API (settings, users, lines, rules, certificates,
            licences, webhooks, directories, traces, disconnected applications…): who, when, from where, the
            old and the new value (secrets masked). The newest 50 matching entries are shown.
          </p>
          <form method="get" action="/system#audit" class="row" id="audit-filter">
            <Field name="audit-user" label="User" value={auditFilter.get("user") ?? ""} />
            <Field name="audit-text" label="Text" value={auditFilter.get("text") ?? ""} />
            <Field
              name="audit-from"
              label="From"
              value={auditFilter.get("from") ?? ""}
              placeholder="2026-12-01"
            />
            <Field
              name="audit-to"
              label="To"
              value={auditFilter.get("to") ?? ""}
              placeholder="2026-12-31T23:59"
            />
            <button type="submit" class="secondary">Filter</button>
            <a class="button" id="audit-download" href={`/api/audit?download=1&limit=10000&${auditFilter}`}>
              Download
            </a>
          </form>
          {audit.ok ? null : <p class="error">{audit.error.message}</p>}
          <Table
            head={["When", "User", "From", "Change", "Old", "New"]}
            count={audit.ok ? audit.data.entries.length : 0}
            empty="No change recorded."
          >
            {(audit.ok ? audit.data.entries : []).map((e) => (
              <tr>
                <td>{formatTime(e.at)}</td>
                <td>{e.user} ({e.via})</td>
                <td>{e.address}</td>
                <td>{e.action}: {e.object}</td>
                <td class="mono">{e.old === undefined ? "" : JSON.stringify(e.old)}</td>
                <td class="mono">{e.new === undefined ? "" : JSON.stringify(e.new)}</td>
              </tr>
            ))}
          </Table>
        </Card>

        <Card title="Web UI" id="system-web">
          <SettingsForm
            section="web"
            keys={WEB_KEYS}
            labels={WEB_LABELS}
            file={web.file}
            effective={web.effective}
            refused={web.refused}
            form={state.webForm ?? emptyForm}
            action="/system/web#system-web"
            csrf={ctx.csrf}
            id="web-form"
          />
        </Card>
        <Card title="Logging" id="system-log">
          <SettingsForm
            section="log"
            keys={LOG_KEYS}
            labels={LOG_LABELS}
            file={log.file}
            effective={log.effective}
            refused={log.refused}
            form={state.logForm ?? emptyForm}
            action="/system/log#system-log"
            csrf={ctx.csrf}
            id="log-form"
          />
        </Card>
      </div>
    ),
  });
}

/** A download of `/api<path>`, or for a role that may not read it a note saying who may. */
function AdminDownload(props: { ctx: PageContext; path: string; id: string; children: Child }) {
  if (readRefused(props.ctx.role, props.path, props.ctx.user)) {
    return <span class="notice admin-only" id={`${props.id}-admin-only`}>Administrators only</span>;
  }
  return <a href={`/api${props.path}`} class="button primary" id={props.id}>{props.children}</a>;
}
