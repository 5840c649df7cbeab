// Keeping the line store in step with the devices the PBX offers: a plan (what would be added, changed
// and removed) that an administrator can preview, and the application of that plan.

import { type ExtensionRange, inExtensionRanges } from "./extension_ranges.ts";
import { checkLineNumber, type Line, LINE_NAME_MAX, type LineKind, LineValueError } from "./line.ts";
import type { LineRepository } from "./line_repository.ts";

/**
 * A device as the PBX offers it (GetSwitchingFunctionDevices §9, or the KME device list §11 [?]); the query
 * itself belongs to the PBX link, which hands its answer here.
 */
export interface OfferedDevice {
  number: string;
  deviceNumber?: number | null;
  kind: LineKind;
  name?: string;
}

export interface LineChange {
  before: Line;
  after: Line;
  /** The fields that differ, e.g. `["deviceNumber", "missingFromPbx"]`. */
  fields: (keyof Line)[];
}

/** An offered device that will not become a line, and why (outside the ranges, unusable number, repeated). */
export interface SkippedDevice {
  number: string;
  reason: string;
}

export interface LineSyncPlan {
  add: Line[];
  change: LineChange[];
  /** Lines the PBX no longer offers and that are not yet flagged as missing. */
  remove: Line[];
  /** Lines already flagged as missing that the PBX still does not offer. */
  missing: Line[];
  unchanged: number;
  skipped: SkippedDevice[];
}

export interface LineSyncOptions {
  /** Take the names the PBX reports (estos "Read names of the lines"); default true. */
  readNames?: boolean;
}

/** What to do with lines the PBX no longer offers: keep them flagged as missing, or delete them. */
export type RemovalMode = "flag" | "delete";

export interface LineSyncResult {
  added: string[];
  changed: string[];
  flagged: string[];
  deleted: string[];
}

/** Compares the store with what the PBX offers; pure, so the preview and the apply see the same plan. */
export function planLineSync(
  current: readonly Line[],
  offered: readonly OfferedDevice[],
  ranges: readonly ExtensionRange[],
  options: LineSyncOptions = {},
): LineSyncPlan {
  const readNames = options.readNames ?? true;
  const { accepted, skipped } = acceptOffered(offered, ranges);
  const byNumber = new Map(current.map((line) => [line.number, line]));
  const plan: LineSyncPlan = { add: [], change: [], remove: [], missing: [], unchanged: 0, skipped };
  for (const device of accepted) {
    const line = byNumber.get(device.number);
    if (!line) {
      plan.add.push(newLine(device, readNames));
      continue;
    }
    const change = compare(line, device, readNames);
    if (change) plan.change.push(change);
    else plan.unchanged++;
  }
  const offeredNumbers = new Set(accepted.map((device) => device.number));
  for (const line of current) {
    if (offeredNumbers.has(line.number)) continue;
    (line.missingFromPbx ? plan.missing : plan.remove).push(line);
  }
  return plan;
}

/** Whether applying the plan would change the store (already-missing lines count only when deleting). */
export function planHasChanges(plan: LineSyncPlan, removals: RemovalMode = "flag"): boolean {
  return plan.add.length + plan.change.length + plan.remove.length > 0 ||
    (removals === "delete" && plan.missing.length > 0);
}

/** Applies a plan in one transaction. Lines added since the preview are overwritten, not duplicated. */
export function applyLineSync(
  repository: LineRepository,
  plan: LineSyncPlan,
  options: { removals: RemovalMode },
): LineSyncResult {
  return repository.transaction(() => {
    const result: LineSyncResult = { added: [], changed: [], flagged: [], deleted: [] };
    for (const line of plan.add) result.added.push(repository.put(line).number);
    for (const { after } of plan.change) result.changed.push(repository.put(after).number);
    if (options.removals === "delete") {
      for (const line of [...plan.remove, ...plan.missing]) {
        if (repository.remove(line.number)) result.deleted.push(line.number);
      }
    } else {
      for (const line of plan.remove) {
        if (!repository.get(line.number)) continue;
        repository.update(line.number, { missingFromPbx: true });
        result.flagged.push(line.number);
      }
    }
    return result;
  });
}

function acceptOffered(offered: readonly OfferedDevice[], ranges: readonly ExtensionRange[]) {
  const accepted: OfferedDevice[] = [];
  const skipped: SkippedDevice[] = [];
  const seen = new Set<string>();
  for (const device of offered) {
    let number: string;
    try {
      number = checkLineNumber(device.number);
    } catch (error) {
      if (!(error instanceof LineValueError)) throw error;
      skipped.push({ number: device.number, reason: error.message });
      continue;
    }
    if (ranges.length > 0 && !inExtensionRanges(ranges, number)) {
      skipped.push({ number, reason: "outside the extension ranges" });
    } else if (seen.has(number)) {
      skipped.push({ number, reason: "offered twice by the PBX" });
    } else {
      seen.add(number);
      accepted.push({ ...device, number });
    }
  }
  return { accepted, skipped };
}

function newLine(device: OfferedDevice, readNames: boolean): Line {
  return {
    number: device.number,
    name: readNames ? pbxName(device.name) : "",
    kind: device.kind,
    deviceNumber: device.deviceNumber ?? null,
    enabled: true,
    missingFromPbx: false,
  };
}

function compare(line: Line, device: OfferedDevice, readNames: boolean): LineChange | undefined {
  const after: Line = { ...line, kind: device.kind, missingFromPbx: false };
  if (device.deviceNumber !== undefined) after.deviceNumber = device.deviceNumber;
  const name = pbxName(device.name);
  if (readNames && name !== "") after.name = name;
  const fields = (Object.keys(after) as (keyof Line)[]).filter((field) => after[field] !== line[field]);
  return fields.length > 0 ? { before: line, after, fields } : undefined;
}

/** A PBX name made fit for the store: control characters dropped, trimmed, cut to the name limit. */
function pbxName(name: string | undefined): string {
  // deno-lint-ignore no-control-regex
  return (name ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, LINE_NAME_MAX).trim();
}
