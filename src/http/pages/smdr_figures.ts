// The SMDR status as key-value words, shared by the dashboard card and the SMDR page: the store's figures
// (or its problem), and each mode as on, off, or not running with the reason.

import type { SmdrDetails } from "../../smdr/smdr_service.ts";
import type { ServiceStatuses } from "../status_source.ts";

/** "off" only when it is off: a service that failed or did not start says so, with the reason. */
function notRunning(status: { state: string; reason?: string } | undefined): string | undefined {
  if (!status || (status.state !== "failed" && status.state !== "stopped") || !status.reason) {
    return undefined;
  }
  return `not running: ${status.reason}`;
}

/** The local mode in words: where it listens and how many collectors, or why it does not. */
export function localModeWords(
  status: ServiceStatuses["smdr"],
  listening: (local: NonNullable<SmdrDetails["local"]>) => string,
): string {
  const local = status?.details?.local;
  if (local) return listening(local);
  return notRunning(status) ?? "off";
}

export function storeFigureRows(d: SmdrDetails | undefined, backlogLabel: string): [string, string][] {
  if (d?.storeProblem !== undefined) return [["Store", d.storeProblem]];
  return [["Records today", String(d?.recordsToday ?? 0)], [backlogLabel, String(d?.backlog ?? 0)]];
}
