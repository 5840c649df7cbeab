// A readable account of one APDU for the CSTA trace: its kind, the operation or event name, the invoke ID,
// the devices, call IDs, crossRefs and causes it carries, and every decoded field as `path=value` text.

import { decodeAcse } from "./acse.ts";
import { decodeApdu } from "./apdu.ts";
import { type BitString, setBitsOf } from "./bit_string.ts";
import type { DeviceIdentifier } from "./device_id.ts";
import { eventNameOf } from "./event_name.ts";
import { opcodeName } from "./opcodes.ts";
import {
  type AnsweredOperationName,
  decodeTypedInvoke,
  decodeTypedResult,
  operationOf,
  operations,
} from "./operations.ts";
import { peekApdu } from "./peek.ts";
import type { RoseApdu } from "./rose.ts";
import { describeUniversalFailure } from "./universal_failure.ts";

/** What the trace shows of one APDU. */
export interface FrameDescription {
  /** `aarq`, `invoke`, `returnResult`, …, or `unreadable`. */
  kind: string;
  /** The operation (`monitorStart`), the event (`delivered`) or the ACSE APDU (`AARQ`). */
  name: string;
  invokeId: number | null;
  devices: string[];
  callIds: string[];
  crossRefs: string[];
  causes: string[];
  /** Every decoded field as `path=value`, space separated. */
  details: string;
  /** Why the APDU (or its argument) could not be decoded, if so. */
  problem?: string;
}

/** Longest `details` text kept: a SnapshotDevice result of a busy device stays readable. */
const MAX_DETAILS = 2000;

/**
 * Describes one APDU (without frame header). Never throws: what cannot be decoded is named in `problem`.
 * Give it an AARQ already masked (`maskAarqPassword`); the password is also left out of the details.
 */
export function describeApdu(apdu: Uint8Array): FrameDescription {
  const out: FrameDescription = {
    kind: "unreadable",
    name: "?",
    invokeId: null,
    devices: [],
    callIds: [],
    crossRefs: [],
    causes: [],
    details: "",
  };
  const details: string[] = [];
  try {
    const first = apdu[0];
    if (first >= 0x60 && first <= 0x64) {
      const acse = decodeAcse(apdu);
      out.kind = acse.kind;
      out.name = acse.kind.toUpperCase();
      if (acse.kind === "aarq") {
        const { kind: _kind, credentials, callingAuthenticationValue: _hidden, ...rest } = acse;
        walk(rest, "", out, details);
        if (credentials?.name !== undefined) details.push(`user=${credentials.name}`);
        if (credentials?.password !== undefined) details.push("password=(masked)");
      } else walk({ ...acse, kind: undefined }, "", out, details);
    } else {
      const rose = decodeApdu(apdu) as RoseApdu;
      out.kind = rose.kind;
      out.invokeId = rose.invokeId;
      describeRose(apdu, rose, out, details);
    }
  } catch (error) {
    out.problem = error instanceof Error ? error.message : String(error);
  }
  out.details = details.join(" ").slice(0, MAX_DETAILS);
  return out;
}

function describeRose(apdu: Uint8Array, rose: RoseApdu, out: FrameDescription, details: string[]): void {
  switch (rose.kind) {
    case "invoke": {
      out.name = opcodeName(rose.opcode) ?? `operation ${rose.opcode}`;
      const typed = decodeTypedInvoke(rose);
      if (typed === undefined) return;
      if (typed.operation === "cSTAEventReport") {
        const { crossRefIdentifier, event } = typed.argument;
        out.crossRefs.push(crossRefIdentifier.toHex());
        if (event.kind === "unknown") {
          const peek = peekApdu(apdu);
          out.name = ("kind" in peek && peek.kind === "invoke" && eventNameOf(apdu, peek)) ||
            `event ${event.category}/${event.tag}`;
        } else {
          out.name = event.kind;
          walk({ ...event, kind: undefined }, "", out, details);
        }
        return;
      }
      walk(typed.argument, "", out, details);
      return;
    }
    case "returnResult": {
      const opcode = rose.result?.opcode;
      out.name = opcode === undefined ? "result" : `${opcodeName(opcode) ?? `operation ${opcode}`} result`;
      const operation = opcode === undefined ? undefined : operationOf(opcode);
      const value = rose.result?.value;
      if (operation === undefined || value === undefined || operations[operation].result === null) return;
      walk(decodeTypedResult(operation as AnsweredOperationName, value), "", out, details);
      return;
    }
    case "returnError":
      out.name = "error";
      if (rose.failure) out.causes.push(describeUniversalFailure(rose.failure));
      else details.push(`errorCode=${rose.errorCode}`);
      return;
    case "reject":
      out.name = "reject";
      out.causes.push(`${rose.problem.kind}/${rose.problem.value}`);
      return;
  }
}

/** DeviceIdentifier as an administrator reads it: the number, or the PBX's device number marked as such. */
function deviceText(identifier: DeviceIdentifier): string {
  const { kind, value } = identifier;
  if (kind === "deviceNumber") return `device number ${value}`;
  if (value instanceof Uint8Array) return value.toHex();
  if (typeof value === "object") return value.value;
  return value;
}

function isBitString(value: object): value is BitString {
  return "unusedBits" in value && "bytes" in value && value.bytes instanceof Uint8Array;
}

/** Flattens a decoded value into `path=value` pairs and picks out devices, call IDs, crossRefs and causes. */
function walk(value: unknown, path: string, out: FrameDescription, details: string[]): void {
  if (value === undefined) return;
  const key = path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "").toLowerCase();
  if (value === null || typeof value !== "object") {
    const text = String(value);
    if (key.includes("cause")) out.causes.push(text);
    details.push(`${path}=${text}`);
    return;
  }
  if (value instanceof Uint8Array) {
    const hex = value.toHex();
    if (key === "callid") out.callIds.push(hex);
    else if (key.includes("crossref")) out.crossRefs.push(hex);
    details.push(`${path}=${hex}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, out, details));
    return;
  }
  if (isBitString(value)) {
    details.push(`${path}={${setBitsOf(value).join(",")}}`);
    return;
  }
  if ("deviceIdentifier" in value) {
    const text = deviceText(value.deviceIdentifier as DeviceIdentifier);
    out.devices.push(text);
    details.push(`${path}=${text}`);
    return;
  }
  const prefix = path === "" ? "" : `${path}.`;
  // A CHOICE decodes as { kind, value }: shown as `path.kind=value`.
  if ("kind" in value && "value" in value && Object.keys(value).length === 2) {
    walk(value.value, `${prefix}${value.kind}`, out, details);
    return;
  }
  for (const [name, child] of Object.entries(value)) {
    if (name === "unknownFields") continue;
    walk(child, `${prefix}${name}`, out, details);
  }
}
