// The Prometheus text exposition format (version 0.0.4): families with HELP and TYPE, samples with escaped
// label values. Names follow the conventions: `cstabox_` prefix, `_total` counters, base units.

export type MetricType = "counter" | "gauge" | "summary";

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the family name: `_sum`, `_count` of a summary. */
  suffix?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The families as exposition text; throws on a name that would make the text invalid (a bug here). */
export function renderExposition(families: readonly MetricFamily[]): string {
  let out = "";
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    if (family.type === "counter" && !family.name.endsWith("_total")) {
      throw new Error(`counter ${family.name} must end in _total`);
    }
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      out += family.name + (sample.suffix ?? "") + labels(sample.labels) + " " + number(sample.value) + "\n";
    }
  }
  return out;
}

function labels(set: Record<string, string> | undefined): string {
  if (!set) return "";
  const entries = Object.entries(set);
  if (entries.length === 0) return "";
  return "{" + entries.map(([name, value]) => {
    if (!LABEL.test(name) || name.startsWith("__")) throw new Error(`invalid label name ${name}`);
    return `${name}="${escapeLabel(value)}"`;
  }).join(",") + "}";
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
