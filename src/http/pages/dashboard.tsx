// The dashboard: "is it working, and if not, why" at a glance. Every card is one live region, re-sent
// whenever it changes: PBX link, CSTA server and applications, the event rate chart, monitors, SMDR,
// certificate, licence, calls, and every failed service with its reason.

import type { Hono } from "hono";
import { deviceWords } from "../../csta/device_key.ts";
import type { HttpEnv } from "../context.ts";
import type { RatePoint } from "../live/rate_history.ts";
import type { SeriesChart } from "../../statistics/statistic_charts.ts";
import { AxisChart } from "./axis_chart.tsx";
import { installedServices, type ServiceStatuses } from "../status_source.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, Card, KeyValues, LiveRegion, stateLevel } from "./components.tsx";
import {
  formatAge,
  formatProblem,
  formatRate,
  formatTime,
  linkWords,
  plural,
  serviceTitle,
} from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import { localModeWords, storeFigureRows } from "./smdr_figures.ts";

export function mountDashboard(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("dashboard", ({ ctx }) => <DashboardCards deps={deps} ctx={ctx} />);
  app.get("/", (c) =>
    renderPage(c, deps, {
      title: "Dashboard",
      body: (ctx) => (
        <LiveRegion name="dashboard">
          <DashboardCards deps={deps} ctx={ctx} />
        </LiveRegion>
      ),
    }));
}

function DashboardCards(props: { deps: WebDeps; ctx: PageContext }) {
  const { deps, ctx } = props;
  const services = deps.status.services();
  const mux = deps.ui.multiplexer.status();
  const remote = mux.applications.filter((a) => a.transport !== "internal");
  return (
    <div class="grid">
      <Attention deps={deps} />
      <PbxCard deps={deps} ctx={ctx} />
      <Card title="CSTA server" id="dash-csta">
        <KeyValues
          rows={[
            ["TCP", listenerWords(services["csta-tcp"])],
            ["TLS", listenerWords(services["csta-tls"])],
            ["Applications", <span id="dash-app-count">{applicationsByClass(mux)}</span>],
            [
              "Monitors",
              `${mux.monitors.length} (${mux.monitors.filter((m) => m.state === "active").length} active${
                mux.lostMonitors.length ? `, ${mux.lostMonitors.length} lost` : ""
              })`,
            ],
            ["Applications are told", <span id="dash-system-status">SystemStatus {mux.systemStatus}</span>],
            [
              "Events",
              `${formatRate(mux.eventsInPerSecond)}/s from the PBX, ${
                formatRate(mux.eventsOutPerSecond)
              }/s to applications`,
            ],
          ]}
        />
        {mux.lostMonitors.length
          ? (
            <ul class="plain" id="dash-lost-monitors">
              {mux.lostMonitors.slice(0, 8).map((m) => (
                <li>
                  <a href="/monitors">{deviceWords(m.device)}</a>{" "}
                  <span class="muted">lost since {formatTime(m.since)}: {m.reason}</span>
                </li>
              ))}
            </ul>
          )
          : null}
        <ul class="plain" id="dash-applications">
          {remote.slice(0, 8).map((a) => (
            <li>
              <a href="/applications">{a.remote}</a>{" "}
              <span class="muted">
                {a.transport.toUpperCase()}
                {a.user ? ` · ${a.user}` : ""} · {plural(a.monitors, "monitor")}
              </span>
            </li>
          ))}
        </ul>
        {remote.length > 8
          ? (
            <p>
              <a href="/applications">all {remote.length} applications</a>
            </p>
          )
          : null}
      </Card>
      <Card title="Events per second" id="dash-rates" actions={<a href="/statistics">Statistics</a>}>
        <RateChart points={deps.rates.points()} intervalMs={deps.rates.intervalMs} now={ctx.now} />
      </Card>
      <SmdrCard deps={deps} />
      <CertificateCard deps={deps} />
      <LicenceCard deps={deps} />
      <CallsCard deps={deps} />
      <p class="muted small">Updated {formatTime(ctx.now)} UTC</p>
    </div>
  );
}

/** Every failed or degraded service and other problems, in plain words; or that all is well. */
function Attention(props: { deps: WebDeps }) {
  const services = props.deps.status.services();
  const problems: { title: string; reason: string; level: "error" | "warning" }[] = [];
  for (const [name, s] of installedServices(services)) {
    if (s.state === "failed") {
      problems.push({ title: serviceTitle(name), reason: s.reason ?? "failed", level: "error" });
    } else if (s.state === "degraded") {
      problems.push({ title: serviceTitle(name), reason: s.reason ?? "degraded", level: "warning" });
    }
  }
  for (const weak of props.deps.ui.weakCredentials?.() ?? []) {
    problems.push({
      title: `${weak.kind} ${weak.user}`,
      reason: `the password is weak (the user name or a common password): change it on the ${
        weak.kind === "CSTA user" ? "CSTA server" : "password"
      } page`,
      level: "warning",
    });
  }
  const settingsProblem = props.deps.status.settingsProblem();
  if (settingsProblem) {
    problems.push({
      title: "Settings file",
      reason: `an edit was refused, the previous settings run: ${settingsProblem}`,
      level: "warning",
    });
  }
  return (
    <Card title="Attention" id="dash-attention" wide>
      {problems.length === 0
        ? <p class="ok-line" id="dash-all-ok">Every service runs.</p>
        : (
          <ul class="problems">
            {problems.map((p) => (
              <li class={p.level}>
                <Badge level={p.level}>{p.level === "error" ? "failed" : "problem"}</Badge>{" "}
                <strong>{p.title}</strong>: {p.reason}
              </li>
            ))}
          </ul>
        )}
    </Card>
  );
}

function PbxCard(props: { deps: WebDeps; ctx: PageContext }) {
  const link = props.deps.status.services()["pbx-link"]?.details;
  const words = linkWords(link?.state);
  return (
    <Card title="PBX link" id="dash-pbx" actions={<a href="/pbx">PBX page</a>}>
      <p>
        <Badge
          level={link?.state === "ready"
            ? "ok"
            : !link || link.state === "disconnected"
            ? "error"
            : "warning"}
          id="pbx-state"
        >
          {words}
        </Badge>
        {props.ctx.demo
          ? (
            <>
              <Badge level="warning" id="pbx-simulated">simulated PBX</Badge>
            </>
          )
          : null}
      </p>
      <KeyValues
        rows={[
          ["PBX", link?.host ? `${link.host}:${link.port}` : "none set (demo)"],
          [
            link?.state === "ready" ? "Connected since" : "Since",
            `${formatTime(link?.since)} (${formatAge(link?.since, props.ctx.now)})`,
          ],
          ["Reconnects", String(link?.reconnects ?? 0)],
          ["Last error", formatProblem(link?.lastError)],
          ...(link?.nextRetryAt ? [["Next attempt", formatTime(link.nextRetryAt)] as [string, string]] : []),
        ]}
      />
    </Card>
  );
}

function SmdrCard(props: { deps: WebDeps }) {
  const status = props.deps.status.services().smdr;
  const d = status?.details;
  return (
    <Card title="SMDR" id="dash-smdr" actions={<a href="/smdr">SMDR page</a>}>
      <p>
        <Badge level={status ? stateLevel(status.state) : "idle"}>{status?.state ?? "not installed"}</Badge>
      </p>
      <KeyValues
        rows={[
          [
            "Collectors",
            localModeWords(
              status,
              (local) => `${local.collectors.length} of ${local.maxCollectors} on ${local.listening ?? "–"}`,
            ),
          ],
          [
            "Push",
            d?.push
              ? `${d.push.state} to ${d.push.target}${d.push.lastError ? ` (${d.push.lastError})` : ""}`
              : "off",
          ],
          ...storeFigureRows(d, "Backlog"),
        ]}
      />
    </Card>
  );
}

function CertificateCard(props: { deps: WebDeps }) {
  const tls = props.deps.status.services().tls?.details;
  return (
    <Card title="Certificate" id="dash-certificate" actions={<a href="/certificate">Certificate page</a>}>
      {tls
        ? (
          <>
            <p>
              <Badge level={tls.certificate.level === "ok" ? "ok" : tls.certificate.level}>
                {tls.certificate.level === "ok" ? "valid" : tls.certificate.level}
              </Badge>{" "}
              {tls.certificate.message}
            </p>
            <KeyValues
              rows={[["Subject", tls.certificate.subject], ["Days left", String(tls.certificate.daysLeft)]]}
            />
          </>
        )
        : <p class="muted">No certificate information (the certificate service is not running).</p>}
    </Card>
  );
}

function LicenceCard(props: { deps: WebDeps }) {
  const licence = props.deps.status.services().licensing?.details;
  return (
    <Card title="Licence" id="dash-licence" actions={<a href="/licences">Licences page</a>}>
      {licence
        ? (
          <KeyValues
            rows={[
              [
                "Mode",
                <Badge
                  level={licence.mode === "expired" ? "error" : licence.mode === "trial" ? "warning" : "ok"}
                >
                  {licence.mode}
                </Badge>,
              ],
              ["Lines", `${licence.linesInUse} in use of ${licence.linesLicensed}`],
              ["Days left", licence.daysLeft === null ? "no end" : String(licence.daysLeft)],
            ]}
          />
        )
        : <p class="muted">Licensing is not running.</p>}
    </Card>
  );
}

function CallsCard(props: { deps: WebDeps }) {
  const calls = props.deps.ui.calls;
  const failed = trackerFailure(props.deps);
  return (
    <Card title="Calls" id="dash-calls" actions={<a href="/calls">Calls page</a>}>
      {failed
        ? <p class="error">{failed}</p>
        : calls
        ? <p>{plural(calls.activeCalls().length, "call")} now</p>
        : <p class="muted">Call tracking is not running.</p>}
    </Card>
  );
}

/** Why call tracking is not running, when it failed or did not start; shared with the Calls page. */
export function trackerFailure(deps: WebDeps): string | undefined {
  const status = deps.status.services()["call-tracker"];
  return status?.state === "failed"
    ? `Call tracking failed: ${status.reason ?? "no reason given"}`
    : undefined;
}

/** The last minutes of the event rate (the in-memory rate history) as a chart with axes, newest right. */
export function RateChart(props: { points: readonly RatePoint[]; intervalMs: number; now: number }) {
  return <AxisChart chart={rateChart(props)} shape="line" id="chart-live-rate" table={false} />;
}

/**
 * The rate history as its last 120 samples, newest right, ending at the newest sample: samples come every
 * `intervalMs` (a timer, a little late under load), so they are placed by their order, not rounded to a
 * grid where a late one would leave a false gap. Slots before the first sample are empty.
 */
export function rateChart(
  props: { points: readonly RatePoint[]; intervalMs: number; now: number },
): SeriesChart {
  const bucketMs = props.intervalMs;
  const points = props.points.slice(-RATE_SLOTS);
  const to = (points.at(-1)?.at ?? props.now) + bucketMs;
  const from = to - RATE_SLOTS * bucketMs;
  const empty = RATE_SLOTS - points.length;
  return {
    name: "live-rate",
    title: "Events per second from the PBX",
    unit: "events/s",
    bucketMs,
    from,
    to,
    points: Array.from({ length: RATE_SLOTS }, (_, i) => ({
      at: from + i * bucketMs,
      value: i < empty ? null : points[i - empty].eventsIn,
    })),
  };
}

/** Buckets the dashboard's chart shows: with the 5 s sampling, the last 10 minutes. */
const RATE_SLOTS = 120;

function listenerWords(status: ServiceStatuses["csta-tcp"]) {
  if (!status) return "not configured";
  if (status.state === "failed") return <span class="error">failed: {status.reason}</span>;
  const l = status.listeners?.[0];
  if (!l) return status.state;
  const words = `port ${l.port} on ${l.hostname} · ${plural(status.details?.connections ?? 0, "connection")}`;
  const exposure = status.details?.transport === "tcp" ? tcpExposure(l.hostname, status.details) : undefined;
  return exposure
    ? (
      <>
        {words} · <span class="warning" id="dash-tcp-exposed">{exposure}</span>
      </>
    )
    : words;
}

/**
 * Plain TCP has no login (as on the PBX): listening on every interface, it should at least be limited by
 * a login or an allow-list (docs/multiplexer.md, "Securing the plain TCP port").
 */
function tcpExposure(
  hostname: string,
  details: { loginRequired: boolean; allowedSources: string[] },
): string | undefined {
  if (hostname !== "0.0.0.0" && hostname !== "::" && hostname !== "[::]") return undefined;
  const guards = [
    details.loginRequired ? "login required" : "",
    details.allowedSources.length
      ? `only ${plural(details.allowedSources.length, "source range")} allowed`
      : "",
  ].filter(Boolean);
  return guards.length
    ? `listens on all interfaces; ${guards.join(", ")}`
    : "listens on all interfaces, without login, from any address: set cstaServer.bind or cstaServer.tcpAllowedSources";
}

function applicationsByClass(mux: ReturnType<WebDeps["ui"]["multiplexer"]["status"]>): string {
  const remote = mux.applications.filter((a) => a.transport !== "internal");
  const tcp = remote.filter((a) => a.transport === "tcp").length;
  const tls = remote.length - tcp;
  const owners = [mux.cdrOwner !== null ? "CDR owned" : "", mux.hotelOwner !== null ? "hotel owned" : ""]
    .filter(Boolean);
  return `${remote.length} CTI (${tcp} TCP, ${tls} TLS)${owners.length ? ` · ${owners.join(", ")}` : ""}`;
}
