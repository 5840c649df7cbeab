// One CSTA association with the simulated PBX, without sockets: the ACSE handshake (§2.3), SystemStatus
// keep-alive (§9), requests answered from the call engine, monitors and CDR, and the PBX's own invokes
// (events, device lists, CDR reports) with the PBX's own invoke-ID counter (§3).

import type { Clock, TimerHandle } from "../clock.ts";
import {
  encodeAareRejected,
  encodeAbrt,
  encodeRlre,
  encodeRlrq,
  PANASONIC_APPLICATION_CONTEXT,
  panasonicAareAccepted,
} from "../csta/acse.ts";
import { decodeApdu } from "../csta/apdu.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import { encodeEventReport } from "../csta/event_report.ts";
import {
  decodeKmeEscape,
  encodeDeviceListRequestResult,
  encodeDeviceListSegment,
} from "../csta/kme_private_data.ts";
import { Opcode } from "../csta/opcodes.ts";
import { decodeTypedInvoke, encodeTypedInvoke, type TypedInvoke } from "../csta/operations.ts";
import {
  encodeReject,
  encodeReturnError,
  type InvokeApdu,
  type ReturnErrorApdu,
  type ReturnResultApdu,
} from "../csta/rose.ts";
import type { Logger } from "../log/logger.ts";
import type { CdrTransmission } from "./cdr.ts";
import type { CallEngine } from "./call_engine.ts";
import type { DeviceKey, EngineFact } from "./call_facts.ts";
import type { DeviceAddressing } from "./device_addressing.ts";
import type { PlanChange } from "./device_plan.ts";
import { eventReportsFor } from "./event_builder.ts";
import { FaultState, MALFORMED_APDU, type ReleaseStyle } from "./faults.ts";
import type { KmeSystemData } from "./kme_system_data.ts";
import type { MonitorTable } from "./monitors.ts";
import type { SwitchingFunctionDeviceLists } from "./switching_function_devices.ts";
import { type Reply, RequestHandler } from "./request_handler.ts";

/** Where an association's APDUs go; the server frames them and owns the socket. */
export interface AssociationLink {
  send(apdu: Uint8Array): void;
  close(reason: string): void;
}

/** Everything an association works with; the tables are shared so IDs keep counting across associations. */
export interface AssociationOptions {
  engine: CallEngine;
  clock: Clock;
  addressing: DeviceAddressing;
  monitors: MonitorTable;
  cdr: CdrTransmission;
  kme: KmeSystemData;
  deviceLists: SwitchingFunctionDeviceLists;
  faults?: FaultState;
  /** SystemStatus keep-alive period in ms; 0 switches it off. Panasonic's period is unknown (§9 [?]). */
  keepaliveMs?: number;
  /** Keep-alives left unanswered before the PBX drops the client; 0: never (§9 [?], default 3). */
  maxUnansweredKeepalives?: number;
  /** How the PBX ends an association it drops (§2.5 [?]). Default "abort". */
  release?: ReleaseStyle;
  logger?: Logger;
}

export type AssociationState = "awaitingAarq" | "associated" | "closed";

/** Counters for status pages and benchmarks. */
export interface AssociationStats {
  requests: number;
  eventReports: number;
  /** EventReports per monitored device (the PBX's own count, to compare with what applications got). */
  eventReportsByDevice: Map<DeviceKey, number>;
  cdrReports: number;
  keepalivesSent: number;
}

/** What an own invoke was, to match the client's answer (§13.1). */
type OwnInvoke = "systemStatus" | "cdrReport" | "monitorStop" | "devicesChanged" | "noAnswer";

const MAX_INVOKE_ID = 32767;

/** One association, from AARQ to release. Feed it APDUs with {@link receive}. */
export class Association {
  readonly stats: AssociationStats = {
    requests: 0,
    eventReports: 0,
    eventReportsByDevice: new Map(),
    cdrReports: 0,
    keepalivesSent: 0,
  };
  readonly #options: AssociationOptions;
  readonly #link: AssociationLink;
  readonly #faults: FaultState;
  readonly #keepaliveMs: number;
  readonly #maxUnanswered: number;
  readonly #release: ReleaseStyle;
  readonly #pending = new Map<number, OwnInvoke>();
  readonly #timers = new Set<TimerHandle>();
  #state: AssociationState = "awaitingAarq";
  #nextInvokeId = 1;
  #unansweredKeepalives = 0;
  #keepaliveTimer?: TimerHandle;
  #deferDepth = 0;
  #deferred: Uint8Array[] = [];
  #unsubscribe: (() => void)[] = [];

  constructor(options: AssociationOptions, link: AssociationLink) {
    this.#options = options;
    this.#link = link;
    this.#faults = options.faults ?? new FaultState();
    this.#keepaliveMs = options.keepaliveMs ?? 60_000;
    this.#maxUnanswered = options.maxUnansweredKeepalives ?? 3;
    this.#release = options.release ?? "abort";
  }

  get state(): AssociationState {
    return this.#state;
  }

  /** One APDU from the client (the bytes after the 2-byte length). */
  receive(apdu: Uint8Array): void {
    if (this.#state === "closed" || this.#faults.stopAnswering) return;
    if (this.#state === "awaitingAarq") return this.#onFirstApdu(apdu);
    let decoded;
    try {
      decoded = decodeApdu(apdu);
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      this.#options.logger?.debug("malformed APDU from client", { error: error.message });
      return this.#send(encodeReject(null, { kind: "general", value: "badlyStructuredPDU" }));
    }
    switch (decoded.kind) {
      case "invoke":
        return this.#onInvoke(decoded);
      case "returnResult":
      case "returnError":
        return this.#onAnswer(decoded);
      case "reject":
        this.#pending.delete(decoded.invokeId ?? -1);
        return;
      case "rlrq":
        this.#send(encodeRlre());
        return this.#close("client released the association");
      case "abrt":
        return this.#close("client aborted the association");
      default:
        // A second AARQ, or an AARE/RLRE out of place: a protocol error ends the association.
        return this.drop(`unexpected ${decoded.kind} on an established association`);
    }
  }

  /** The transport closed (or the server shuts down): stop everything without sending. */
  end(reason: string): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#cleanUp();
    this.#options.logger?.info("association ended", { reason });
  }

  /** The PBX ends the association itself, in the configured release style (fault injection, keep-alive). */
  drop(reason: string): void {
    if (this.#state === "closed") return;
    if (this.#release === "abort") this.#link.send(encodeAbrt());
    else if (this.#release === "release") this.#link.send(encodeRlrq());
    this.#close(reason);
  }

  /** Fault injection: one frame whose APDU is not valid BER. */
  sendMalformedFrame(): void {
    if (this.#state !== "closed") this.#link.send(MALFORMED_APDU);
  }

  // ---- handshake ----

  #onFirstApdu(apdu: Uint8Array): void {
    let aarq;
    try {
      aarq = decodeApdu(apdu);
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      return this.drop(`malformed first APDU: ${error.message}`);
    }
    if (aarq.kind !== "aarq") return this.drop(`expected an AARQ, got ${aarq.kind}`);
    if (aarq.applicationContextName !== PANASONIC_APPLICATION_CONTEXT) {
      // The one thing the PBX is known to check. §2.3 [C-pbx]
      this.#link.send(
        encodeAareRejected({ kind: "acseServiceUser", value: "applicationContextNameNotSupported" }),
      );
      return this.#close(`application context ${aarq.applicationContextName ?? "missing"} refused`);
    }
    this.#state = "associated";
    this.#link.send(panasonicAareAccepted());
    this.#subscribe();
    this.#sendSystemStatus();
    this.#scheduleKeepalive();
    this.#options.logger?.info("association established");
  }

  #subscribe(): void {
    this.#unsubscribe.push(this.#options.engine.subscribe((fact) => this.#onFact(fact)));
    this.#unsubscribe.push(this.#options.engine.plan.onChange((change) => this.#onPlanChange(change)));
  }

  // ---- keep-alive (§9) ----

  #scheduleKeepalive(): void {
    if (this.#keepaliveMs <= 0) return;
    this.#keepaliveTimer = this.#options.clock.setTimeout(() => {
      this.#keepaliveTimer = undefined;
      if (this.#state !== "associated") return;
      if (!this.#faults.stopAnswering) {
        if (this.#maxUnanswered > 0 && this.#unansweredKeepalives >= this.#maxUnanswered) {
          return this.drop(`${this.#unansweredKeepalives} SystemStatus invokes left unanswered`);
        }
        this.#sendSystemStatus();
      }
      this.#scheduleKeepalive();
    }, this.#keepaliveMs);
  }

  /** SystemStatus(normal); the first one after the AARE has invoke ID 1. §2.3, §9 [C-pbx] */
  #sendSystemStatus(): void {
    const id = this.#invokeId("systemStatus");
    this.#unansweredKeepalives++;
    this.stats.keepalivesSent++;
    this.#send(encodeTypedInvoke(id, "systemStatus", { systemStatus: "normal" }));
  }

  // ---- the client's answers to the PBX's invokes ----

  #onAnswer(answer: ReturnResultApdu | ReturnErrorApdu): void {
    const kind = this.#pending.get(answer.invokeId);
    if (kind === undefined) {
      return this.#send(encodeReject(answer.invokeId, {
        kind: answer.kind === "returnResult" ? "returnResult" : "returnError",
        value: "unrecognizedInvocation",
      }));
    }
    this.#pending.delete(answer.invokeId);
    if (kind === "noAnswer" && answer.kind === "returnResult") {
      // EventReport and SwitchingFunctionDevices are never answered with a result. §3 [C-std]
      return this.#send(
        encodeReject(answer.invokeId, { kind: "returnResult", value: "resultResponseUnexpected" }),
      );
    }
    if (kind === "systemStatus") this.#unansweredKeepalives = 0;
    if (kind === "cdrReport") {
      this.#options.cdr.acknowledged();
      this.#pumpCdr();
    }
  }

  // ---- facts from the engine and the plan ----

  #onFact(fact: EngineFact): void {
    if (this.#state !== "associated" || this.#faults.stopAnswering) return;
    if (fact.kind === "callEnded") {
      this.#options.cdr.add(fact.record);
      return this.#pumpCdr();
    }
    for (const report of eventReportsFor(fact, this.#options.monitors, this.#options.addressing)) {
      this.stats.eventReports++;
      const byDevice = this.stats.eventReportsByDevice;
      byDevice.set(report.device, (byDevice.get(report.device) ?? 0) + 1);
      this.#send(encodeEventReport(this.#invokeId("noAnswer"), report.argument));
    }
  }

  #pumpCdr(): void {
    const report = this.#options.cdr.next();
    if (!report) return;
    this.stats.cdrReports++;
    this.#send(encodeTypedInvoke(this.#invokeId("cdrReport"), "cDRReport", report));
  }

  #onPlanChange(change: PlanChange): void {
    if (this.#state !== "associated" || this.#faults.stopAnswering) return;
    if (change.kind === "removed") {
      // The switch may stop monitors itself (§6 MonitorStop "both" directions).
      for (const monitor of this.#options.monitors.dropDevice(change.device.number)) {
        this.#send(encodeTypedInvoke(this.#invokeId("monitorStop"), "monitorStop", {
          crossRefIdentifier: monitor.crossRef,
        }));
      }
    }
    this.#send(encodeTypedInvoke(this.#invokeId("devicesChanged"), "swFunctionDevicesChanged", {}));
  }

  // ---- requests ----

  #onInvoke(invoke: InvokeApdu): void {
    this.stats.requests++;
    const delay = this.#faults.answerDelayMs;
    if (delay <= 0) return this.#answerInvoke(invoke);
    // The argument is a view into the read buffer: keep a copy for later.
    const copy = invoke.argument
      ? { ...invoke, argument: { bytes: invoke.argument.bytes.slice(), offset: invoke.argument.offset } }
      : invoke;
    const handle = this.#options.clock.setTimeout(() => {
      this.#timers.delete(handle);
      if (this.#state === "associated" && !this.#faults.stopAnswering) this.#answerInvoke(copy);
    }, delay);
    this.#timers.add(handle);
  }

  #answerInvoke(invoke: InvokeApdu): void {
    // Events caused by the request go out after its answer.
    this.#deferDepth++;
    let reply: Reply;
    try {
      reply = this.#handle(invoke);
    } finally {
      this.#deferDepth--;
    }
    const id = invoke.invokeId;
    if (reply.kind === "result") this.#send(reply.apdu);
    else if (reply.kind === "error") this.#send(encodeReturnError(id, reply.failure));
    else this.#send(encodeReject(id, reply.problem));
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const apdu of deferred) this.#send(apdu);
    if (reply.kind === "result") { for (const step of reply.after ?? []) step(); }
  }

  #handle(invoke: InvokeApdu): Reply {
    if (invoke.opcode === Opcode.escape) return this.#escape(invoke);
    let typed: TypedInvoke | undefined;
    try {
      typed = decodeTypedInvoke(invoke);
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      return { kind: "reject", problem: { kind: "invoke", value: "mistypedArgument" } };
    }
    if (!typed) return { kind: "reject", problem: { kind: "invoke", value: "unrecognizedOperation" } };
    const sendOwn = (build: (invokeId: number) => Uint8Array) =>
      this.#send(build(this.#invokeId("noAnswer")));
    return new RequestHandler(this.#options, invoke.invokeId, sendOwn).handle(typed);
  }

  /** The KME GetSystemData escape (§11): answer with a KME cross reference, then the segments. */
  #escape(invoke: InvokeApdu): Reply {
    if (!invoke.argument) return { kind: "reject", problem: { kind: "invoke", value: "mistypedArgument" } };
    let kme;
    try {
      kme = decodeKmeEscape(invoke.argument);
    } catch (error) {
      if (!(error instanceof CstaDecodeError)) throw error;
      return { kind: "reject", problem: { kind: "invoke", value: "mistypedArgument" } };
    }
    if (kme.kind !== "deviceListRequest") {
      return { kind: "error", failure: { kind: "operation", value: "privateDataNotSupported" } };
    }
    const answer = this.#options.kme.answer(this.#options.engine.plan, kme.category);
    return {
      kind: "result",
      apdu: encodeDeviceListRequestResult(invoke.invokeId, answer.crossRefID),
      after: answer.segments.map((segment) => () =>
        this.#send(encodeDeviceListSegment(this.#invokeId("noAnswer"), segment))
      ),
    };
  }

  // ---- plumbing ----

  /** The PBX's next invoke ID (1..32767, §3), skipping IDs still waiting for an answer. */
  #invokeId(kind: OwnInvoke): number {
    for (let tries = 0; tries < MAX_INVOKE_ID; tries++) {
      const id = this.#nextInvokeId;
      this.#nextInvokeId = id >= MAX_INVOKE_ID ? 1 : id + 1;
      const waiting = this.#pending.get(id);
      if (waiting === undefined || waiting === "noAnswer") {
        this.#pending.set(id, kind);
        return id;
      }
    }
    throw new Error("association: every invoke ID is waiting for an answer");
  }

  #send(apdu: Uint8Array): void {
    if (this.#state === "closed") return;
    if (this.#deferDepth > 0 && apdu[0] === 0xa1) this.#deferred.push(apdu);
    else this.#link.send(apdu);
  }

  #close(reason: string): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#cleanUp();
    this.#link.close(reason);
    this.#options.logger?.info("association closed", { reason });
  }

  #cleanUp(): void {
    if (this.#keepaliveTimer !== undefined) this.#options.clock.clearTimeout(this.#keepaliveTimer);
    for (const handle of this.#timers) this.#options.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#options.monitors.clear();
    this.#options.cdr.reset();
    this.#pending.clear();
    this.#deferred = [];
  }
}
