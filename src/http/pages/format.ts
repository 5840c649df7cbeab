// Plain-words formatting for the pages: times, durations, byte counts, service names and states, so every
// page says the same thing the same way.

import type { LinkState } from "../../pbx/pbx_link.ts";

/** `2026-01-02 13:04:05` in UTC (the appliance's logs are in UTC too), or `–` for nothing. */
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toISOString().replace("T", " ").slice(0, 19);
}

/** `3 d 4 h`, `5 h 2 min`, `7 min`, `12 s`: the two largest units, for uptimes and "since". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const seconds = Math.floor(ms / 1000);
  const units: [string, number][] = [["d", 86_400], ["h", 3_600], ["min", 60], ["s", 1]];
  const first = units.findIndex(([, size]) => seconds >= size);
  if (first < 0) return "0 s";
  const [name, size] = units[first];
  const whole = Math.floor(seconds / size);
  const next = units[first + 1];
  const rest = next ? Math.floor((seconds - whole * size) / next[1]) : 0;
  return rest > 0 ? `${whole} ${name} ${rest} ${next[0]}` : `${whole} ${name}`;
}

/** Time since `iso` in words, rounded so a live region does not change every second. */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return "–";
  const ms = now - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return "–";
  if (ms < 60_000) return "less than a minute";
  return formatDuration(Math.floor(ms / 60_000) * 60_000);
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A rate with one decimal below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toString();
}

const serviceTitles: Record<string, string> = {
  store: "Database",
  licensing: "Licensing",
  tls: "Certificate",
  "pbx-link": "PBX link",
  "csta-tcp": "CSTA server (TCP)",
  "csta-tls": "CSTA server (TLS)",
  smdr: "SMDR",
  http: "Web UI (HTTP)",
  https: "Web UI (HTTPS)",
  simulator: "Simulated PBX",
  "line-sync": "Line sync with the PBX",
  "call-tracker": "Call tracking",
  multiplexer: "Multiplexer (monitors, heartbeat)",
  statistics: "Statistics (figures for the charts)",
};

/** What the administrator calls a service. */
export function serviceTitle(name: string): string {
  return serviceTitles[name] ?? name;
}

/** `1 line`, `2 lines`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** How the PBX link state reads to an administrator. */
export function linkWords(state: LinkState | undefined): string {
  switch (state) {
    case "ready":
      return "connected";
    case "connecting":
      return "connecting";
    case "associating":
      return "logging in";
    default:
      return "disconnected";
  }
}

/** A recorded problem as text with its time: `connection refused (2026-01-02 13:04:05)`, or `none`. */
export function formatProblem(problem: { message: string; at: string } | null | undefined): string {
  return problem ? `${problem.message} (${formatTime(problem.at)})` : "none";
}

/** The uploaded file of a form field, or why there is none: not chosen (`prompt`), or empty. */
export function uploadedFile(value: unknown, prompt: string): { file: File } | { missing: string } {
  if (!(value instanceof File)) return { missing: prompt };
  if (value.size === 0) {
    return { missing: `${value.name || "The chosen file"} is empty (0 bytes). ${prompt}` };
  }
  return { file: value };
}
