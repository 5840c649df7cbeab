// Call detail records (§10): StartCallDetailRecordsTransmission hands out a cdrCrossRefID, each finished
// call then becomes one CallDetailRecordsReport (duration in tenths, condition code in KME private data)
// that the client must answer before the next is sent; Stop ends it.

import type { CDRInformationItem, CDRReportArgument } from "../csta/call_detail_records.ts";
import { formatGeneralizedTime } from "../csta/call_detail_records.ts";
import { buildExtensions } from "../csta/extensions.ts";
import { additionalDataPrivateData } from "../csta/kme_private_data.ts";
import type { CallRecord } from "./call_facts.ts";
import type { EngineResult } from "./call_engine.ts";
import type { DeviceAddressing } from "./device_addressing.ts";

/** Options of a {@link CdrTransmission}. */
export interface CdrOptions {
  /** Records kept while the client has not answered; beyond it the oldest is dropped. Default 1000. */
  maxBuffered?: number;
  /** Offset of the PBX clock from UTC in minutes, for the GeneralizedTime fields. Default 0. */
  utcOffsetMinutes?: number;
}

/** The CDR state of one association. */
export class CdrTransmission {
  readonly #addressing: DeviceAddressing;
  readonly #maxBuffered: number;
  readonly #utcOffsetMinutes: number;
  #crossRef?: Uint8Array;
  #nextCrossRef = 1;
  #nextRecordNumber = 1;
  #queue: CallRecord[] = [];
  #inFlight = false;
  #dropped = 0;

  constructor(addressing: DeviceAddressing, options: CdrOptions = {}) {
    this.#addressing = addressing;
    this.#maxBuffered = options.maxBuffered ?? 1000;
    this.#utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
  }

  /** The cdrCrossRefID while transmission is on. */
  get crossRef(): Uint8Array | undefined {
    return this.#crossRef;
  }

  /** Records not yet sent (or sent and not yet answered). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Records dropped because the client did not answer in time. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * StartCallDetailRecordsTransmission. Only transferAtEndOfCall is offered (the mode LinTcMon uses, §10
   * [C-pbx]); a second start while one runs is refused as the multiplexer rule says (operation/generic).
   */
  start(transferMode: string | number): EngineResult<Uint8Array> {
    if (this.#crossRef) return { ok: false, failure: { kind: "operation", value: "generic" } };
    if (transferMode !== "transferAtEndOfCall") {
      return { ok: false, failure: { kind: "operation", value: "parameterNotSupported" } };
    }
    const n = this.#nextCrossRef++;
    this.#crossRef = Uint8Array.of((n >> 8) & 0xff, n & 0xff);
    return { ok: true, value: this.#crossRef };
  }

  /** StopCallDetailRecordsTransmission; an unknown cdrCrossRefID is invalidCrossRefID (§12). */
  stop(crossRef: Uint8Array): EngineResult<void> {
    if (!this.#crossRef || !sameBytes(crossRef, this.#crossRef)) {
      return { ok: false, failure: { kind: "operation", value: "invalidCrossRefID" } };
    }
    this.reset();
    return { ok: true, value: undefined };
  }

  /** Forgets everything (stop, or the association ended). */
  reset(): void {
    this.#crossRef = undefined;
    this.#queue = [];
    this.#inFlight = false;
  }

  /** Queues the record of a finished call while transmission is on. */
  add(record: CallRecord): void {
    if (!this.#crossRef) return;
    this.#queue.push(record);
    if (this.#queue.length > this.#maxBuffered) {
      // Never drop the one in flight: its answer would then acknowledge the wrong record.
      this.#queue.splice(this.#inFlight ? 1 : 0, 1);
      this.#dropped++;
    }
  }

  /** The next report to send, if one may go now (one at a time, each answered before the next). */
  next(): CDRReportArgument | undefined {
    if (!this.#crossRef || this.#inFlight || this.#queue.length === 0) return undefined;
    this.#inFlight = true;
    return this.#report(this.#queue[0], this.#crossRef);
  }

  /** The client answered the report in flight. */
  acknowledged(): void {
    if (!this.#inFlight) return;
    this.#inFlight = false;
    this.#queue.shift();
  }

  #report(record: CallRecord, crossRef: Uint8Array): CDRReportArgument {
    const a = this.#addressing;
    const connected = record.answeredAt ?? record.endedAt;
    const item: CDRInformationItem = {
      recordNumber: this.#nextRecordNumber++,
      recordCreationTime: this.#time(record.endedAt),
      callingDevice: a.party(record.callingDevice),
      calledDevice: a.party(record.calledDevice),
      ...(record.trunk && record.direction === "incoming"
        ? { associatedCallingDevice: a.party({ kind: "device", number: record.trunk }) }
        : {}),
      ...(record.trunk && record.direction !== "incoming"
        ? { associatedCalledDevice: a.party({ kind: "device", number: record.trunk }) }
        : {}),
      connectionStart: this.#time(connected),
      connectionEnd: this.#time(record.endedAt),
      // Tenths of a second. §10 [C-pbx]
      connectionDuration: Math.round((record.endedAt - connected) / 100),
    };
    return {
      cdrCrossRefID: crossRef,
      numberOfRecordsSent: 1,
      cdrInfo: [item],
      ...(record.conditionCode
        ? {
          // The condition code travels in the report's KME private data. §10, §5.4 [?]
          extensions: buildExtensions({
            privateData: [additionalDataPrivateData({ kind: "conditionCode", value: record.conditionCode })],
          }),
        }
        : {}),
    };
  }

  #time(ms: number): string {
    const d = new Date(ms + this.#utcOffsetMinutes * 60_000);
    return formatGeneralizedTime({
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
