// Test support: the seed's example lines as the acceptance reads them: runs of spaces collapsed, date,
// time and call ID left out, and an `X` of the seed (its anonymised digits) standing for any digit.

import { formatRecord } from "../../../src/smdr/record.ts";
import type { SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { collapseSpaces } from "../smdr/seed_scenarios.ts";

const HEAD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (\|(?:IN |OUT)\|) \d{22} /;

/** A collapsed record line with date, time and call ID replaced by placeholders. */
export function withoutWhenAndCallId(line: string): string {
  const collapsed = collapseSpaces(line);
  if (!HEAD.test(collapsed)) throw new Error(`not a record line: ${JSON.stringify(line)}`);
  return collapsed.replace(HEAD, "DATE TIME $1 CALLID ");
}

/** Whether a record equals a seed line except for date, time and call ID. */
export function matchesSeedLine(record: string, seedLine: string): boolean {
  const pattern = withoutWhenAndCallId(seedLine)
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replaceAll("X", "[0-9X]");
  return new RegExp(`^${pattern}$`).test(withoutWhenAndCallId(record));
}

/**
 * The record the SMDR service writes for an event of the seed's calls: the seed's contact and DDI names
 * come from its directories for inbound calls (a name the PBX gave wins, as in the service).
 */
export function seedRecord(event: SmdrEvent): string {
  const inbound = event.direction === "IN";
  return formatRecord({
    ...event,
    contactName: event.contactName ?? (inbound ? "CHRIS R MOBILE" : undefined),
    ddiName: inbound ? "CHRIS DID" : undefined,
  }, { padding: "0" });
}

/** Asserts-style helper: the lines that do not match, with both sides, for a readable failure. */
export function seedMismatches(records: string[], seedLines: string[]): string[] {
  const problems: string[] = [];
  if (records.length !== seedLines.length) {
    problems.push(`${records.length} records for ${seedLines.length} seed lines`);
  }
  for (let i = 0; i < Math.max(records.length, seedLines.length); i++) {
    const record = records[i];
    const seed = seedLines[i];
    if (record === undefined || seed === undefined || !matchesSeedLine(record, seed)) {
      problems.push(`line ${i + 1}:\n  got  ${record && collapseSpaces(record)}\n  seed ${seed}`);
    }
  }
  return problems;
}
