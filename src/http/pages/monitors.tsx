// The Monitors page: devices monitored in the PBX, their line names, subscribers, whether they hold a
// licence seat, and refusals with the reason (no licence, PBX limit), live.

import type { Hono } from "hono";
import type { Line } from "../../lines/line.ts";
import { deviceWords } from "../../csta/device_key.ts";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, Card, KeyValues, LiveRegion, stateLevel, Table } from "./components.tsx";
import { formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";

export function mountMonitors(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("monitors", ({ ctx }) => <MonitorsView deps={deps} ctx={ctx} />);
  app.get("/monitors", (c) =>
    renderPage(c, deps, {
      title: "Monitors",
      intro: "Each device is monitored once in the PBX, whichever applications ask for it.",
      body: (ctx) => (
        <LiveRegion name="monitors">
          <MonitorsView deps={deps} ctx={ctx} />
        </LiveRegion>
      ),
    }));
}

async function MonitorsView(props: { deps: WebDeps; ctx: PageContext }) {
  const { deps, ctx } = props;
  const mux = deps.ui.multiplexer.status();
  const [lines, seats] = await Promise.all([
    deps.api.get<{ lines: Line[] }>(ctx.env, "/lines"),
    deps.api.get<{ seats: { deviceKey: string }[] }>(ctx.env, "/licences/seats"),
  ]);
  const names = new Map(lines.ok ? lines.data.lines.map((l) => [l.number, l.name]) : []);
  const seated = new Set(seats.ok ? seats.data.seats.map((s) => s.deviceKey) : []);
  const refusal = mux.lastLicenceRefusal;
  // Lines call tracking wants monitored but the PBX would not: they have no monitor row above.
  const missing = deps.status.services()["call-tracker"]?.details?.unmonitoredLines ?? [];
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
        head={["Device", "Name", "State", "Subscribers", "Licence", "Last refusal", "Lost since"]}
        count={mux.monitors.length}
        empty="No device is monitored."
      >
        {mux.monitors.map((m) => (
          <tr>
            <td class="mono">{deviceWords(m.device)}</td>
            <td>{names.get(deviceWords(m.device)) || "–"}</td>
            <td>
              <Badge level={m.state === "active" ? "ok" : m.state === "lost" ? "error" : stateLevel(m.state)}>
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
    </>
  );
}
