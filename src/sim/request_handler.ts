// Answers one typed CSTA request from the call engine, the monitor table, the CDR state and the device
// lists: the result, or the UniversalFailure (§12) a Panasonic PBX would send.

import type { ConnectionID } from "../csta/connection_id.ts";
import type { DeviceID } from "../csta/device_id.ts";
import {
  type AnsweredOperationName,
  encodeTypedInvoke,
  encodeTypedResult,
  type ResultOf,
  type TypedInvoke,
} from "../csta/operations.ts";
import type { RejectProblem } from "../csta/rose.ts";
import type { UniversalFailure } from "../csta/universal_failure.ts";
import type { CdrTransmission } from "./cdr.ts";
import type { CallEngine, EngineResult } from "./call_engine.ts";
import type { ConnRef, ForwardingTypeName } from "./call_facts.ts";
import type { DeviceAddressing } from "./device_addressing.ts";
import type { PlanDevice } from "./device_plan.ts";
import type { MonitorTable } from "./monitors.ts";
import type { SwitchingFunctionDeviceLists } from "./switching_function_devices.ts";

/** What requests are answered from (the association's shared state). */
export interface RequestContext {
  engine: CallEngine;
  addressing: DeviceAddressing;
  monitors: MonitorTable;
  cdr: CdrTransmission;
  deviceLists: SwitchingFunctionDeviceLists;
}

/** What a request gets: a result (and invokes to send after it), a UniversalFailure, or a Reject. */
export type Reply =
  | { kind: "result"; apdu: Uint8Array; after?: (() => void)[] }
  | { kind: "error"; failure: UniversalFailure }
  | { kind: "reject"; problem: RejectProblem };

/** Answers one typed request from the engine, the monitor table and the CDR state. */
export class RequestHandler {
  constructor(
    readonly o: RequestContext,
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
