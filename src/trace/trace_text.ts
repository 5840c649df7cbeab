// A trace as plain text, the download a support engineer asks for: a header, then each frame on a line
// with its decode, the decoded fields and the hex indented below.

import type { FrameTrace, TraceFrame } from "./frame_trace.ts";

/** The direction as a support engineer reads it: who sent to whom. */
export function directionText(frame: Pick<TraceFrame, "direction" | "connection">): string {
  const peer = frame.connection === "PBX" ? "PBX" : "application";
  return frame.direction === "in" ? `${peer} -> cstabox` : `cstabox -> ${peer}`;
}

/** The one-line summary of a decoded frame: name, invoke ID, devices, call and crossRef IDs, causes. */
export function summaryText(frame: TraceFrame): string {
  const d = frame.description;
  if (!d) return "";
  const parts = [`${d.name} (${d.kind})`];
  if (d.invokeId !== null) parts.push(`invokeId=${d.invokeId}`);
  if (d.devices.length) parts.push(`devices=${d.devices.join(",")}`);
  if (d.callIds.length) parts.push(`callIds=${d.callIds.join(",")}`);
  if (d.crossRefs.length) parts.push(`crossRef=${d.crossRefs.join(",")}`);
  if (d.causes.length) parts.push(`causes=${d.causes.join(",")}`);
  if (d.problem) parts.push(`undecodable: ${d.problem}`);
  return parts.join("  ");
}

/** The whole of the last trace as text, built line by line. */
export function* traceTextLines(trace: FrameTrace, version: string): Generator<string> {
  const status = trace.status();
  const iso = (ms: number | null) => ms === null ? "-" : new Date(ms).toISOString();
  yield `# cstabox ${version} CSTA trace`;
  yield `# started ${iso(status.startedAt)}, ${status.running ? "running until" : "ended"} ${
    iso(status.endsAt)
  }` +
    (status.stoppedBecause ? ` (${status.stoppedBecause})` : "");
  yield `# recorded: PBX link ${status.selection?.pbx ? "yes" : "no"}, applications ${
    JSON.stringify(status.selection?.applications ?? "none")
  }; ${status.frames} frames kept, ${status.dropped} dropped (trace.maxFrames ${status.maxFrames})`;
  yield "# AARQ passwords are masked as 2a (*) octets";
  for (const frame of trace.last?.frames() ?? []) {
    yield `${iso(frame.at)}  ${frame.connection}  ${directionText(frame)}  ${summaryText(frame)}`;
    if (frame.description?.details) yield `    ${frame.description.details}`;
    yield `    ${frame.apdu.toHex()}`;
  }
}
