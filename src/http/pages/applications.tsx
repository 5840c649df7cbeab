// The Applications page: every connected CSTA application with address, transport, user, monitors,
// requests in flight, queued bytes and since when, live; and disconnecting one.

import type { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import { LiveRegion, PostButton, Table } from "./components.tsx";
import { formatAge, formatBytes, formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";

export function mountApplications(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("applications", ({ ctx }) => <ApplicationsTable deps={deps} ctx={ctx} />);

  app.get("/applications", (c) =>
    renderPage(c, deps, {
      title: "Applications",
      intro: "CSTA applications connected to cstabox. The list updates by itself.",
      body: (ctx) => (
        <LiveRegion name="applications">
          <ApplicationsTable deps={deps} ctx={ctx} />
        </LiveRegion>
      ),
    }));

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

function ApplicationsTable(props: { deps: WebDeps; ctx: PageContext }) {
  const { deps, ctx } = props;
  const mux = deps.ui.multiplexer.status();
  const apps = mux.applications.filter((a) => a.transport !== "internal");
  const internal = mux.applications.length - apps.length;
  return (
    <>
      <Table
        id="applications"
        head={[
          "#",
          "Address",
          "Transport",
          "User",
          "Monitors",
          "In flight",
          "Queued",
          "Connected since",
          "Owns",
          "",
        ]}
        count={apps.length}
        empty="No application is connected."
      >
        {apps.map((a) => (
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
        {apps.length}{" "}
        connected{internal ? `, plus ${internal} inside cstabox (call tracking, line API)` : ""}. CDR{" "}
        {mux.cdrOwner === null ? "not owned" : `owned by #${mux.cdrOwner}`}; hotel{" "}
        {mux.hotelOwner === null ? "not owned" : `owned by #${mux.hotelOwner}`}.
      </p>
    </>
  );
}
