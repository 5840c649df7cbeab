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
import type { ConnectionID } from "../csta/connection_id.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import type { DeviceID } from "../csta/device_id.ts";
import { encodeEventReport } from "../csta/event_report.ts";
import {
  decodeKmeEscape,
  encodeDeviceListRequestResult,
  encodeDeviceListSegment,
} from "../csta/kme_private_data.ts";
import { Opcode } from "../csta/opcodes.ts";
import {
  type AnsweredOperationName,
  decodeTypedInvoke,
  encodeTypedInvoke,
  encodeTypedResult,
  type ResultOf,
  type TypedInvoke,
} from "../csta/operations.ts";
import {
  encodeReject,
  encodeReturnError,
  type InvokeApdu,
  type RejectProblem,
  type ReturnErrorApdu,
  type ReturnResultApdu,
} from "../csta/rose.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";
import type { Logger } from "../log/logger.ts";
import type { CdrTransmission } from "./cdr.ts";
import type { CallEngine, EngineResult } from "./call_engine.ts";
import type { ConnRef, EngineFact, ForwardingTypeName } from "./call_facts.ts";
import type { DeviceAddressing } from "./device_addressing.ts";
import type { PlanChange, PlanDevice } from "./device_plan.ts";
import { eventReportsFor } from "./event_builder.ts";
import { FaultState, MALFORMED_APDU, type ReleaseStyle } from "./faults.ts";
import type { KmeSystemData } from "./kme_system_data.ts";
import type { MonitorTable } from "./monitors.ts";
import type { SwitchingFunctionDeviceLists } from "./switching_function_devices.ts";

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
  cdrReports: number;
  keepalivesSent: number;
}

/** What an own invoke was, to match the client's answer (§13.1). */
type OwnInvoke = "systemStatus" | "cdrReport" | "monitorStop" | "devicesChanged" | "noAnswer";

type Reply =
  | { kind: "result"; apdu: Uint8Array; after?: (() => void)[] }
  | { kind: "error"; failure: UniversalFailure }
  | { kind: "reject"; problem: RejectProblem };

const MAX_INVOKE_ID = 32767;

/** One association, from AARQ to release. Feed it APDUs with {@link receive}. */
export class Association {
  readonly stats: AssociationStats = { requests: 0, eventReports: 0, cdrReports: 0, keepalivesSent: 0 };
  readonly #o: AssociationOptions;
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
    this.#o = options;
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
      this.#o.logger?.debug("malformed APDU from client", { error: error.message });
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
    this.#o.logger?.info("association ended", { reason });
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
    this.#o.logger?.info("association established");
  }

  #subscribe(): void {
    this.#unsubscribe.push(this.#o.engine.subscribe((fact) => this.#onFact(fact)));
    this.#unsubscribe.push(this.#o.engine.plan.onChange((change) => this.#onPlanChange(change)));
  }

  // ---- keep-alive (§9) ----

  #scheduleKeepalive(): void {
    if (this.#keepaliveMs <= 0) return;
    this.#keepaliveTimer = this.#o.clock.setTimeout(() => {
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
      this.#o.cdr.acknowledged();
      this.#pumpCdr();
    }
  }

  // ---- facts from the engine and the plan ----

  #onFact(fact: EngineFact): void {
    if (this.#state !== "associated" || this.#faults.stopAnswering) return;
    if (fact.kind === "callEnded") {
      this.#o.cdr.add(fact.record);
      return this.#pumpCdr();
    }
    for (const report of eventReportsFor(fact, this.#o.monitors, this.#o.addressing)) {
      this.stats.eventReports++;
      this.#send(encodeEventReport(this.#invokeId("noAnswer"), report.argument));
    }
  }

  #pumpCdr(): void {
    const report = this.#o.cdr.next();
    if (!report) return;
    this.stats.cdrReports++;
    this.#send(encodeTypedInvoke(this.#invokeId("cdrReport"), "cDRReport", report));
  }

  #onPlanChange(change: PlanChange): void {
    if (this.#state !== "associated" || this.#faults.stopAnswering) return;
    if (change.kind === "removed") {
      // The switch may stop monitors itself (§6 MonitorStop "both" directions).
      for (const monitor of this.#o.monitors.dropDevice(change.device.number)) {
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
    const handle = this.#o.clock.setTimeout(() => {
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
    return new RequestHandler(this.#o, invoke.invokeId, sendOwn).handle(typed);
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
    const answer = this.#o.kme.answer(this.#o.engine.plan, kme.category);
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
    this.#o.logger?.info("association closed", { reason });
  }

  #cleanUp(): void {
    if (this.#keepaliveTimer !== undefined) this.#o.clock.clearTimeout(this.#keepaliveTimer);
    for (const handle of this.#timers) this.#o.clock.clearTimeout(handle);
    this.#timers.clear();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#o.monitors.clear();
    this.#o.cdr.reset();
    this.#pending.clear();
    this.#deferred = [];
  }
}

/** Answers one typed request from the engine, the monitor table and the CDR state. */
class RequestHandler {
  constructor(
    readonly o: AssociationOptions,
    readonly invokeId: number,
    /** Sends one of the PBX's own invokes (built for the invoke ID it is given), after the answer. */
    readonly sendOwn: (build: (invokeId: number) => Uint8Array) => void,
  ) {}

  handle(request: TypedInvoke): Reply {
    const e = this.o.engine;
    switch (request.operation) {
      case "monitorStart": {
        const a = request.argument;
        if (a.monitorObject.kind !== "deviceObject") return this.error("operation", "invalidMonitorObject");
        const device = this.device(a.monitorObject.value);
        if (!device) return this.error("operation", "invalidDeviceID");
        const started = this.o.monitors.start(device.number, a.requestedMonitorFilter ?? {});
        return this.answer(started, "monitorStart", (m) => ({
          crossRefIdentifier: m.crossRef,
          ...(a.requestedMonitorFilter ? { actualmonitorFilter: m.filter } : {}),
        }));
      }
      case "monitorStop":
        return this.answer(
          this.o.monitors.stop(request.argument.crossRefIdentifier),
          "monitorStop",
          () => ({}),
        );
      case "changeMonitorFilter": {
        const { crossRefIdentifier, requestedFilterList } = request.argument;
        const changed = this.o.monitors.changeFilter(crossRefIdentifier, requestedFilterList);
        return this.answer(changed, "changeMonitorFilter", (m) => ({ actualFilterList: m.filter }));
      }
      case "snapshotDevice":
        return this.snapshotDevice(request.argument.snapshotObject);
      case "snapshotCall":
        return this.snapshotCall(request.argument.snapshotObject);
      case "makeCall": {
        const calling = this.device(request.argument.callingDevice);
        if (!calling) return this.error("operation", "invalidCallingDeviceID");
        const digits = this.o.addressing.digitsOf(request.argument.calledDirectoryNumber);
        if (digits === undefined) return this.error("operation", "invalidCalledDeviceID");
        return this.answer(
          e.makeCall(calling.number, digits),
          "makeCall",
          (ref) => ({ callingDevice: this.conn(ref) }),
        );
      }
      case "answerCall":
        return this.withConn(
          request.argument.callToBeAnswered,
          (c) => this.noData(e.answerCall(c), "answerCall"),
        );
      case "clearConnection":
        return this.withConn(
          request.argument.connectionToBeCleared,
          (c) => this.noData(e.clearConnection(c), "clearConnection"),
        );
      case "clearCall":
        return this.withConn(
          request.argument.callToBeCleared,
          (c) => this.noData(e.clearCall(c), "clearCall"),
        );
      case "holdCall":
        return this.withConn(request.argument.callToBeHeld, (c) => this.noData(e.holdCall(c), "holdCall"));
      case "retrieveCall":
        return this.withConn(
          request.argument.callToBeRetrieved,
          (c) => this.noData(e.retrieveCall(c), "retrieveCall"),
        );
      case "consultationCall": {
        const digits = this.o.addressing.digitsOf(request.argument.consultedDevice);
        if (digits === undefined) return this.error("operation", "invalidCalledDeviceID");
        return this.withConn(
          request.argument.existingCall,
          (c) =>
            this.answer(
              e.consultationCall(c, digits),
              "consultationCall",
              (ref) => ({ initiatedCall: this.conn(ref) }),
            ),
        );
      }
      case "alternateCall":
        return this.withConns(
          request.argument.heldCall,
          request.argument.activeCall,
          (held, active) => this.noData(e.alternateCall(held, active), "alternateCall"),
        );
      case "reconnectCall":
        return this.withConns(
          request.argument.heldCall,
          request.argument.activeCall,
          (held, active) => this.noData(e.reconnectCall(active, held), "reconnectCall"),
        );
      case "transferCall":
        return this.withConns(
          request.argument.heldCall,
          request.argument.activeCall,
          (held, active) =>
            this.answer(
              e.transferCall(held, active),
              "transferCall",
              (ref) => ({ transferredCall: this.conn(ref) }),
            ),
        );
      case "conferenceCall":
        return this.withConns(
          request.argument.heldCall,
          request.argument.activeCall,
          (held, active) =>
            this.answer(
              e.conferenceCall(held, active),
              "conferenceCall",
              (ref) => ({ conferenceCall: this.conn(ref) }),
            ),
        );
      case "singleStepTrans": {
        const digits = this.o.addressing.digitsOf(request.argument.transferredTo);
        if (digits === undefined) return this.error("operation", "invalidDestination");
        return this.withConn(
          request.argument.activeCall,
          (c) =>
            this.answer(
              e.singleStepTransfer(c, digits),
              "singleStepTrans",
              (ref) => ({ transferredCall: this.conn(ref) }),
            ),
        );
      }
      case "singleStepConf": {
        const join = this.device(request.argument.deviceToJoin);
        if (!join) return this.error("operation", "invalidDestination");
        const silent = request.argument.participationType === "silent";
        return this.withConn(request.argument.activeCall, (c) =>
          this.answer(
            e.singleStepConference(c, join.number, silent ? "silent" : "active"),
            "singleStepConf",
            (ref) => ({ conferencedCall: this.conn(ref) }),
          ));
      }
      case "deflectCall": {
        const digits = this.o.addressing.digitsOf(request.argument.newDestination);
        if (digits === undefined) return this.error("operation", "invalidDestination");
        return this.withConn(
          request.argument.callToBeDiverted,
          (c) => this.noData(e.deflectCall(c, digits), "deflectCall"),
        );
      }
      case "groupPickupCall": {
        const picker = this.device(request.argument.newDestination);
        if (!picker) return this.error("operation", "invalidDeviceID");
        return this.answer(
          e.groupPickup(picker.number),
          "groupPickupCall",
          (ref) => ({ pickedCall: this.conn(ref) }),
        );
      }
      case "directedPickupCall": {
        const picker = this.device(request.argument.requestingDevice);
        if (!picker) return this.error("operation", "invalidDeviceID");
        return this.withConn(
          request.argument.callToBePickedUp,
          (c) =>
            this.answer(
              e.directedPickup(c, picker.number),
              "directedPickupCall",
              (ref) => ({ pickedCall: this.conn(ref) }),
            ),
        );
      }
      case "generateDigits":
        return this.withConn(
          request.argument.connectionToSendDigits,
          (c) => this.noData(e.generateDigits(c, request.argument.charactersToSend), "generateDigits"),
        );
      case "dialDigits": {
        const digits = this.o.addressing.digitsOf(request.argument.diallingSequence);
        if (digits === undefined) return this.error("operation", "invalidParameterValue");
        return this.withConn(
          request.argument.diallingConnection,
          (c) => this.noData(e.dialDigits(c, digits), "dialDigits"),
        );
      }
      case "callBack":
        return this.withConn(
          request.argument.callbackConnection,
          (c) =>
            this.answer(
              e.callBack(c),
              "callBack",
              (target) => ({ targetDevice: this.o.addressing.deviceId(target) }),
            ),
        );
      case "camponCall":
        return this.withConn(
          request.argument.camponConnection,
          (c) => this.noData(e.campOn(c), "camponCall"),
        );
      case "intrudeCall":
        return this.withConn(
          request.argument.intrude,
          (c) => this.answer(e.intrudeCall(c), "intrudeCall", (ref) => ({ conferencedCall: this.conn(ref) })),
        );
      case "setForwarding": {
        const a = request.argument;
        const device = this.device(a.device);
        if (!device) return this.error("operation", "invalidDeviceID");
        const type = a.forwardingType ?? "forwardImmediate";
        if (typeof type === "number") return this.error("operation", "invalidForwardingType");
        const destination = a.forwardDN ? this.o.addressing.digitsOf(a.forwardDN) : undefined;
        const ringMs = a.ringDuration !== undefined ? a.ringDuration * 1000 : undefined;
        return this.noData(
          e.setForwarding(device.number, type as ForwardingTypeName, a.activateForward, destination, ringMs),
          "setForwarding",
        );
      }
      case "getForwarding": {
        const device = this.device(request.argument.device);
        if (!device) return this.error("operation", "invalidDeviceID");
        return this.answer(e.getForwarding(device.number), "getForwarding", (list) => ({
          forwardingList: list.map((f) => ({
            forwardingType: f.type,
            forwardStatus: true,
            forwardDN: this.o.addressing.plainDeviceId(this.partyForDigits(f.destination))!,
            ...(f.ringDurationMs !== undefined ? { ringDuration: Math.round(f.ringDurationMs / 1000) } : {}),
          })),
        }));
      }
      case "setDoNotDisturb": {
        const device = this.device(request.argument.device);
        if (!device) return this.error("operation", "invalidDeviceID");
        return this.noData(
          e.setDoNotDisturb(device.number, request.argument.doNotDisturbOn),
          "setDoNotDisturb",
        );
      }
      case "getDoNotDisturb": {
        const device = this.device(request.argument.device);
        if (!device) return this.error("operation", "invalidDeviceID");
        return this.answer(
          e.getDoNotDisturb(device.number),
          "getDoNotDisturb",
          (on) => ({ doNotDisturbOn: on }),
        );
      }
      case "systemStatus":
        // A client's heartbeat is simply acknowledged.
        return this.result("systemStatus", {});
      case "requestSysStat":
        return this.result("requestSysStat", { systemStatus: "normal" });
      case "systemRegister":
        return this.result("systemRegister", { sysStatRegisterID: Uint8Array.of(0, 1) });
      case "getSwitchingFunctionDevices":
        return this.deviceList(request.argument);
      case "startCDRTransmission":
        return this.answer(
          this.o.cdr.start(request.argument.transferMode),
          "startCDRTransmission",
          (crossRef) => ({ cdrCrossRefID: crossRef }),
        );
      case "stopCDRTransmission":
        return this.noData(this.o.cdr.stop(request.argument.cdrCrossRefID), "stopCDRTransmission");
      default:
        // Operations only the switch invokes (EventReport, CDR report, device lists, …).
        return { kind: "reject", problem: { kind: "invoke", value: "unrecognizedOperation" } };
    }
  }

  snapshotDevice(id: DeviceID): Reply {
    const device = this.device(id);
    if (!device) return this.error("operation", "invalidDeviceID");
    const e = this.o.engine;
    const snapshotData = e.connectionsOf(device.number).map((c) => {
      const others = e.callConnections(c.callId).filter((o) => o.device !== c.device);
      return {
        connectionIdentifier: this.conn(c),
        localCallState: {
          kind: "compoundCallState" as const,
          value: [c.state, ...others.map((o) => o.state)],
        },
      };
    });
    return this.result("snapshotDevice", {
      crossRefIDorSnapshotData: { kind: "snapshotData", value: snapshotData },
    });
  }

  snapshotCall(id: ConnectionID): Reply {
    const ref = this.o.addressing.connRef(id);
    const conns = ref ? this.o.engine.callConnections(ref.callId) : [];
    if (!ref || conns.length === 0) return this.error("operation", "invalidCallID");
    const snapshotData = conns.map((c) => ({
      deviceOnCall: this.o.addressing.party({ kind: "device", number: c.device }),
      callIdentifier: this.conn(c),
      localConnectionState: c.state,
    }));
    return this.result("snapshotCall", {
      crossRefIDorSnapshotData: { kind: "snapshotData", value: snapshotData },
    });
  }

  deviceList(argument: TypedInvokeArgument<"getSwitchingFunctionDevices">): Reply {
    let device: PlanDevice | undefined;
    if (argument.requestedDeviceID) {
      device = this.device(argument.requestedDeviceID);
      if (!device) return this.error("operation", "invalidDeviceID");
    }
    const { serviceCrossRefID, segments } = this.o.deviceLists.answer(this.o.addressing, {
      device,
      category: argument.requestedDeviceCategory,
    });
    const reply = this.result("getSwitchingFunctionDevices", { serviceCrossRefID });
    if (reply.kind !== "result") return reply;
    return {
      ...reply,
      after: segments.map((segment) => () =>
        this.sendOwn((id) => encodeTypedInvoke(id, "switchingFunctionDevices", segment))
      ),
    };
  }

  device(id: DeviceID): PlanDevice | undefined {
    return this.o.addressing.resolve(id);
  }

  conn(ref: ConnRef): ConnectionID {
    return this.o.addressing.connectionId(ref);
  }

  partyForDigits(digits: string) {
    const device = this.o.engine.plan.device(digits);
    return device
      ? { kind: "device" as const, number: digits }
      : { kind: "external" as const, number: digits };
  }

  withConn(id: ConnectionID, act: (ref: ConnRef) => Reply): Reply {
    const ref = this.o.addressing.connRef(id);
    return ref ? act(ref) : this.error("operation", "invalidConnectionID");
  }

  withConns(a: ConnectionID, b: ConnectionID, act: (x: ConnRef, y: ConnRef) => Reply): Reply {
    const x = this.o.addressing.connRef(a);
    const y = this.o.addressing.connRef(b);
    return x && y ? act(x, y) : this.error("operation", "invalidConnectionID");
  }

  answer<T, N extends AnsweredOperationName>(
    result: EngineResult<T>,
    operation: N,
    value: (v: T) => ResultOf<N>,
  ): Reply {
    return result.ok
      ? this.result(operation, value(result.value))
      : { kind: "error", failure: result.failure };
  }

  noData<N extends AnsweredOperationName>(result: EngineResult<unknown>, operation: N): Reply {
    return result.ok ? this.result(operation, {} as ResultOf<N>) : { kind: "error", failure: result.failure };
  }

  result<N extends AnsweredOperationName>(operation: N, value: ResultOf<N>): Reply {
    return { kind: "result", apdu: encodeTypedResult(this.invokeId, operation, value) };
  }

  error<K extends "operation">(kind: K, value: Extract<UniversalFailure, { kind: K }>["value"]): Reply {
    return { kind: "error", failure: { kind, value } as UniversalFailure };
  }
}

type TypedInvokeArgument<N extends TypedInvoke["operation"]> = Extract<
  TypedInvoke,
  { operation: N }
>["argument"];
