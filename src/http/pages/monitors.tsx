// The Monitors page: devices monitored in the PBX, their line names, subscribers, whether they hold a
// licence seat, and refusals with the reason (no licence, PBX limit), paged, sorted and filtered, live.

import type { Hono } from "hono";
import type { Line } from "../../lines/line.ts";
import { deviceWords } from "../../csta/device_key.ts";
import { PER_PAGE_MAX } from "../api/list_query.ts";
import type { HttpEnv } from "../context.ts";
import type { MultiplexerStatus } from "../web_ui_sources.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, Card, Field, KeyValues, Select, stateLevel, Table } from "./components.tsx";
import { formatTime } from "./format.ts";
import { mountLiveList } from "./live_list_page.tsx";

type Monitor = MultiplexerStatus["monitors"][number];

export function mountMonitors(app: Hono<HttpEnv>, deps: WebDeps): void {
  mountLiveList<{ monitors: Monitor[] }>(app, deps, {
    path: "/monitors",
    title: "Monitors",
    intro: "Each device is monitored once in the PBX, whichever applications ask for it.",
    api: "/multiplexer/monitors",
    filters: ["q", "state"],
    noun: "monitors",
    form: (value) => (
      <>
        <Field name="q" label="Device" type="search" value={value("q")} id="monitors-search" />
        <Select
          name="state"
          label="State"
          value={value("state")}
          options={[{ value: "", label: "any" }, "active", "starting", "lost"]}
          id="monitors-state"
        />
      </>
    ),
    table: async ({ deps, ctx, answer, info, head, filtered }) => {
      // Lines call tracking wants monitored but the PBX would not: they have no monitor row below.
      const missing = deps.status.services()["call-tracker"]?.details?.unmonitoredLines ?? [];
      // The names of the devices on this page and of the lines not monitored, not of every line.
      const numbers = [...answer.monitors.map((m) => deviceWords(m.device)), ...missing.map((l) => l.number)]
        .slice(0, PER_PAGE_MAX);
      const [lines, seats] = await Promise.all([
        numbers.length
          ? deps.api.get<{ lines: Line[] }>(
            ctx.env,
            `/lines?perPage=${PER_PAGE_MAX}&numbers=${encodeURIComponent(numbers.join(","))}`,
          )
          : undefined,
        deps.api.get<{ seats: { deviceKey: string }[] }>(ctx.env, "/licences/seats"),
      ]);
      const names = new Map(lines?.ok ? lines.data.lines.map((l) => [l.number, l.name]) : []);
      const seated = new Set(seats.ok ? seats.data.seats.map((s) => s.deviceKey) : []);
      return (
        <>
          {missing.length
            ? (
              <Card title="Lines not monitored" id="monitors-missing" wide>
                <Table head={["Line", "Name", "Why"]} count={missing.length}>
                  {missing.map((l) => (
                    <tr>
                      <td class="mono">{l.number}</td>
                      <td>{names.get(l.number) || "–"}</td>
                      <td>{l.reason}</td>
                    </tr>
                  ))}
                </Table>
              </Card>
            )
            : null}
          <Table
            id="monitors"
            head={[
              head("Device", "device"),
              "Name",
              head("State", "state"),
              head("Subscribers", "subscribers"),
              "Licence",
              "Last refusal",
              head("Lost since", "lostSince"),
            ]}
            count={info.total}
            empty={filtered ? "No monitored device matches." : "No device is monitored."}
          >
            {answer.monitors.map((m) => (
              <tr>
                <td class="mono">{deviceWords(m.device)}</td>
                <td>{names.get(deviceWords(m.device)) || "–"}</td>
                <td>
                  <Badge
                    level={m.state === "active" ? "ok" : m.state === "lost" ? "error" : stateLevel(m.state)}
                  >
                    {m.state}
                  </Badge>
                </td>
                <td>{m.subscribers}</td>
                <td>{seated.has(m.device) ? "holds a seat" : "–"}</td>
                <td>{m.lastRefusal ?? "–"}</td>
                <td>{m.lostSince ? formatTime(m.lostSince) : "–"}</td>
              </tr>
            ))}
          </Table>
        </>
      );
    },
    after: (deps) => {
      const mux = deps.ui.multiplexer.status();
      const refusal = mux.lastLicenceRefusal;
      return (
        <Card title="Refusals">
          <KeyValues
            rows={[
              ["Refused for want of a licence", String(mux.licenceRefusals)],
              [
                "Last licence refusal",
                refusal
                  ? `${deviceWords(refusal.device)} at ${formatTime(refusal.at)}: ${refusal.reason}`
                  : "none",
              ],
            ]}
          />
        </Card>
      );
    },
  });
}
