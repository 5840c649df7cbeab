// The CSTA client for scripts, tests, the demo and the appliance's own consumers: associate with a PBX or
// cstabox (TCP/TLS) or attach to the Switchboard in-process, invoke services with typed arguments and
// results, read EventReports, keep the switch's SystemStatus answered, and release properly.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { decodeAcse, encodeLoginAarq, encodeRlre, encodeRlrq, panasonicAarq } from "../csta/acse.ts";
import { decodeApdu } from "../csta/apdu.ts";
import type { ConnectionID } from "../csta/connection_id.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import { noDataResult } from "../csta/extensions.ts";
import { type DeviceID, dialingNumber } from "../csta/device_id.ts";
import type { MakeCallResult } from "../csta/call_control.ts";
import type { MonitorFilter } from "../csta/monitor_filter.ts";
import { Opcode, type OpcodeName, opcodeName } from "../csta/opcodes.ts";
import {
  type AnsweredOperationName,
  type ArgumentOf,
  decodeTypedArgument,
  decodeTypedResult,
  operationOf,
  operations,
  type ResultOf,
} from "../csta/operations.ts";
import { type ApduPeek, type InvokePeek, peekApdu } from "../csta/peek.ts";
import { encodeInvoke, encodeReturnResult, encodeRose, NO_DATA, rejectForUnreadable } from "../csta/rose.ts";
import type { SnapshotDeviceResult } from "../csta/snapshot.ts";
import type { SystemStatusValue } from "../csta/system_services.ts";
import { InvokeIdAllocator, MAX_INVOKE_ID } from "../csta/invoke_ids.ts";
import {
  CstaAssociationError,
  CstaBusyError,
  CstaClosedError,
  CstaFailureError,
  CstaRejectError,
  CstaTimeoutError,
  type RequestContext,
} from "./client_errors.ts";
import type { ClientTransport, TransportReceiver } from "./client_transport.ts";
import { type ClientEvent, clientEventOf } from "./client_event.ts";
import { EventStream } from "./event_stream.ts";
import {
  encodeInvokeReply,
  type IncomingInvoke,
  incomingInvoke,
  type InvokeHandler,
  type InvokeReply,
} from "./incoming_invoke.ts";
import {
  type InProcessIdentity,
  InProcessTransport,
  type SwitchboardAccess,
} from "./in_process_transport.ts";
import { SocketTransport } from "./socket_transport.ts";
import { errorText } from "../log/error_text.ts";

/** Settings shared by both ways of opening a client. */
export interface CstaClientCommonOptions {
  /** Per-request timeout of `invoke` (default 10 s). */
  requestTimeoutMs?: number;
  /** EventReports kept while nobody reads `events()` (default 10,000); past it the oldest are dropped. */
  eventBufferSize?: number;
  /**
   * Answers invokes from the switch other than EventReport and SystemStatus (CDR reports, KME escape
   * replies, MonitorStop…). Without one, or when it returns nothing, each gets the noData ReturnResult.
   */
  onInvoke?: InvokeHandler;
  /** Where errors thrown by `onInvoke` and SystemStatus listeners go (default `console.error`). */
  onError?: (error: unknown, context: string) => void;
  clock?: Clock;
}

/** How {@link CstaClient.connect} reaches a PBX or cstabox. */
export interface CstaClientOptions extends CstaClientCommonOptions {
  hostname: string;
  /** 33333 for plain TCP on a PBX or cstabox, 33334 for cstabox's TLS port. */
  port: number;
  /** Use TLS; `caCerts` (PEM) are trusted besides the system roots, e.g. cstabox's self-signed certificate. */
  tls?: { caCerts?: string[] };
  /** Log in with the §14.12 AARQ form (required on cstabox's TLS port); without it, the plain Panasonic AARQ. */
  login?: { user: string; password: string };
  /** Bound on opening the connection and on the association, each (default 10 s). */
  timeoutMs?: number;
  /** How long `close()` waits for the RLRE (default 2 s). */
  releaseTimeoutMs?: number;
  /** Largest APDU sent or accepted (default 65535, §1). */
  maxFrameBytes?: number;
}

/** How {@link CstaClient.inProcess} attaches to the Switchboard. */
export interface InProcessClientOptions extends CstaClientCommonOptions, InProcessIdentity {}

/** A result value kept as bytes: what `invokeRaw` resolves with. */
export interface RawResult {
  invokeId: number;
  /** The opcode echoed in the result SEQUENCE; null for a bare acknowledgement. */
  opcode: number | null;
  /** The result value element (`05 00` for noData), header included; absent when not sent. */
  value?: Uint8Array;
  /** The whole ReturnResult APDU. */
  apdu: Uint8Array;
}

/** Per-call settings of `invoke`. */
export interface InvokeOptions {
  /** Overrides the client's request timeout for this request. */
  timeoutMs?: number;
}

/** Lifecycle of a client. */
export type CstaClientState = "associating" | "open" | "releasing" | "closed";

/** Counters and state for status displays and tests. */
export interface CstaClientStats {
  state: CstaClientState;
  transport: ClientTransport["kind"];
  peer: string;
  requestsInFlight: number;
  eventsReceived: number;
  eventsBuffered: number;
  eventsDropped: number;
  /** EventReports without a readable crossRef, not passed on. */
  eventsMalformed: number;
  /** Invokes from the switch answered (SystemStatus included). */
  invokesAnswered: number;
  /** Results, errors and rejects that matched no request in flight (late after a timeout, or garbage). */
  unmatchedAnswers: number;
  /** Frames that could not be read at all. */
  malformedFrames: number;
  systemStatus: SystemStatusValue | null;
  lastSystemStatusAt: string | null;
}

/** How the client ended; `closed` resolves with it. */
export interface CloseInfo {
  reason: string;
  /** True when `close()` ended it, false when the connection was lost or the peer ended it. */
  byClient: boolean;
}

/** Operations that take a typed argument and give a typed result, by name or opcode. */
type TypedOperationCode = (typeof Opcode)[AnsweredOperationName];
type NameOfCode<C extends number> = {
  [N in AnsweredOperationName]: C extends (typeof Opcode)[N] ? N : never;
}[AnsweredOperationName];

interface PendingRequest {
  context: RequestContext;
  resolve: (result: RawResult) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
}

// Defaults of a library: each is an option of the client (requestTimeoutMs, a request's timeoutMs, the
// release timeout, the event buffer), and the appliance's services pass their own from the settings.
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RELEASE_TIMEOUT_MS = 2_000;
const DEFAULT_EVENT_BUFFER = 10_000;

/**
 * A CSTA client. Open it with {@link CstaClient.connect} (TCP/TLS) or {@link CstaClient.inProcess} (the
 * Switchboard in the same process); both give the same API.
 *
 * ```ts
 * const client = await CstaClient.connect({ hostname: "127.0.0.1", port: 33333 });
 * const crossRef = await client.monitorStart("201");
 * for await (const event of client.events()) console.log(event.name);
 * ```
 */
export class CstaClient {
  readonly #transport: ClientTransport;
  readonly #clock: Clock;
  readonly #requestTimeoutMs: number;
  readonly #releaseTimeoutMs: number;
  readonly #invokeHandler?: InvokeHandler;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #ids = new InvokeIdAllocator();
  readonly #pending = new Map<number, PendingRequest>();
  readonly #events: EventStream<ClientEvent>;
  readonly #statusListeners = new Set<(status: SystemStatusValue, previous?: SystemStatusValue) => void>();
  #state: CstaClientState;
  #systemStatus?: SystemStatusValue;
  #lastSystemStatusAt?: number;
  #association?: PromiseWithResolvers<void>;
  #release?: PromiseWithResolvers<void>;
  #closing?: Promise<void>;
  #closed = Promise.withResolvers<CloseInfo>();
  #closeInfo?: CloseInfo;
  #counters = { invokesAnswered: 0, unmatchedAnswers: 0, malformedFrames: 0, eventsMalformed: 0 };

  private constructor(
    transport: ClientTransport,
    options: CstaClientCommonOptions & { releaseTimeoutMs?: number },
    state: CstaClientState,
  ) {
    this.#transport = transport;
    this.#clock = options.clock ?? systemClock;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#releaseTimeoutMs = options.releaseTimeoutMs ?? DEFAULT_RELEASE_TIMEOUT_MS;
    this.#invokeHandler = options.onInvoke;
    this.#onError = options.onError ?? ((error, context) => console.error(`CstaClient: ${context}:`, error));
    this.#events = new EventStream(options.eventBufferSize ?? DEFAULT_EVENT_BUFFER);
    this.#state = state;
  }

  /**
   * Connects over TCP or TLS and associates: the Panasonic AARQ (§2.3), or the login form (§14.12) when
   * `login` is given. Resolves once the AARE accepted the association.
   * @throws CstaConnectError (no connection), CstaAssociationError (AARE refused, with its diagnostic,
   *   e.g. `authenticationFailure`), CstaTimeoutError (no answer within `timeoutMs`).
   */
  static async connect(options: CstaClientOptions): Promise<CstaClient> {
    const clock = options.clock ?? systemClock;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const transport = await SocketTransport.connect({
      hostname: options.hostname,
      port: options.port,
      tls: options.tls,
      connectTimeoutMs: timeoutMs,
      maxFrameBytes: options.maxFrameBytes,
      clock,
    });
    const client = new CstaClient(transport, options, "associating");
    const aarq = options.login
      ? encodeLoginAarq(options.login.user, options.login.password)
      : panasonicAarq();
    try {
      await client.#associate(aarq, timeoutMs);
    } catch (error) {
      await transport.finished;
      throw error;
    }
    return client;
  }

  /**
   * Attaches to the Switchboard of this process as a session named `name`, whose monitors take licence
   * seats of `seatKind`. No ACSE: the Switchboard greets the session with SystemStatus at once.
   * @throws CstaAssociationError when the Switchboard refuses the session.
   */
  static inProcess(switchboard: SwitchboardAccess, options: InProcessClientOptions): CstaClient {
    const transport = new InProcessTransport(switchboard, { name: options.name, seatKind: options.seatKind });
    const client = new CstaClient(transport, options, "open");
    transport.start(client.#receiver());
    return client;
  }

  // ---- state ------------------------------------------------------------------------------------

  get state(): CstaClientState {
    return this.#state;
  }

  /** The switch's latest SystemStatus (`normal`, `disabled`…), once one has arrived. §9 */
  get systemStatus(): SystemStatusValue | undefined {
    return this.#systemStatus;
  }

  /** Resolves when the client has closed, for whatever reason. */
  get closed(): Promise<CloseInfo> {
    return this.#closed.promise;
  }

  /**
   * Calls `listener` with the current SystemStatus at once when one is known (the switch sends it right
   * after the AARE, often before `connect` resolves), then whenever the switch reports a different one.
   * Returns a function that removes the listener.
   */
  onSystemStatus(listener: (status: SystemStatusValue, previous?: SystemStatusValue) => void): () => void {
    this.#statusListeners.add(listener);
    if (this.#systemStatus !== undefined) this.#notify(listener, this.#systemStatus, undefined);
    return () => this.#statusListeners.delete(listener);
  }

  #notify(
    listener: (status: SystemStatusValue, previous?: SystemStatusValue) => void,
    status: SystemStatusValue,
    previous: SystemStatusValue | undefined,
  ): void {
    try {
      listener(status, previous);
    } catch (error) {
      this.#onError(error, "SystemStatus listener");
    }
  }

  stats(): CstaClientStats {
    return {
      state: this.#state,
      transport: this.#transport.kind,
      peer: this.#transport.peer,
      requestsInFlight: this.#pending.size,
      eventsReceived: this.#events.pushed,
      eventsBuffered: this.#events.buffered,
      eventsDropped: this.#events.dropped,
      ...this.#counters,
      systemStatus: this.#systemStatus ?? null,
      lastSystemStatusAt: this.#lastSystemStatusAt === undefined
        ? null
        : new Date(this.#lastSystemStatusAt).toISOString(),
    };
  }

  // ---- events -----------------------------------------------------------------------------------

  /**
   * The EventReports, in arrival order, from the moment the client opened. The iterator ends when the
   * client closes (after what is buffered). Readers take turns: each event goes to one reader.
   */
  events(): AsyncIterableIterator<ClientEvent> {
    return this.#events.iterate();
  }

  // ---- requests ---------------------------------------------------------------------------------

  /**
   * Invokes an operation with a typed argument and resolves with its typed result (noData results are
   * `{}` or `{ extensions }`). Operations without a codec, or any operation given its argument as bytes,
   * take the raw form and resolve with a {@link RawResult}.
   * @throws CstaFailureError, CstaRejectError, CstaTimeoutError, CstaClosedError, CstaBusyError;
   *   CstaEncodeError for an argument that cannot be encoded, CstaDecodeError for an unreadable result.
   */
  invoke<N extends AnsweredOperationName>(
    operation: N,
    argument: ArgumentOf<N>,
    options?: InvokeOptions,
  ): Promise<ResultOf<N>>;
  invoke<C extends TypedOperationCode>(
    operation: C,
    argument: ArgumentOf<NameOfCode<C>>,
    options?: InvokeOptions,
  ): Promise<ResultOf<NameOfCode<C>>>;
  invoke(operation: OpcodeName | number, argument?: Uint8Array, options?: InvokeOptions): Promise<RawResult>;
  async invoke(
    operation: OpcodeName | number,
    argument?: unknown,
    options?: InvokeOptions,
  ): Promise<unknown> {
    if (argument === undefined || argument instanceof Uint8Array) {
      return this.invokeRaw(operation, argument, options);
    }
    const opcode = resolveOpcode(operation);
    const name = operationOf(opcode);
    const spec = name === undefined ? undefined : operations[name];
    if (!name || !spec?.result) {
      throw new TypeError(`no typed codec for ${describeOperation(opcode)}: pass its argument as bytes`);
    }
    const encoded = spec.argument.encode(argument as never);
    const raw = await this.invokeRaw(opcode, encoded, options);
    if (raw.value === undefined) {
      if (spec.result === noDataResult) return {}; // a bare acknowledgement of a noData operation
      throw new CstaDecodeError(`${name} result`, 0, "the ReturnResult carries no result value");
    }
    return decodeTypedResult(name as AnsweredOperationName, raw.value);
  }

  /**
   * Invokes an operation with its argument given as one encoded element (or none) and resolves with the
   * result bytes. Errors as {@link invoke}.
   */
  invokeRaw(
    operation: OpcodeName | number,
    argument?: Uint8Array,
    options?: InvokeOptions,
  ): Promise<RawResult> {
    let opcode: number;
    try {
      opcode = resolveOpcode(operation);
    } catch (error) {
      return Promise.reject(error);
    }
    const label = describeOperation(opcode);
    if (this.#state !== "open") return Promise.reject(new CstaClosedError(this.#closedReason()));
    const invokeId = this.#ids.allocate();
    if (invokeId === undefined) return Promise.reject(new CstaBusyError(label, MAX_INVOKE_ID));
    let apdu: Uint8Array;
    try {
      apdu = encodeInvoke(invokeId, opcode, argument);
    } catch (error) {
      this.#ids.release(invokeId);
      return Promise.reject(error);
    }
    const context: RequestContext = { operation: label, opcode, invokeId };
    const timeoutMs = options?.timeoutMs ?? this.#requestTimeoutMs;
    return new Promise<RawResult>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#settle(invokeId)?.reject(new CstaTimeoutError(label, timeoutMs, context));
      }, timeoutMs);
      this.#pending.set(invokeId, { context, resolve, reject, timer });
      const sent = this.#transport.send(apdu);
      if (!sent.ok) this.#settle(invokeId)?.reject(sent.error);
    });
  }

  // ---- convenience services ---------------------------------------------------------------------

  /** MonitorStart on a device (digits or a DeviceID); resolves with the crossRefIdentifier. §8.1 */
  async monitorStart(
    device: DeviceID | string,
    options: { filter?: MonitorFilter } = {},
  ): Promise<Uint8Array> {
    const result = await this.invoke("monitorStart", {
      monitorObject: { kind: "deviceObject", value: deviceOf(device) },
      ...(options.filter ? { requestedMonitorFilter: options.filter } : {}),
    });
    return result.crossRefIdentifier;
  }

  /** MonitorStop of a crossRef from `monitorStart`. §8.2 */
  async monitorStop(crossRef: Uint8Array): Promise<void> {
    await this.invoke("monitorStop", { crossRefIdentifier: crossRef });
  }

  /** MakeCall from `calling` to `called`; resolves with the new connection at the calling device. §7 */
  makeCall(calling: DeviceID | string, called: DeviceID | string): Promise<MakeCallResult> {
    return this.invoke("makeCall", {
      callingDevice: deviceOf(calling),
      calledDirectoryNumber: deviceOf(called),
    });
  }

  /** AnswerCall of an alerting connection. */
  async answerCall(connection: ConnectionID): Promise<void> {
    await this.invoke("answerCall", { callToBeAnswered: connection });
  }

  /** ClearConnection: drops one party from a call. */
  async clearConnection(connection: ConnectionID): Promise<void> {
    await this.invoke("clearConnection", { connectionToBeCleared: connection });
  }

  /** ClearCall: ends the whole call. */
  async clearCall(connection: ConnectionID): Promise<void> {
    await this.invoke("clearCall", { callToBeCleared: connection });
  }

  /** HoldCall of an active connection. */
  async holdCall(connection: ConnectionID): Promise<void> {
    await this.invoke("holdCall", { callToBeHeld: connection });
  }

  /** RetrieveCall of a held connection. */
  async retrieveCall(connection: ConnectionID): Promise<void> {
    await this.invoke("retrieveCall", { callToBeRetrieved: connection });
  }

  /** SnapshotDevice: the calls at a device now. */
  snapshotDevice(device: DeviceID | string): Promise<SnapshotDeviceResult> {
    return this.invoke("snapshotDevice", { snapshotObject: deviceOf(device) });
  }

  /** RequestSystemStatus: asks the switch how it is. §9 */
  async requestSystemStatus(): Promise<SystemStatusValue> {
    return (await this.invoke("requestSysStat", {})).systemStatus;
  }

  // ---- closing ----------------------------------------------------------------------------------

  /**
   * Releases the association (RLRQ, then waits up to `releaseTimeoutMs` for the RLRE) and closes. Requests
   * still in flight reject with CstaClosedError; the event iterator ends. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    if (this.#state === "open" && this.#transport.kind !== "in-process") {
      this.#state = "releasing";
      this.#release = Promise.withResolvers<void>();
      // A graceful release, so the switch frees the association at once. §2.5 [D]
      let reason = "closed by the client";
      if (this.#transport.send(encodeRlrq()).ok) {
        let timer: TimerHandle;
        const waited = new Promise<"unanswered">((resolve) => {
          timer = this.#clock.setTimeout(() => resolve("unanswered"), this.#releaseTimeoutMs);
        });
        const outcome = await Promise.race([this.#release.promise, waited]);
        this.#clock.clearTimeout(timer!);
        if (outcome === "unanswered") {
          reason = `closed by the client (no RLRE within ${this.#releaseTimeoutMs} ms)`;
        }
      }
      return this.#finishClose(reason);
    }
    return this.#finishClose("closed by the client");
  }

  async #finishClose(reason: string): Promise<void> {
    this.#shutdown(reason, true);
    await this.#transport.finished;
  }

  // ---- association ------------------------------------------------------------------------------

  #associate(aarq: Uint8Array, timeoutMs: number): Promise<void> {
    const association = Promise.withResolvers<void>();
    this.#association = association;
    const timer = this.#clock.setTimeout(() => {
      this.#failAssociation(new CstaTimeoutError("association", timeoutMs));
    }, timeoutMs);
    void association.promise.then(
      () => this.#clock.clearTimeout(timer),
      () => this.#clock.clearTimeout(timer),
    );
    this.#transport.start(this.#receiver());
    const sent = this.#transport.send(aarq);
    if (!sent.ok) this.#failAssociation(new CstaAssociationError(`AARQ not sent: ${sent.error.message}`));
    return association.promise;
  }

  #onAssociationApdu(apdu: Uint8Array): void {
    let decoded;
    try {
      decoded = decodeApdu(apdu);
    } catch (error) {
      return this.#failAssociation(
        new CstaAssociationError(`unreadable answer to the AARQ: ${errorText(error)}`),
      );
    }
    if (decoded.kind !== "aare") {
      return this.#failAssociation(new CstaAssociationError(`expected an AARE, got ${decoded.kind}`));
    }
    if (decoded.result !== "accepted") {
      const diagnostic = decoded.resultSourceDiagnostic;
      const why = diagnostic
        ? `${decoded.result}, ${diagnostic.kind} ${diagnostic.value}`
        : String(decoded.result);
      return this.#failAssociation(new CstaAssociationError(why, decoded.result, diagnostic));
    }
    // Panasonic reports no-reason-given even when accepting, so the diagnostic is not looked at. §2.3 [C-pbx]
    this.#state = "open";
    this.#association?.resolve();
    this.#association = undefined;
  }

  #failAssociation(error: Error): void {
    const association = this.#association;
    if (!association) return;
    this.#association = undefined;
    this.#shutdown(error.message, false);
    association.reject(error);
  }

  // ---- incoming ---------------------------------------------------------------------------------

  #receiver(): TransportReceiver {
    return {
      onApdu: (apdu) => {
        try {
          this.#onApdu(apdu);
        } catch (error) {
          this.#onError(error, "handling a frame from the switch");
        }
      },
      onClosed: (reason) => {
        if (this.#association) {
          return this.#failAssociation(
            new CstaAssociationError(`the connection closed before an AARE arrived (${reason})`),
          );
        }
        this.#shutdown(reason, false);
      },
    };
  }

  #onApdu(apdu: Uint8Array): void {
    if (this.#state === "closed") return;
    if (this.#state === "associating") return this.#onAssociationApdu(apdu);
    const peek = peekApdu(apdu);
    if (peek instanceof CstaDecodeError) {
      this.#counters.malformedFrames++;
      // The X.880 general problem, under the frame's invoke ID when it is readable. §3 [C-std]
      this.#transport.send(encodeRose(rejectForUnreadable(apdu)));
      return;
    }
    switch (peek.kind) {
      case "invoke":
        return this.#onInvoke(apdu, peek);
      case "returnResult":
        return this.#onResult(apdu, peek);
      case "returnError":
        return this.#onErrorOrReject(apdu, peek.invokeId);
      case "reject":
        // A Reject of one of our answers carries the switch's invoke ID, not one of ours. §3 [C-std]
        if (peek.problem === "returnResult" || peek.problem === "returnError") {
          this.#counters.unmatchedAnswers++;
          return;
        }
        return this.#onErrorOrReject(apdu, peek.invokeId);
      default:
        return this.#onAcse(apdu, peek);
    }
  }

  #onAcse(apdu: Uint8Array, peek: ApduPeek): void {
    switch (peek.kind) {
      case "rlre":
        return this.#release?.resolve();
      case "rlrq":
        // The switch ends the association: confirm as X.227 asks, then close. §2.5 [D]
        this.#transport.send(encodeRlre());
        void this.#transport.flush().then(() => this.#shutdown("the switch released the association", false));
        return;
      case "abrt": {
        let detail = "";
        try {
          const abort = decodeAcse(apdu);
          if (abort.kind === "abrt" && abort.diagnostic !== undefined) detail = ` (${abort.diagnostic})`;
        } catch {
          // an unreadable ABRT still ends the association
        }
        return this.#shutdown(`the switch aborted the association${detail}`, false);
      }
      default:
        return; // a stray AARQ/AARE inside an association means nothing to a client
    }
  }

  #onResult(apdu: Uint8Array, peek: ApduPeek & { kind: "returnResult" }): void {
    const pending = this.#settle(peek.invokeId);
    if (!pending) {
      this.#counters.unmatchedAnswers++;
      return;
    }
    const result: RawResult = { invokeId: peek.invokeId, opcode: peek.opcode, apdu };
    if (peek.resultStart !== null) result.value = apdu.subarray(peek.resultStart, peek.resultEnd!);
    pending.resolve(result);
  }

  #onErrorOrReject(apdu: Uint8Array, invokeId: number | null): void {
    const pending = invokeId === null ? undefined : this.#settle(invokeId);
    if (!pending) {
      this.#counters.unmatchedAnswers++;
      return;
    }
    let decoded;
    try {
      decoded = decodeApdu(apdu);
    } catch (error) {
      return pending.reject(error as Error);
    }
    if (decoded.kind === "reject") {
      return pending.reject(new CstaRejectError(pending.context, decoded.problem));
    }
    if (decoded.kind === "returnError") {
      return pending.reject(
        new CstaFailureError(pending.context, decoded.errorCode, decoded.failure, decoded.parameter?.bytes),
      );
    }
  }

  #onInvoke(apdu: Uint8Array, peek: InvokePeek): void {
    switch (peek.opcode) {
      case Opcode.cSTAEventReport:
        return this.#onEvent(apdu, peek);
      case Opcode.systemStatus:
        return this.#onSystemStatus(apdu, peek);
      default:
        return this.#onOtherInvoke(apdu, peek);
    }
  }

  #onEvent(apdu: Uint8Array, peek: InvokePeek): void {
    // EventReports are never answered. §3 [C-std]
    const event = clientEventOf(apdu, peek);
    if (!event) {
      this.#counters.eventsMalformed++;
      return;
    }
    this.#events.push(event);
  }

  #onSystemStatus(apdu: Uint8Array, peek: InvokePeek): void {
    // Answered whatever it says: the switch treats a missing answer as a dead client. §9 [C-pbx]
    this.#transport.send(encodeReturnResult(peek.invokeId, { opcode: Opcode.systemStatus, value: NO_DATA }));
    this.#counters.invokesAnswered++;
    this.#lastSystemStatusAt = this.#clock.now();
    if (peek.argumentStart === null) return;
    let status: SystemStatusValue;
    try {
      status = decodeTypedArgument("systemStatus", apdu.subarray(peek.argumentStart, peek.argumentEnd!))
        .systemStatus;
    } catch (error) {
      if (error instanceof CstaDecodeError) return;
      throw error;
    }
    const previous = this.#systemStatus;
    this.#systemStatus = status;
    if (previous === status) return;
    for (const listener of this.#statusListeners) this.#notify(listener, status, previous);
  }

  #onOtherInvoke(apdu: Uint8Array, peek: InvokePeek): void {
    const invoke = incomingInvoke(apdu, peek);
    const handler = this.#invokeHandler;
    if (!handler) return this.#answer(invoke, { kind: "result" });
    let outcome: ReturnType<InvokeHandler>;
    try {
      outcome = handler(invoke);
    } catch (error) {
      this.#onError(error, `onInvoke handler for ${describeOperation(invoke.opcode)}`);
      return this.#answer(invoke, { kind: "failure", failure: { kind: "operation", value: "generic" } });
    }
    if (!(outcome instanceof Promise)) return this.#answer(invoke, outcome ?? { kind: "result" });
    outcome.then(
      (reply) => this.#answer(invoke, reply ?? { kind: "result" }),
      (error) => {
        this.#onError(error, `onInvoke handler for ${describeOperation(invoke.opcode)}`);
        this.#answer(invoke, { kind: "failure", failure: { kind: "operation", value: "generic" } });
      },
    );
  }

  #answer(invoke: IncomingInvoke, reply: InvokeReply): void {
    if (this.#state === "closed") return;
    let answer: Uint8Array | null;
    try {
      answer = encodeInvokeReply(invoke, reply);
    } catch (error) {
      this.#onError(error, `answer to ${describeOperation(invoke.opcode)}`);
      answer = encodeInvokeReply(invoke, {
        kind: "failure",
        failure: { kind: "operation", value: "generic" },
      });
    }
    if (answer && this.#transport.send(answer).ok) this.#counters.invokesAnswered++;
  }

  // ---- bookkeeping ------------------------------------------------------------------------------

  /** Takes a request out of flight (timer stopped, ID free), or undefined when none has this ID. */
  #settle(invokeId: number): PendingRequest | undefined {
    const pending = this.#pending.get(invokeId);
    if (!pending) return undefined;
    this.#pending.delete(invokeId);
    this.#ids.release(invokeId);
    this.#clock.clearTimeout(pending.timer);
    return pending;
  }

  #closedReason(): string {
    return this.#closeInfo?.reason ?? `the client is ${this.#state}`;
  }

  #shutdown(reason: string, byClient: boolean): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#closeInfo = { reason, byClient };
    this.#transport.close(reason);
    for (const invokeId of [...this.#pending.keys()]) {
      const pending = this.#settle(invokeId)!;
      pending.reject(new CstaClosedError(reason, pending.context));
    }
    this.#release?.resolve();
    this.#events.end();
    this.#closed.resolve(this.#closeInfo);
  }
}

function resolveOpcode(operation: OpcodeName | number): number {
  if (typeof operation === "number") {
    if (!Number.isInteger(operation) || operation < 0) throw new TypeError(`bad operation code ${operation}`);
    return operation;
  }
  const code = (Opcode as Record<string, number>)[operation];
  if (code === undefined) throw new TypeError(`unknown operation "${operation}"`);
  return code;
}

function describeOperation(opcode: number): string {
  return opcodeName(opcode) ?? `operation ${opcode}`;
}

function deviceOf(device: DeviceID | string): DeviceID {
  return typeof device === "string" ? dialingNumber(device) : device;
}
