// The CSTA server page: listeners (live), ports, bind address, login on TCP, the limits, and the CSTA
// users applications log in with (add, set password, remove).

import type { Context, Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import { formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Csrf,
  emptyForm,
  Field,
  FormMessage,
  type FormState,
  LiveRegion,
  PostButton,
  stateLevel,
  Table,
} from "./components.tsx";
import { formatTime, plural } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import { saveSettingsForm, sectionValues, SettingsForm } from "./settings_form.tsx";

const SERVER_KEYS = [
  "bind",
  "tcpEnabled",
  "tcpPort",
  "tcpLoginRequired",
  "tcpAllowedSources",
  "tlsEnabled",
  "tlsPort",
];
const SERVER_LABELS: Record<string, string> = {
  bind: "Bind address",
  tcpEnabled: "Accept applications over TCP",
  tcpPort: "TCP port",
  tcpLoginRequired: "Require a login on TCP",
  tcpAllowedSources: "Addresses allowed on TCP",
  tlsEnabled: "Accept applications over TLS",
  tlsPort: "TLS port",
};
const LIMIT_KEYS = [
  "ctiApplications",
  "cdrApplications",
  "hotelApplications",
  "maxFrameBytes",
  "requestsInFlightPerApplication",
  "outboundQueueBytes",
  "drainTimeoutSeconds",
  "frameCompletionSeconds",
  "malformedFramesBeforeClose",
  "loginAttemptsPerMinute",
  "passwordChecksAtOnce",
  "passwordChecksWaiting",
];
const LIMIT_LABELS: Record<string, string> = {
  ctiApplications: "CTI applications",
  cdrApplications: "CDR applications",
  hotelApplications: "Hotel applications",
  maxFrameBytes: "Largest frame (bytes)",
  requestsInFlightPerApplication: "Requests in flight per application",
  outboundQueueBytes: "Queue per application (bytes)",
  drainTimeoutSeconds: "Drain timeout (s)",
  frameCompletionSeconds: "Time to complete a frame (s)",
  malformedFramesBeforeClose: "Malformed frames before disconnect",
  loginAttemptsPerMinute: "Failed logins per address (and per user name) and minute",
  passwordChecksAtOnce: "Password checks at once",
  passwordChecksWaiting: "Password checks waiting",
};

interface CstaServerState {
  serverForm?: FormState;
  limitsForm?: FormState;
  addForm?: FormState;
  /** A refused password change, by user name. */
  passwordForms?: Record<string, FormState>;
}

interface CstaUser {
  name: string;
  createdAt: string;
  updatedAt: string;
}

export function mountCstaServer(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("csta-listeners", ({ ctx }) => <Listeners deps={deps} ctx={ctx} />);
  app.get("/csta-server", (c) => cstaServerPage(c, deps, {}));

  app.post("/csta-server/settings", (c) =>
    saveSettingsForm(c, deps, {
      section: "cstaServer",
      keys: SERVER_KEYS,
      redirectTo: "/csta-server",
      saved:
        "CSTA server settings saved; the listeners restart with them (connected applications reconnect).",
      rerender: (form) => cstaServerPage(c, deps, { serverForm: form }, 400),
    }));

  app.post("/csta-server/limits", (c) =>
    saveSettingsForm(c, deps, {
      section: "limits",
      keys: LIMIT_KEYS,
      redirectTo: "/csta-server",
      saved: "Limits saved.",
      rerender: (form) => cstaServerPage(c, deps, { limitsForm: form }, 400),
    }));

  app.post("/csta-server/users", async (c) => {
    const body = await c.req.parseBody();
    const name = String(body.name ?? "").trim();
    const password = String(body.password ?? "");
    const form: FormState = { values: { name }, errors: {} };
    if (!name) form.errors.name = "Enter a user name.";
    if (Object.keys(form.errors).length) return cstaServerPage(c, deps, { addForm: form }, 400);
    const exists = deps.ui.cstaUsers.list().some((u) => u.name === name);
    if (exists) {
      return cstaServerPage(c, deps, {
        addForm: { ...form, errors: { name: "This user exists; set its password below." } },
      }, 400);
    }
    const result = await deps.api.call(actingEnv(c), "PUT", `/csta-users/${encodeURIComponent(name)}`, {
      json: { password },
    });
    if (!result.ok) {
      return cstaServerPage(c, deps, {
        addForm: { ...form, ...formErrors(result.error, (f) => f === "password" ? "password" : "name") },
      }, 400);
    }
    deps.log.info("CSTA user added", { name, user: c.get("user") });
    return redirectWithFlash(c, deps, "/csta-server", `CSTA user ${name} added.`);
  });

  app.post("/csta-server/users/:name/password", async (c) => {
    const name = c.req.param("name");
    const body = await c.req.parseBody();
    const result = await deps.api.call(actingEnv(c), "PUT", `/csta-users/${encodeURIComponent(name)}`, {
      json: { password: String(body.password ?? "") },
    });
    if (!result.ok) {
      const { errors, message } = formErrors(result.error);
      return cstaServerPage(c, deps, { passwordForms: { [name]: { values: {}, errors, message } } }, 400);
    }
    deps.log.info("CSTA user password set", { name, user: c.get("user") });
    return redirectWithFlash(
      c,
      deps,
      "/csta-server",
      `Password of CSTA user ${name} set. Applications use it at their next login.`,
    );
  });

  app.post("/csta-server/users/:name/remove", async (c) => {
    const name = c.req.param("name");
    const result = await deps.api.call(actingEnv(c), "DELETE", `/csta-users/${encodeURIComponent(name)}`);
    if (result.ok) deps.log.info("CSTA user removed", { name, user: c.get("user") });
    return redirectWithFlash(
      c,
      deps,
      "/csta-server",
      result.ok ? `CSTA user ${name} removed.` : `Not removed: ${result.error.message}`,
    );
  });
}

async function cstaServerPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  state: CstaServerState,
  status: 200 | 400 = 200,
): Promise<Response> {
  const env = actingEnv(c);
  const [server, limits, users] = await Promise.all([
    sectionValues(deps, env, "cstaServer"),
    sectionValues(deps, env, "limits"),
    deps.api.get<{ users: CstaUser[] }>(env, "/csta-users"),
  ]);
  return renderPage(c, deps, {
    title: "CSTA server",
    status,
    intro:
      "Where applications connect: plain TCP like a PBX (no login unless required), or TLS with a login.",
    body: (ctx) => (
      <div class="grid">
        <Card title="Listeners" id="csta-listeners-card" wide>
          <LiveRegion name="csta-listeners">
            <Listeners deps={deps} ctx={ctx} />
          </LiveRegion>
        </Card>
        <Card title="Ports and login" id="csta-settings">
          <SettingsForm
            section="cstaServer"
            keys={SERVER_KEYS}
            labels={SERVER_LABELS}
            file={server.file}
            effective={server.effective}
            refused={server.refused}
            form={state.serverForm ?? emptyForm}
            action="/csta-server/settings#csta-settings"
            csrf={ctx.csrf}
            id="csta-server-form"
          />
        </Card>
        <Card title="Limits" id="csta-limits">
          <SettingsForm
            section="limits"
            keys={LIMIT_KEYS}
            labels={LIMIT_LABELS}
            file={limits.file}
            effective={limits.effective}
            refused={limits.refused}
            form={state.limitsForm ?? emptyForm}
            action="/csta-server/limits#csta-limits"
            csrf={ctx.csrf}
            id="limits-form"
          />
        </Card>
        <Card title="CSTA users" id="csta-users" wide>
          <p class="help">
            The user name and password an application sends when it connects (always over TLS; over TCP when
            required).
          </p>
          <Table
            head={["User", "Created", "Password changed", "New password", ""]}
            count={users.ok ? users.data.users.length : 0}
            empty="No CSTA user."
          >
            {(users.ok ? users.data.users : []).map((u) => {
              const form = state.passwordForms?.[u.name] ?? emptyForm;
              return (
                <tr>
                  <td>{u.name}</td>
                  <td>{formatTime(u.createdAt)}</td>
                  <td>{formatTime(u.updatedAt)}</td>
                  <td>
                    <form
                      method="post"
                      action={`/csta-server/users/${encodeURIComponent(u.name)}/password`}
                      class="inline-form"
                    >
                      <Csrf token={ctx.csrf} />
                      <Field
                        name="password"
                        label={`New password for ${u.name}`}
                        type="password"
                        autocomplete="new-password"
                        error={form.errors.password ?? form.message}
                        id={`csta-password-${u.name}`}
                      />
                      <button type="submit" class="secondary">Set</button>
                    </form>
                  </td>
                  <td>
                    <PostButton
                      action={`/csta-server/users/${encodeURIComponent(u.name)}/remove`}
                      csrf={ctx.csrf}
                      label="Remove"
                      kind="danger"
                      confirm={`Remove CSTA user ${u.name}? Applications logging in with it are refused from now on.`}
                    />
                  </td>
                </tr>
              );
            })}
          </Table>
          <form method="post" action="/csta-server/users#csta-users" id="csta-user-add" class="row">
            <Csrf token={ctx.csrf} />
            <FormMessage form={state.addForm ?? emptyForm} />
            <Field
              name="name"
              label="User name"
              value={state.addForm?.values.name}
              error={state.addForm?.errors.name}
              autocomplete="off"
            />
            <Field
              name="password"
              label="Password"
              type="password"
              error={state.addForm?.errors.password}
              autocomplete="new-password"
            />
            <button type="submit" class="primary">Add user</button>
          </form>
        </Card>
      </div>
    ),
  });
}

function Listeners(props: { deps: WebDeps; ctx: PageContext }) {
  const services = props.deps.status.services();
  const rows = (["csta-tcp", "csta-tls"] as const).map((name) => {
    const s = services[name];
    const d = s?.details;
    const l = s?.listeners?.[0];
    return { name, s, d, l };
  });
  return (
    <Table
      head={[
        "Listener",
        "State",
        "Address",
        "Connections",
        "Accepted",
        "Failed logins",
        "Refused",
        "Slow readers cut",
        "Malformed cut",
        "Unfinished frame cut",
      ]}
    >
      {rows.map(({ name, s, d, l }) => (
        <tr id={`listener-${name}`}>
          <td>{name === "csta-tcp" ? "TCP" : "TLS"}</td>
          <td>
            <Badge level={s ? stateLevel(s.state) : "idle"}>{s?.state ?? "not configured"}</Badge>
            {s?.reason ? <span class="muted">{s.reason}</span> : null}
          </td>
          <td class="mono">{l ? `${l.hostname}:${l.port}` : "–"}</td>
          <td>{plural(d?.connections ?? 0, "connection")}</td>
          <td>{String(d?.accepted ?? 0)}</td>
          <td>{String(d?.loginFailed ?? 0)}</td>
          <td>{String(d?.refused ?? 0)}</td>
          <td>{String(d?.droppedSlow ?? 0)}</td>
          <td>{String(d?.closedMalformed ?? 0)}</td>
          <td>{String(d?.closedIncompleteFrame ?? 0)}</td>
        </tr>
      ))}
    </Table>
  );
}
