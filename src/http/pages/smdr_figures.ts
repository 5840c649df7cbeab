// The SMDR store's figures as key-value rows, shared by the dashboard card and the SMDR page: the
// figures, or the store's problem when it could not give them.

import type { SmdrDetails } from "../../smdr/smdr_service.ts";

export function storeFigureRows(d: SmdrDetails | undefined, backlogLabel: string): [string, string][] {
  if (d?.storeProblem !== undefined) return [["Store", d.storeProblem]];
  return [["Records today", String(d?.recordsToday ?? 0)], [backlogLabel, String(d?.backlog ?? 0)]];
}
