// The Calls page: live calls as the call tracker reports them (the seam `CallsSource`); without a
// tracker it says so instead of showing an empty table.

import type { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, LiveRegion, Table } from "./components.tsx";
import { formatAge, formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { trackerFailure } from "./dashboard.tsx";
import { renderPage } from "./render.tsx";

export function mountCalls(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("calls", ({ ctx }) => <CallsTable deps={deps} ctx={ctx} />);
  app.get("/calls", (c) =>
    renderPage(c, deps, {
      title: "Calls",
      body: (ctx) => (
        <LiveRegion name="calls">
          <CallsTable deps={deps} ctx={ctx} />
        </LiveRegion>
      ),
    }));
}

function CallsTable(props: { deps: WebDeps; ctx: PageContext }) {
  const source = props.deps.ui.calls;
  const failed = trackerFailure(props.deps);
  if (!source || failed) {
    return (
      <p class="notice warning" id="calls-unavailable">
        {failed ?? "Call tracking is not running"}, so live calls cannot be shown.
      </p>
    );
  }
  const calls = source.activeCalls();
  return (
    <Table
      id="calls"
      head={["Call", "State", "Direction", "From", "To", "Lines", "Started"]}
      count={calls.length}
      empty="No call right now."
    >
      {calls.map((call) => (
        <tr>
          <td class="mono">{call.id}</td>
          <td>
            <Badge level={call.state === "connected" ? "ok" : "warning"}>{call.state}</Badge>
          </td>
          <td>{call.direction ?? "–"}</td>
          <td>{call.from}</td>
          <td>{call.to}</td>
          <td>{call.lines?.join(", ") || "–"}</td>
          <td>{formatTime(call.startedAt)} ({formatAge(call.startedAt, props.ctx.now)})</td>
        </tr>
      ))}
    </Table>
  );
}
