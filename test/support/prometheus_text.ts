// A strict reader of the Prometheus text exposition format 0.0.4 for tests, standing in for
// `promtool check metrics` (Debian's prometheus package is 96 MB installed: too large for CI). It checks
// what the format requires and what promtool's lint flags: TYPE before samples and once, families in one
// group, valid names and escapes, suffixes that fit the type, no duplicate series, help on every family,
// counters ending in _total, no _total on other types, base units only.

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const NON_BASE_UNITS =
  /_(milliseconds|microseconds|nanoseconds|minutes|hours|days_total|kilobytes|megabytes|gigabytes|percent)(_|$)/;

/** Parses `text`; throws an Error naming the line for the first problem. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  const seriesSeen = new Set<string>();
  const closed = new Set<string>();
  let current: ParsedFamily | undefined;
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("the text must end with a line feed");
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line.slice(0, 80))})`;
    const fail = (why: string): never => {
      throw new Error(`${where}: ${why}`);
    };
    if (line === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name, rest] = match;
      if (!NAME.test(name)) fail(`invalid metric name ${name}`);
      let family = families.get(name);
      if (family && closed.has(name)) fail(`${name} appears again after other families (not one group)`);
      if (!family) {
        if (current) closed.add(current.name);
        family = { name, type: "untyped", help: "", samples: [] };
        families.set(name, family);
        current = family;
      }
      if (keyword === "TYPE") {
        if (!TYPES.has(rest)) fail(`unknown type ${rest}`);
        if (family.samples.length > 0) fail(`TYPE of ${name} after its samples`);
        if ((family as ParsedFamily & { typed?: boolean }).typed) fail(`second TYPE for ${name}`);
        (family as ParsedFamily & { typed?: boolean }).typed = true;
        family.type = rest;
      } else {
        if (family.help !== "") fail(`second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) fail("HELP has an escape other than \\\\ and \\n");
        family.help = rest;
      }
      return;
    }
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name, families, current);
    if (!family) fail(`sample ${sample.name} has no TYPE line before it`);
    if (family !== current) fail(`sample ${sample.name} outside its family's group`);
    checkSuffix(family!, sample, fail);
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort());
    if (seriesSeen.has(key)) fail(`duplicate series ${key}`);
    seriesSeen.add(key);
    family!.samples.push(sample);
  });
  for (const family of families.values()) lint(family);
  return families;
}

function familyOf(
  name: string,
  families: Map<string, ParsedFamily>,
  current?: ParsedFamily,
): ParsedFamily | undefined {
  if (families.has(name)) return families.get(name);
  for (const suffix of ["_sum", "_count", "_bucket"]) {
    if (name.endsWith(suffix)) {
      const base = families.get(name.slice(0, -suffix.length));
      if (base && (base.type === "summary" || base.type === "histogram")) return base;
    }
  }
  return current?.name === name ? current : undefined;
}

function checkSuffix(family: ParsedFamily, sample: ParsedSample, fail: (why: string) => never): void {
  const suffix = sample.name.slice(family.name.length);
  if (family.type === "summary") {
    if (suffix === "" && !("quantile" in sample.labels)) fail("a summary sample without quantile label");
    if (suffix === "" && !/^(0(\.\d+)?|1(\.0+)?)$/.test(sample.labels.quantile)) {
      fail("quantile must be in [0, 1]");
    }
    if (!["", "_sum", "_count"].includes(suffix)) fail(`summary sample ${sample.name}`);
    if (suffix === "_count" && (!Number.isInteger(sample.value) || sample.value < 0)) {
      fail("a count is a whole number");
    }
  } else if (family.type === "histogram") {
    if (!["_bucket", "_sum", "_count"].includes(suffix)) fail(`histogram sample ${sample.name}`);
  } else if (suffix !== "") {
    fail(`sample ${sample.name} does not belong to ${family.type} ${family.name}`);
  }
  if (family.type === "counter" && (sample.value < 0 || Number.isNaN(sample.value))) {
    fail("a counter is never negative");
  }
}

function parseSample(line: string, fail: (why: string) => never): ParsedSample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) fail("not a sample line");
  const [, name, , body, valueText] = match!;
  const labels: Record<string, string> = {};
  if (body !== undefined && body !== "") {
    let rest = body;
    while (rest.length > 0) {
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
      if (!label) fail(`bad label syntax at ${JSON.stringify(rest.slice(0, 40))}`);
      const [whole, labelName, raw] = label!;
      if (!LABEL.test(labelName) || labelName.startsWith("__")) fail(`invalid label name ${labelName}`);
      if (labelName in labels) fail(`label ${labelName} twice`);
      labels[labelName] = raw.replace(/\\(["\\n])/g, (_, c) => (c === "n" ? "\n" : c));
      rest = rest.slice(whole.length);
    }
  }
  let value: number;
  if (valueText === "NaN") value = NaN;
  else if (valueText === "+Inf") value = Infinity;
  else if (valueText === "-Inf") value = -Infinity;
  else if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(valueText)) value = Number(valueText);
  else fail(`value ${valueText} is no float`);
  return { name: name!, labels, value: value! };
}

/** The conventions promtool's lint checks. */
function lint(family: ParsedFamily): void {
  const fail = (why: string): never => {
    throw new Error(`${family.name}: ${why}`);
  };
  if (family.help.trim() === "") fail("no HELP text");
  if (family.type === "untyped") fail("no TYPE");
  if (family.type === "counter" && !family.name.endsWith("_total")) fail("a counter's name ends in _total");
  if (family.type !== "counter" && family.name.endsWith("_total")) fail("only counters end in _total");
  if (family.name !== family.name.toLowerCase()) fail("names are snake_case");
  if (NON_BASE_UNITS.test(family.name)) fail("use base units (seconds, bytes)");
}
