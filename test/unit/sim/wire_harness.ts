// Test support: one simulator association without sockets, driven by encoded CSTA requests like a client,
// with every APDU the simulator sends kept, decoded, and shown per monitored device in a readable form.

import { ManualClock } from "../../../src/clock.ts";
import { panasonicAarq } from "../../../src/csta/acse.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import type { ConnectionID } from "../../../src/csta/connection_id.ts";
import { type DeviceID, dialingNumber } from "../../../src/csta/device_id.ts";
import { decodeEventReport } from "../../../src/csta/event_report.ts";
import {
  type AnsweredOperationName,
  type ArgumentOf,
  decodeTypedResult,
  encodeTypedInvoke,
  type ResultOf,
} from "../../../src/csta/operations.ts";
import { encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import type { UniversalFailure } from "../../../src/csta/universal_failure.ts";
import { Association, type AssociationOptions } from "../../../src/sim/association.ts";
import { CdrTransmission } from "../../../src/sim/cdr.ts";
import { CallEngine, type CallEngineOptions, type LiveState } from "../../../src/sim/call_engine.ts";
import { DeviceAddressing, type DeviceForm } from "../../../src/sim/device_addressing.ts";
import { DevicePlan, type DevicePlanOptions } from "../../../src/sim/device_plan.ts";
import { FaultState } from "../../../src/sim/faults.ts";
import { KmeSystemData } from "../../../src/sim/kme_system_data.ts";
import { MonitorTable, type MonitorTableOptions } from "../../../src/sim/monitors.ts";
import { SwitchingFunctionDeviceLists } from "../../../src/sim/switching_function_devices.ts";

/** Options of {@link WireHarness}. */
export interface WireHarnessOptions {
  plan?: DevicePlanOptions;
  engine?: Partial<CallEngineOptions>;
  monitors?: MonitorTableOptions;
  deviceForm?: DeviceForm;
  association?: Partial<AssociationOptions>;
  /** Answer SystemStatus and CDR reports like a well-behaved client (default true). */
  autoAnswer?: boolean;
}

/** A request's outcome as the client sees it. */
export type WireReply<T> = { ok: true; value: T } | { ok: false; failure: UniversalFailure | string };

export class WireHarness {
  readonly clock = new ManualClock();
  readonly plan: DevicePlan;
  readonly engine: CallEngine;
  readonly addressing: DeviceAddressing;
  readonly monitors: MonitorTable;
  readonly faults = new FaultState();
  readonly association: Association;
  /** Every APDU the simulator sent, in order. */
  readonly sent: Uint8Array[] = [];
  closedReason?: string;
  /** crossRef hex → monitored device (as the client asked for it). */
  readonly #monitored = new Map<string, string>();
  #nextInvokeId = 1;
  readonly #autoAnswer: boolean;

  constructor(options: WireHarnessOptions = {}) {
    this.plan = DevicePlan.build(options.plan ?? { extensions: "101-110", trunks: 2 });
    this.engine = new CallEngine({ plan: this.plan, clock: this.clock, ...options.engine });
    this.addressing = new DeviceAddressing(this.plan, options.deviceForm);
    this.monitors = new MonitorTable(options.monitors);
    this.#autoAnswer = options.autoAnswer ?? true;
    this.association = new Association({
      engine: this.engine,
      clock: this.clock,
      addressing: this.addressing,
      monitors: this.monitors,
      cdr: new CdrTransmission(this.addressing),
      kme: new KmeSystemData(),
      deviceLists: new SwitchingFunctionDeviceLists(),
      faults: this.faults,
      ...options.association,
    }, {
      send: (apdu) => this.#onSent(apdu.slice()),
      close: (reason) => this.closedReason = reason,
    });
  }

  /** Sends the Panasonic AARQ; the simulator answers with the AARE and SystemStatus. */
  associate(): void {
    this.association.receive(panasonicAarq());
  }

  /** Sends raw APDU bytes as the client. */
  receive(apdu: Uint8Array): void {
    this.association.receive(apdu);
  }

  /** Sends a typed request and returns its typed result or the error it met. */
  request<N extends AnsweredOperationName>(operation: N, argument: ArgumentOf<N>): WireReply<ResultOf<N>> {
    const invokeId = this.#nextInvokeId++;
    const before = this.sent.length;
    this.association.receive(encodeTypedInvoke(invokeId, operation, argument));
    for (const apdu of this.sent.slice(before)) {
      const decoded = decodeApdu(apdu);
      if (decoded.kind === "returnResult" && decoded.invokeId === invokeId) {
        const value = decoded.result?.value;
        return { ok: true, value: value ? decodeTypedResult(operation, value) : ({} as ResultOf<N>) };
      }
      if (decoded.kind === "returnError" && decoded.invokeId === invokeId) {
        return { ok: false, failure: decoded.failure ?? `errcode ${decoded.errorCode}` };
      }
      if (decoded.kind === "reject" && decoded.invokeId === invokeId) {
        return { ok: false, failure: `reject ${JSON.stringify(decoded.problem)}` };
      }
    }
    return { ok: false, failure: "no answer" };
  }

  /** Like {@link request}, failing the test on an error. */
  must<N extends AnsweredOperationName>(operation: N, argument: ArgumentOf<N>): ResultOf<N> {
    const reply = this.request(operation, argument);
    if (!reply.ok) throw new Error(`${operation} refused: ${JSON.stringify(reply.failure)}`);
    return reply.value;
  }

  /** MonitorStart on each device by dialingNumber. */
  monitor(...devices: string[]): void {
    for (const device of devices) {
      const result = this.must("monitorStart", {
        monitorObject: { kind: "deviceObject", value: dialingNumber(device) },
        requestedMonitorFilter: {},
      });
      this.#monitored.set(hex(result.crossRefIdentifier), device);
    }
  }

  /** The device's newest connection in one of `states` (the order is the preference), as a ConnectionID. */
  conn(device: string, ...states: LiveState[]): ConnectionID {
    const conns = this.engine.connectionsOf(device);
    for (
      const state of states.length > 0
        ? states
        : (["connected", "alerting", "hold", "fail", "initiated"] as const)
    ) {
      const match = conns.filter((c) => c.state === state).at(-1);
      if (match) return this.addressing.connectionId(match);
    }
    throw new Error(`${device} has no connection in ${states.join("/") || "any state"}`);
  }

  dev(number: string): DeviceID {
    return dialingNumber(number);
  }

  /** The EventReports sent so far, per monitored device, in readable form. */
  eventsByDevice(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const device of this.#monitored.values()) out[device] = [];
    for (const apdu of this.sent) {
      const decoded = decodeApdu(apdu);
      if (decoded.kind !== "invoke" || decoded.opcode !== 21 || !decoded.argument) continue;
      const report = decodeEventReport(decoded.argument);
      const device = this.#monitored.get(hex(report.crossRefIdentifier)) ??
        `crossRef ${hex(report.crossRefIdentifier)}`;
      (out[device] ??= []).push(readable(report.event));
    }
    return out;
  }

  /** Hex of every APDU sent after the first `from`. */
  sentHex(from = 0): string[] {
    return this.sent.slice(from).map(spacedHex);
  }

  #onSent(apdu: Uint8Array): void {
    this.sent.push(apdu);
    if (!this.#autoAnswer || apdu[0] !== 0xa1) return;
    let decoded;
    try {
      decoded = decodeApdu(apdu);
    } catch {
      return; // the malformed frame of fault injection
    }
    if (decoded.kind !== "invoke") return;
    // A client answers SystemStatus (§9) and CDR reports (§10); queue it so the simulator is not re-entered.
    if (decoded.opcode === 211 || decoded.opcode === 361) {
      queueAnswer(() =>
        this.association.receive(
          encodeReturnResult(decoded.invokeId, { opcode: decoded.opcode, value: NO_DATA }),
        )
      );
    }
  }
}

const pendingAnswers: (() => void)[] = [];
let draining = false;
function queueAnswer(answer: () => void): void {
  pendingAnswers.push(answer);
  if (draining) return;
  draining = true;
  try {
    while (pendingAnswers.length > 0) pendingAnswers.shift()!();
  } finally {
    draining = false;
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function spacedHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
}

/**
 * A decoded event made readable for fixtures: DeviceIDs become their digits (`"#16777217"` for a
 * deviceNumber), ConnectionIDs `"<callID hex>@<device>"`, other bytes hex, choice wrappers flattened.
 */
export function readable(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(readable);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if ("deviceIdentifier" in record && typeof record.deviceIdentifier === "object") {
    const id = record.deviceIdentifier as { kind: string; value: unknown };
    return id.kind === "deviceNumber" ? `#${id.value}` : String(id.value);
  }
  if ("callID" in record && record.callID instanceof Uint8Array) {
    const device = (record.deviceID as { value: unknown } | undefined)?.value;
    return `${hex(record.callID)}@${device === undefined ? "-" : readable(device)}`;
  }
  if ("kind" in record && Object.keys(record).length <= 2 && record.kind !== undefined) {
    if (!("value" in record)) return record.kind;
    if (record.kind === "deviceIdentifier" || record.kind === "numberdialed" || record.kind === "deviceID") {
      return readable(record.value);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(record)) out[key] = readable(field);
  return out;
}
