// The Calls page: live calls as the call tracker reports them (the seam `CallsSource`), paged, sorted and
// filtered; without a tracker it says so instead of showing an empty table.

import type { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { LiveCall } from "../web_ui_sources.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, Field, Select, Table } from "./components.tsx";
import { trackerFailure } from "./dashboard.tsx";
import { formatAge, formatTime } from "./format.ts";
import { mountLiveList } from "./live_list_page.tsx";

export function mountCalls(app: Hono<HttpEnv>, deps: WebDeps): void {
  mountLiveList<{ calls: LiveCall[] }>(app, deps, {
    path: "/calls",
    title: "Calls",
    api: "/calls",
    filters: ["q", "state", "direction"],
    noun: "calls",
    form: (value) => (
      <>
        <Field name="q" label="Number, line or call" type="search" value={value("q")} id="calls-search" />
        <Select
          name="direction"
          label="Direction"
          value={value("direction")}
          options={[{ value: "", label: "any" }, "incoming", "outgoing", "internal"]}
          id="calls-direction"
        />
      </>
    ),
    unavailable: (deps) => {
      const failed = trackerFailure(deps);
      if (deps.ui.calls && !failed) return undefined;
      return (
        <p class="notice warning" id="calls-unavailable">
          {failed ?? "Call tracking is not running"}, so live calls cannot be shown.
        </p>
      );
    },
    table: ({ ctx, answer, info, head, filtered }) => (
      <Table
        id="calls"
        head={[
          head("Call", "id"),
          head("State", "state"),
          head("Direction", "direction"),
          head("From", "from"),
          head("To", "to"),
          "Lines",
          head("Started", "startedAt"),
        ]}
        count={info.total}
        empty={filtered ? "No call matches." : "No call right now."}
      >
        {answer.calls.map((call) => (
          <tr>
            <td class="mono">{call.id}</td>
            <td>
              <Badge level={call.state === "connected" ? "ok" : "warning"}>{call.state}</Badge>
            </td>
            <td>{call.direction ?? "–"}</td>
            <td>{call.from}</td>
            <td>{call.to}</td>
            <td>{call.lines?.join(", ") || "–"}</td>
            <td>{formatTime(call.startedAt)} ({formatAge(call.startedAt, ctx.now)})</td>
          </tr>
        ))}
      </Table>
    ),
  });
}
