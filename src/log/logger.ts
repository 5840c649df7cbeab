// Levelled, structured logging: text on a terminal, JSON lines otherwise, and an in-memory ring of the
// latest entries for the web UI. Log lines go to stderr so stdout stays parseable for start-up lines.

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** syslog priorities (RFC 5424) journald reads from a `<N>` line prefix: debug 7, info 6, warning 4, err 3. */
const journalPriority: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/**
 * True when stderr goes to the journal: systemd sets JOURNAL_STREAM for a service whose output it
 * connects to journald (systemd.exec(5)). Without the prefix every line lands at priority 6 (info).
 */
export function journalFromEnvironment(env: (name: string) => string | undefined = Deno.env.get): boolean {
  return (env("JOURNAL_STREAM") ?? "") !== "";
}

export interface LogEntry {
  /** Sequence number, increasing; lets a live view ask for "everything after N". */
  seq: number;
  time: string;
  level: LogLevel;
  /** The component that logged, e.g. `pbx-link`, `http`. */
  source: string;
  message: string;
  fields?: Record<string, unknown>;
}

export type LogSink = (line: string) => void;

const encoder = new TextEncoder();
const stderrSink: LogSink = (line) => {
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr closed (daemonised without a terminal): the ring still has the entry.
  }
};

/** The ring of recent entries shared by every logger of one process, with live subscribers. */
export class LogRing {
  #entries: LogEntry[] = [];
  #seq = 0;
  #listeners = new Set<(entry: LogEntry) => void>();

  constructor(readonly capacity = 1000) {}

  add(entry: Omit<LogEntry, "seq">): LogEntry {
    const full = { ...entry, seq: ++this.#seq };
    this.#entries.push(full);
    if (this.#entries.length > this.capacity) this.#entries.shift();
    for (const listener of this.#listeners) listener(full);
    return full;
  }

  /** Entries after `afterSeq`, oldest first, optionally at or above a level. */
  entries(options: { afterSeq?: number; minLevel?: LogLevel } = {}): LogEntry[] {
    const min = levelRank[options.minLevel ?? "debug"];
    return this.#entries.filter((e) => e.seq > (options.afterSeq ?? 0) && levelRank[e.level] >= min);
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  ring?: LogRing;
  sink?: LogSink;
  /** Prefix each line with its syslog priority for journald; default: when JOURNAL_STREAM is set. */
  journal?: boolean;
}

interface LoggerConfig {
  level: LogLevel;
  format: LogFormat;
  sink: LogSink;
  journal: boolean;
}

/** Writes entries for one source; `child()` shares level, format, ring and sink. */
export class Logger {
  readonly ring: LogRing;
  #config: LoggerConfig;

  constructor(readonly source: string, options: LoggerOptions = {}, shared?: Logger["config"]) {
    this.ring = options.ring ?? new LogRing();
    this.#config = shared ?? {
      level: options.level ?? "info",
      format: options.format ?? (Deno.stderr.isTerminal() ? "text" : "json"),
      sink: options.sink ?? stderrSink,
      journal: options.journal ?? journalFromEnvironment(),
    };
  }

  /** The mutable configuration shared with children, so a settings change reaches every logger. */
  get config(): LoggerConfig {
    return this.#config;
  }

  child(source: string): Logger {
    return new Logger(source, { ring: this.ring }, this.#config);
  }

  setLevel(level: LogLevel): void {
    this.#config.level = level;
  }

  setFormat(format: LogFormat): void {
    this.#config.format = format;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#write("debug", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.#write("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.#write("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.#write("error", message, fields);
  }

  #write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (levelRank[level] < levelRank[this.#config.level]) return;
    const entry = this.ring.add({
      time: new Date().toISOString(),
      level,
      source: this.source,
      message,
      fields: fields && normaliseFields(fields),
    });
    const line = this.#config.format === "json" ? formatJson(entry) : formatText(entry);
    this.#config.sink(this.#config.journal ? `<${journalPriority[level]}>${line}` : line);
  }
}

function normaliseFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    // A field with no value says nothing; written it would read `user=undefined`.
    if (value === undefined) continue;
    out[key] = value instanceof Error ? `${value.name}: ${value.message}` : value;
  }
  return out;
}

function formatJson(entry: LogEntry): string {
  const { seq: _seq, fields, ...rest } = entry;
  const out: Record<string, unknown> = { ...rest };
  // The entry's own keys (time, level, source, message) come first and win over fields of that name.
  for (const [key, value] of Object.entries(fields ?? {})) if (!(key in out)) out[key] = value;
  return JSON.stringify(out);
}

/** One entry as a text line, as the console shows it (and the support bundle's log). */
export function formatText(entry: LogEntry): string {
  const fields = entry.fields
    ? " " + Object.entries(entry.fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(" ")
    : "";
  return `${entry.time} ${entry.level.toUpperCase().padEnd(5)} [${entry.source}] ${entry.message}${fields}`;
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}
