// The support bundle: one .tar.gz a support engineer asks for, with status, the settings with every secret
// masked, the recent log, the last CSTA trace and the versions. Built in memory: it is small (the log ring
// and one trace, at most trace.maxFrames frames).

import { formatText, type LogEntry } from "../log/logger.ts";
import type { Settings } from "../settings/schema.ts";
import type { FrameTrace } from "../trace/frame_trace.ts";
import { traceTextLines } from "../trace/trace_text.ts";
import { gzip, writeTar } from "./tar_archive.ts";

/** What a secret is replaced with. */
export const MASKED = "(masked)";

/** Setting names whose text value is a secret (or names one): passwords, passphrases, tokens, keys. */
const SECRET_NAME = /pass|secret|token|key|credential/i;

/** A URL's `user:password@` part anywhere in a text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"']+@/gi;

export interface SupportBundleInput {
  version: string;
  now: number;
  /** Everything the status API reports. */
  status: unknown;
  settings: Settings;
  log: readonly LogEntry[];
  trace?: FrameTrace;
}

/** Settings with every secret replaced by {@link MASKED}: by name, and credentials inside URLs. */
export function maskSecrets(value: unknown, name = ""): unknown {
  if (typeof value === "string") {
    if (value !== "" && SECRET_NAME.test(name)) return MASKED;
    return maskUrlCredentials(value);
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, name));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, maskSecrets(child, key)]));
  }
  return value;
}

/** The text values of the secret-named settings, longest first (so none is left half masked). */
function secretValues(value: unknown, name = ""): string[] {
  if (typeof value === "string") return value !== "" && SECRET_NAME.test(name) ? [value] : [];
  if (value === null || typeof value !== "object") return [];
  const children = Array.isArray(value)
    ? value.flatMap((item) => secretValues(item, name))
    : Object.entries(value).flatMap(([key, child]) => secretValues(child, key));
  return children.sort((a, b) => b.length - a.length);
}

/** A text with every `scheme://user:password@` reduced to `scheme://(masked)@`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, (_whole, scheme: string) => `${scheme}${MASKED}@`);
}

/** The bundle's file name and bytes. */
export async function buildSupportBundle(
  input: SupportBundleInput,
): Promise<{ filename: string; bytes: Uint8Array }> {
  // Secret values are also masked wherever else they appear (a log line, a status field).
  const secrets = secretValues(input.settings);
  const text = (s: string) => {
    let masked = maskUrlCredentials(s);
    for (const secret of secrets) masked = masked.replaceAll(secret, MASKED);
    return new TextEncoder().encode(masked);
  };
  const json = (value: unknown) => text(JSON.stringify(value, null, 2) + "\n");
  const createdAt = new Date(input.now).toISOString();
  const versions = {
    cstabox: input.version,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    osRelease: Deno.osRelease(),
    createdAt,
  };
  const trace = input.trace?.last
    ? [...traceTextLines(input.trace, input.version)].join("\n") + "\n"
    : "No CSTA trace was recorded since cstabox started.\n";
  const mtime = Math.floor(input.now / 1000);
  const tar = writeTar([
    { name: "README.txt", bytes: text(readme(createdAt, input.version)), mtime },
    { name: "versions.json", bytes: json(versions), mtime },
    { name: "status.json", bytes: json(input.status), mtime },
    { name: "settings.json", bytes: json(maskSecrets(input.settings)), mtime },
    { name: "log.txt", bytes: text(input.log.map(formatText).join("\n") + "\n"), mtime },
    { name: "trace.txt", bytes: text(trace), mtime },
  ]);
  const stamp = createdAt.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return { filename: `cstabox-support-${stamp}.tar.gz`, bytes: await gzip(tar) };
}

function readme(createdAt: string, version: string): string {
  return `cstabox ${version} support bundle, made ${createdAt}

versions.json  cstabox, Deno, V8, TypeScript, operating system
status.json    every service's state and figures, as GET /api/status gives them
settings.json  the settings in force; passwords, tokens and keys are ${MASKED}, and so are user:password@ in URLs
log.txt        the recent log kept in memory (the last entries of every level)
trace.txt      the last CSTA trace (AARQ passwords masked), if one was recorded

Users, call records and the database are not included: send a backup only if asked for one.
`;
}
