// The Logs page: the recent log (the in-memory ring of the last entries) with a level filter, live.

import type { Hono } from "hono";
import type { LogEntry, LogLevel } from "../../log/logger.ts";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, type Level, LiveRegion, Select, Table } from "./components.tsx";
import { formatTime } from "./format.ts";
import { renderPage } from "./render.tsx";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];
const SHOWN = 300;
const levelBadge: Record<LogLevel, Level> = { debug: "idle", info: "ok", warn: "warning", error: "error" };

export function mountLogs(app: Hono<HttpEnv>, deps: WebDeps): void {
  deps.regions.add("logs", ({ param }) => <LogTable deps={deps} level={levelOf(param)} />);

  app.get("/logs", (c) => {
    const level = levelOf(c.req.query("level"));
    return renderPage(c, deps, {
      title: "Logs",
      intro:
        `The latest ${deps.log.ring.capacity} log entries kept in memory, newest first. The list updates by itself.`,
      body: () => (
        <>
          <form method="get" action="/logs" class="row" id="log-filter" data-autosubmit>
            <Select
              name="level"
              label="Show from level"
              value={level}
              options={LEVELS.map((l) => ({ value: l, label: l }))}
              id="log-level"
            />
            <noscript>
              <button type="submit" class="secondary">Show</button>
            </noscript>
          </form>
          <LiveRegion name={`logs:${level}`}>
            <LogTable deps={deps} level={level} />
          </LiveRegion>
        </>
      ),
    });
  });
}

function levelOf(text: string | undefined): LogLevel {
  return (LEVELS as string[]).includes(text ?? "") ? text as LogLevel : "info";
}

function LogTable(props: { deps: WebDeps; level: LogLevel }) {
  const entries = props.deps.log.ring.entries({ minLevel: props.level }).slice(-SHOWN).reverse();
  return (
    <Table
      id="log-table"
      head={["Time (UTC)", "Level", "Source", "Message"]}
      count={entries.length}
      empty="Nothing logged at this level yet."
    >
      {entries.map((e) => (
        <tr class={`log-${e.level}`}>
          <td class="mono nowrap">{formatTime(e.time)}</td>
          <td>
            <Badge level={levelBadge[e.level]}>{e.level}</Badge>
          </td>
          <td>{e.source}</td>
          <td>
            {e.message}
            {e.fields ? <span class="fields mono">{" " + fieldsText(e)}</span> : null}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function fieldsText(entry: LogEntry): string {
  return Object.entries(entry.fields ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}
