// The Licences page: the mode (trial, licensed, expired), lines licensed and in use, days left, the last
// refusal, the keys in force and those ignored (with why), adding a key and removing one.

import type { Context, Hono } from "hono";
import type { LicenceStatus } from "../../licensing/licensing.ts";
import type { HttpEnv } from "../context.ts";
import { formErrors } from "../inner_api.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import {
  Badge,
  Card,
  Csrf,
  emptyForm,
  FormMessage,
  type FormState,
  KeyValues,
  PostButton,
  Table,
  TextArea,
} from "./components.tsx";
import { deviceWords } from "../../csta/device_key.ts";
import { formatTime } from "./format.ts";
import { renderPage } from "./render.tsx";

export function mountLicences(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/licences", (c) => licencesPage(c, deps, emptyForm));

  app.post("/licences", async (c) => {
    const body = await c.req.parseBody();
    const key = String(body.key ?? "").trim();
    const form: FormState = { values: { key }, errors: {} };
    if (!key) return licencesPage(c, deps, { ...form, errors: { key: "Paste the licence key." } }, 400);
    const result = await deps.api.call<{ licence: { customer: string; lines: number } }>(
      actingEnv(c),
      "POST",
      "/licences/keys",
      {
        json: { key },
      },
    );
    if (!result.ok) return licencesPage(c, deps, { ...form, ...formErrors(result.error) }, 400);
    const { customer, lines } = result.data.licence;
    return redirectWithFlash(c, deps, "/licences", `Licence key for ${customer} (${lines} lines) added.`);
  });

  app.post("/licences/:id/remove", async (c) => {
    const id = c.req.param("id");
    const result = await deps.api.call(actingEnv(c), "DELETE", `/licences/keys/${encodeURIComponent(id)}`);
    return redirectWithFlash(
      c,
      deps,
      "/licences",
      result.ok ? "Licence key removed." : `Not removed: ${result.error.message}`,
    );
  });
}

async function licencesPage(
  c: Context<HttpEnv>,
  deps: WebDeps,
  form: FormState,
  status: 200 | 400 = 200,
): Promise<Response> {
  const [result, seats] = await Promise.all([
    deps.api.get<LicenceStatus>(actingEnv(c), "/licences"),
    deps.api.get<{ seats: { deviceKey: string; holders: { id: string; kind: string }[] }[] }>(
      actingEnv(c),
      "/licences/seats",
    ),
  ]);
  const open = new Map((deps.ui.openLines?.() ?? []).map((l) => [l.line, l]));
  return renderPage(c, deps, {
    title: "Licences",
    status,
    intro: "One licence per line that is monitored, shared by everything on this appliance.",
    body: (ctx) => {
      if (!result.ok) return <p class="notice error">Licensing is not available: {result.error.message}</p>;
      const s = result.data;
      return (
        <div class="grid">
          <Card title="Status" id="licence-status">
            <KeyValues
              rows={[
                [
                  "Mode",
                  <Badge
                    level={s.mode === "licensed" ? "ok" : s.mode === "trial" ? "warning" : "error"}
                    id="licence-mode"
                  >
                    {s.mode}
                  </Badge>,
                ],
                ["Lines", `${s.linesInUse} in use of ${s.linesLicensed} licensed`],
                ["Days left", s.daysLeft === null ? "no end date" : String(s.daysLeft)],
                ["Trial", `${formatTime(s.trialStartedAt)} to ${formatTime(s.trialEndsAt)}`],
                [
                  "Last refusal",
                  s.lastRefusal ? `${formatTime(s.lastRefusal.at)}: ${s.lastRefusal.message}` : "none",
                ],
              ]}
            />
          </Card>
          <Card title="Add a licence key" id="licence-add">
            <form method="post" action="/licences#licence-add" id="licence-form">
              <Csrf token={ctx.csrf} />
              <FormMessage form={form} />
              <TextArea
                name="key"
                label="Licence key"
                value={form.values.key}
                error={form.errors.key}
                rows={4}
              />
              <button type="submit" class="primary">Add key</button>
            </form>
          </Card>
          <Card title="Keys in force" id="licence-keys" wide>
            <Table
              head={["Customer", "Lines", "Issued", "Expires", "Added", ""]}
              count={s.keys.length}
              empty="No key is entered."
            >
              {s.keys.map((k) => (
                <tr>
                  <td>{k.customer}</td>
                  <td>{k.lines}</td>
                  <td>{formatTime(k.issued)}</td>
                  <td>{k.expires ? formatTime(k.expires) : "never"}</td>
                  <td>{formatTime(k.addedAt)}</td>
                  <td>
                    <PostButton
                      action={`/licences/${encodeURIComponent(k.id)}/remove`}
                      csrf={ctx.csrf}
                      label="Remove"
                      kind="danger"
                      confirm={`Remove the key for ${k.customer} (${k.lines} lines)?`}
                    />
                  </td>
                </tr>
              ))}
            </Table>
            {s.ignoredKeys.length
              ? (
                <>
                  <h3>Keys that do not count</h3>
                  <Table head={["Customer", "Lines", "Why", ""]}>
                    {s.ignoredKeys.map((k) => (
                      <tr>
                        <td>{k.customer ?? "–"}</td>
                        <td>{k.lines ?? "–"}</td>
                        <td>{k.message}</td>
                        <td>
                          <PostButton
                            action={`/licences/${encodeURIComponent(k.id)}/remove`}
                            csrf={ctx.csrf}
                            label="Remove"
                            kind="danger"
                          />
                        </td>
                      </tr>
                    ))}
                  </Table>
                </>
              )
              : null}
          </Card>
          <Card title="Seats in use" id="licence-seats" wide>
            <Table
              head={["Device", "Held by"]}
              count={seats.ok ? seats.data.seats.length : 0}
              empty="No seat is taken."
            >
              {(seats.ok ? seats.data.seats : []).map((seat) => {
                const device = deviceWords(seat.deviceKey);
                const line = open.get(device);
                const holders = seat.holders.map((h) =>
                  h.kind === "line"
                    ? `line API: ${line ? line.holders.map((x) => x.client).join(", ") : "line"}`
                    : h.kind === "application"
                    ? `CSTA application (${h.id})`
                    : "call tracking (free)"
                );
                return (
                  <tr data-device={device}>
                    <td class="mono">{device}</td>
                    <td>{holders.join("; ")}</td>
                  </tr>
                );
              })}
            </Table>
          </Card>
        </div>
      );
    },
  });
}
