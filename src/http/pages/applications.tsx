// The Applications page: every connected CSTA application with address, transport, user, monitors,
// requests in flight, queued bytes and since when, paged, sorted and filtered, live; and disconnecting one.

import type { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { MultiplexerStatus } from "../web_ui_sources.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import { Field, PostButton, Select, Table } from "./components.tsx";
import { formatAge, formatBytes, formatTime } from "./format.ts";
import { mountLiveList } from "./live_list_page.tsx";

type Application = MultiplexerStatus["applications"][number];
type ApplicationsAnswer = { applications: Application[]; cdrOwner: number | null; hotelOwner: number | null };

export function mountApplications(app: Hono<HttpEnv>, deps: WebDeps): void {
  mountLiveList<ApplicationsAnswer>(app, deps, {
    path: "/applications",
    title: "Applications",
    intro: "CSTA applications connected to cstabox. The list updates by itself.",
    api: "/multiplexer/applications",
    filters: ["q", "transport", "user"],
    // cstabox's own sessions (call tracking, line API) are counted below the table, not listed.
    fixed: { internal: "false" },
    noun: "applications",
    form: (value) => (
      <>
        <Field name="q" label="Address or user" type="search" value={value("q")} id="applications-search" />
        <Select
          name="transport"
          label="Transport"
          value={value("transport")}
          options={[{ value: "", label: "any" }, { value: "tcp", label: "TCP" }, {
            value: "tls",
            label: "TLS",
          }]}
          id="applications-transport"
        />
      </>
    ),
    table: ({ deps, ctx, answer, info, head }) => {
      const mux = deps.ui.multiplexer.status();
      const internal = mux.applications.filter((a) => a.transport === "internal").length;
      const connected = mux.applications.length - internal;
      return (
        <>
          <Table
            id="applications"
            head={[
              head("#", "id"),
              head("Address", "remote"),
              head("Transport", "transport"),
              head("User", "user"),
              head("Monitors", "monitors"),
              head("In flight", "requestsInFlight"),
              head("Queued", "queuedBytes"),
              head("Connected since", "connectedAt"),
              "Owns",
              "",
            ]}
            count={info.total}
            empty={connected ? "No application matches." : "No application is connected."}
          >
            {answer.applications.map((a) => (
              <tr data-application={a.id}>
                <td>{a.id}</td>
                <td class="mono">{a.remote}</td>
                <td>{a.transport.toUpperCase()}</td>
                <td>{a.user ?? "–"}</td>
                <td>{a.monitors}</td>
                <td>{a.requestsInFlight}</td>
                <td>{formatBytes(a.queuedBytes)}</td>
                <td title={formatTime(a.connectedAt)}>
                  {formatTime(a.connectedAt)} ({formatAge(a.connectedAt, ctx.now)})
                </td>
                <td>{a.owns.length ? a.owns.join(", ").toUpperCase() : "–"}</td>
                <td>
                  <PostButton
                    action={`/applications/${a.id}/disconnect`}
                    csrf={ctx.csrf}
                    label="Disconnect"
                    kind="danger"
                    id={`disconnect-${a.id}`}
                    confirm={`Disconnect ${a.remote}? The application loses its connection and its monitors.`}
                  />
                </td>
              </tr>
            ))}
          </Table>
          <p class="muted small">
            {connected}{" "}
            connected{internal ? `, plus ${internal} inside cstabox (call tracking, line API)` : ""}. CDR{" "}
            {answer.cdrOwner === null ? "not owned" : `owned by #${answer.cdrOwner}`}; hotel{" "}
            {answer.hotelOwner === null ? "not owned" : `owned by #${answer.hotelOwner}`}.
          </p>
        </>
      );
    },
  });

  app.post("/applications/:id/disconnect", async (c) => {
    const id = c.req.param("id");
    const result = await deps.api.call(
      actingEnv(c),
      "POST",
      `/multiplexer/applications/${encodeURIComponent(id)}/disconnect`,
    );
    const message = result.ok
      ? `Application ${id} was disconnected. Its monitors stop unless another application uses them.`
      : `Not disconnected: ${result.error.message}`;
    return redirectWithFlash(c, deps, "/applications", message);
  });
}
