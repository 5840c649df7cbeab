// The Trace page: start a CSTA trace of the PBX link and chosen applications for a time, watch its frames
// arrive decoded (newest first, live), stop it, and download it as text for a support engineer.

import { readRefused } from "../../accounts/roles.ts";
import type { Hono } from "hono";
import type { TraceFrame } from "../../trace/frame_trace.ts";
import { directionText, summaryText } from "../../trace/trace_text.ts";
import type { HttpEnv } from "../context.ts";
import { actingEnv, redirectWithFlash, type WebDeps } from "../web_deps.ts";
import { Badge, Card, Csrf, Field, KeyValues, LiveRegion, PostButton, Select, Table } from "./components.tsx";
import { formatTime } from "./format.ts";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";

/** Frames shown on the page; the download has them all. */
const SHOWN = 200;

export function mountTrace(app: Hono<HttpEnv>, deps: WebDeps): void {
  // The frames carry numbers and the applications' traffic: an operator is shown neither them nor the form.
  if (deps.ui.trace) {
    deps.regions.add("trace", ({ ctx }) => traceRefused(ctx) ? null : <TraceFrames deps={deps} />);
  }

  app.get("/trace", (c) =>
    renderPage(c, deps, {
      title: "CSTA trace",
      intro:
        "Every frame between cstabox and the PBX, and between cstabox and the applications you choose, with its decode and its bytes. Off, a trace costs nothing; on, each frame is copied into memory until the trace ends. AARQ passwords are masked.",
      body: (ctx) =>
        !deps.ui.trace
          ? <p class="notice">This appliance was built without the CSTA trace.</p>
          : traceRefused(ctx)
          ? (
            <p class="notice admin-only" id="trace-admin-only">
              Administrators only: the trace carries every number dialled and the applications' frames.
            </p>
          )
          : <TracePage deps={deps} ctx={ctx} />,
    }));

  app.post("/trace/start", async (c) => {
    const body = await c.req.parseBody({ all: true });
    const chosen = [body.session ?? []].flat().map((v) => Number(v)).filter((n) => Number.isInteger(n));
    const which = String(body.applications ?? "all");
    const applications = which === "chosen" ? chosen : which === "none" ? "none" : "all";
    const minutes = Number(body.minutes);
    const result = await deps.api.call(actingEnv(c), "POST", "/trace/start", {
      json: { seconds: Math.round(minutes * 60), pbx: body.pbx === "on", applications },
    });
    const message = result.ok
      ? `Trace started for ${minutes} minute(s).`
      : `Not started: ${result.error.message}`;
    return redirectWithFlash(c, deps, "/trace", message);
  });

  app.post("/trace/stop", async (c) => {
    await deps.api.call(actingEnv(c), "POST", "/trace/stop");
    return redirectWithFlash(c, deps, "/trace", "Trace stopped; its frames stay here and in the download.");
  });
}

function traceRefused(ctx: PageContext): boolean {
  return readRefused(ctx.role, "/trace", ctx.user) !== undefined;
}

function TracePage(props: { deps: WebDeps; ctx: PageContext }) {
  const { deps, ctx } = props;
  const maxMinutes = deps.ui.settings.current().trace.maxMinutes;
  const apps = deps.ui.multiplexer.status().applications.filter((a) => a.transport !== "internal");
  return (
    <>
      <Card title="Start a trace" id="trace-start">
        <form method="post" action="/trace/start" id="trace-form">
          <Csrf token={ctx.csrf} />
          <Field
            name="minutes"
            label="Minutes"
            type="number"
            min={1}
            max={maxMinutes}
            value="5"
            required
            help={`At most ${maxMinutes} (setting trace.maxMinutes); it stops by itself.`}
          />
          <div class="field check">
            <input type="hidden" name="pbx" value="off" />
            <input id="trace-pbx" type="checkbox" name="pbx" value="on" checked />
            <label for="trace-pbx">The PBX link</label>
          </div>
          <Select
            name="applications"
            label="Applications"
            value="all"
            id="trace-applications"
            options={[
              { value: "all", label: "every application (new ones too, from their AARQ)" },
              { value: "chosen", label: "the ones ticked below" },
              { value: "none", label: "none" },
            ]}
          />
          {apps.length
            ? (
              <fieldset class="choices">
                <legend>Connected applications</legend>
                {apps.map((a) => (
                  <div class="field check">
                    <input id={`trace-session-${a.id}`} type="checkbox" name="session" value={String(a.id)} />
                    <label for={`trace-session-${a.id}`}>
                      {`${a.id}: ${a.remote}${a.user ? ` (${a.user})` : ""}`}
                    </label>
                  </div>
                ))}
              </fieldset>
            )
            : <p class="help">No application is connected now.</p>}
          <button type="submit" class="primary" id="trace-start-button">Start trace</button>
        </form>
      </Card>
      <Card
        title="Frames"
        id="trace-frames"
        wide
        actions={
          <>
            <PostButton action="/trace/stop" csrf={ctx.csrf} label="Stop" id="trace-stop" />
            <a href="/api/trace/text" class="button secondary" id="trace-download">Download as text</a>
          </>
        }
      >
        <LiveRegion name="trace">
          <TraceFrames deps={deps} />
        </LiveRegion>
      </Card>
    </>
  );
}

function TraceFrames(props: { deps: WebDeps }) {
  const trace = props.deps.ui.trace!;
  const status = trace.status();
  const frames = (trace.last?.frames(0, SHOWN) ?? []).reverse();
  const state = status.running
    ? <Badge level="ok" id="trace-state">recording</Badge>
    : <Badge level="idle" id="trace-state">{status.startedAt === null ? "no trace yet" : "stopped"}</Badge>;
  return (
    <>
      <KeyValues
        rows={[
          ["State", state],
          ["Started", formatTime(status.startedAt)],
          [status.running ? "Stops at" : "Ended", formatTime(status.endsAt)],
          ["Frames", `${status.frames} kept, ${status.dropped} dropped (at most ${status.maxFrames})`],
        ]}
      />
      <Table
        id="trace-table"
        head={["Time (UTC)", "Direction", "Connection", "Decode", "Bytes"]}
        count={frames.length}
        empty="No frame recorded."
      >
        {frames.map((f) => <FrameRow frame={f} />)}
      </Table>
    </>
  );
}

function FrameRow(props: { frame: TraceFrame }) {
  const f = props.frame;
  return (
    <tr data-seq={f.seq}>
      <td class="mono nowrap">{new Date(f.at).toISOString().slice(11, 23)}</td>
      <td class="nowrap">{directionText(f)}</td>
      <td>{f.connection}</td>
      <td>
        {summaryText(f)}
        {f.description?.details ? <span class="fields mono">{" " + f.description.details}</span> : null}
      </td>
      <td>
        <details>
          <summary>{f.apdu.length} bytes</summary>
          <code class="mono">{f.apdu.toHex()}</code>
        </details>
      </td>
    </tr>
  );
}
