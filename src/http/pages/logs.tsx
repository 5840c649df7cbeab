// The Logs page: the recent log (the in-memory ring of the last entries) searched by level, text, source
// and time range, paged newest first, live, with a download of what the search finds.

import type { Hono } from "hono";
import type { LogEntry, LogLevel } from "../../log/logger.ts";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { Badge, Field, type Level, Select, Table } from "./components.tsx";
import { formatTime } from "./format.ts";
import { mountLiveList } from "./live_list_page.tsx";

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];
const levelBadge: Record<LogLevel, Level> = { debug: "idle", info: "ok", warn: "warning", error: "error" };
/** The log search's parameters (GET /api/logs), which the download takes too. */
const LOG_FILTERS = ["level", "q", "source", "from", "to"] as const;

export function mountLogs(app: Hono<HttpEnv>, deps: WebDeps): void {
  mountLiveList<{ entries: LogEntry[] }>(app, deps, {
    path: "/logs",
    title: "Logs",
    intro:
      `The latest ${deps.log.ring.capacity} log entries kept in memory, newest first. The list updates by itself.`,
    api: "/logs",
    filters: LOG_FILTERS,
    // The page opens at level info; `level=debug` shows every entry.
    defaults: { level: "info" },
    noun: "entries",
    form: (value) => (
      <>
        <Select
          name="level"
          label="Show from level"
          value={value("level")}
          options={LEVELS.map((l) => ({ value: l, label: l }))}
          id="log-level"
        />
        <Field
          name="q"
          label="Text"
          type="search"
          value={value("q")}
          id="log-text"
          placeholder="message or field"
        />
        <Field
          name="source"
          label="Source"
          value={value("source")}
          id="log-source"
          placeholder="e.g. pbx-link"
        />
        <label class="field-inline">
          From <input name="from" type="datetime-local" step="1" value={value("from")} id="log-from" />
        </label>
        <label class="field-inline">
          To <input name="to" type="datetime-local" step="1" value={value("to")} id="log-to" />
        </label>
      </>
    ),
    between: (query) => {
      const search = new URLSearchParams(
        [...query].filter(([k]) => (LOG_FILTERS as readonly string[]).includes(k)),
      );
      const jsonl = new URLSearchParams([...search, ["format", "jsonl"]]);
      return (
        <p>
          Download what this search finds:{" "}
          <a href={`/api/logs/download?${search}`} id="log-download-text" download>text</a>,{" "}
          <a href={`/api/logs/download?${jsonl}`} id="log-download-jsonl" download>JSON Lines</a>.
        </p>
      );
    },
    table: ({ answer, info, head, filtered }) => (
      <Table
        id="log-table"
        head={[head("Time (UTC)", "time"), head("Level", "level"), head("Source", "source"), "Message"]}
        count={info.total}
        empty={filtered ? "Nothing logged matches." : "Nothing logged at this level yet."}
      >
        {answer.entries.map((e) => (
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
    ),
  });
}

function fieldsText(entry: LogEntry): string {
  return Object.entries(entry.fields ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}
