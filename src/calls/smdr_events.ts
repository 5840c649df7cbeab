// The SMDR events of a call (RINGING, ANSWERED, ..., CALLMODIFIED, DISCONNECTED), derived from the call
// state the call model keeps: the identity every record of a trunk call carries, and each record's fields.
// Pure: the model decides when; this decides what a record says.

import type { SmdrDirection, SmdrEvent, SmdrEventType } from "../smdr/smdr_event.ts";
import type { Party } from "./party.ts";

/** What makes a call an SMDR call: its direction and the identity every record of it carries. */
export interface TrunkIdentity {
  direction: SmdrDirection;
  callStart: Date;
  serial: number;
  records: number;
  /** DISCONNECTED was written: the call makes no more records. */
  ended: boolean;
}

/** How SMDR events are numbered and how the dialled number is shown. */
export interface SmdrEventOptions {
  /**
   * The outside-line access code (location setting). Stripped from the dialled number of outbound calls
   * when the number starts with it, as a call logger wants the number called, not the trunk code.
   */
  outsideLineAccess?: () => string;
  /** Serial numbers for the SMDR call ID; any non-negative integers, the record keeps 8 digits. */
  nextSerial?: () => number;
}

/** The fields of a call its SMDR events are made of. */
export interface SmdrCall {
  trunk?: string;
  /** The outside party on the calling side (the caller of an inbound call). */
  callingOutside?: Party;
  /** The outside party on the called side (the number an outbound call dialled). */
  calledOutside?: Party;
  ddi?: string;
  accountCode?: string;
  smdr?: TrunkIdentity;
  /** The extension the call is at now; kept after it left, for DISCONNECTED. */
  extension?: string;
}

/** Writes the SMDR events of trunk calls: one per call step, with the call's identity and details. */
export class SmdrEventWriter {
  readonly #outsideLineAccess: () => string;
  readonly #nextSerial: () => number;

  constructor(options: SmdrEventOptions) {
    this.#outsideLineAccess = options.outsideLineAccess ?? (() => "");
    let serial = 0;
    this.#nextSerial = options.nextSerial ?? (() => ++serial);
  }

  /** The identity of a call that has just become an SMDR call: direction, start and serial. */
  identity(direction: SmdrDirection, at: Date): TrunkIdentity {
    return { direction, callStart: at, serial: this.#nextSerial(), records: 0, ended: false };
  }

  /** Writes one SMDR event for a trunk call that has not ended; nothing for other calls. */
  record(
    call: SmdrCall,
    type: SmdrEventType,
    at: Date,
    out: SmdrEvent[],
    extension?: string,
    sourceExtension?: string,
  ): void {
    const smdr = call.smdr;
    if (!smdr || smdr.ended) return;
    const event: SmdrEvent = {
      event: type,
      at,
      direction: smdr.direction,
      callStart: smdr.callStart,
      callSerial: smdr.serial,
      trunk: call.trunk ?? "",
      extension: extension ?? call.extension ?? "",
      callerNumber: this.callerNumber(call) ?? "",
    };
    if (sourceExtension !== undefined) event.sourceExtension = sourceExtension;
    if (smdr.direction === "IN" && call.ddi !== undefined) event.ddi = call.ddi;
    if (call.accountCode !== undefined) event.accountCode = call.accountCode;
    const name = this.contactName(call);
    if (name !== undefined) event.contactName = name;
    smdr.records++;
    if (type === "DISCONNECTED") smdr.ended = true;
    out.push(event);
  }

  callerNumber(call: SmdrCall): string | undefined {
    if (call.smdr?.direction === "OUT") {
      const dialled = call.calledOutside?.number;
      const access = this.#outsideLineAccess();
      if (dialled && access !== "" && dialled.length > access.length && dialled.startsWith(access)) {
        return dialled.slice(access.length);
      }
      return dialled;
    }
    return call.callingOutside?.number;
  }

  contactName(call: SmdrCall): string | undefined {
    return call.smdr?.direction === "OUT" ? call.calledOutside?.name : call.callingOutside?.name;
  }

  /** The values a CALLMODIFIED is about, as one comparable string. */
  modifiable(call: SmdrCall): string {
    return `${this.callerNumber(call) ?? ""}\u0000${this.contactName(call) ?? ""}\u0000${
      call.accountCode ?? ""
    }`;
  }

  checkModified(call: SmdrCall, before: string, at: Date, out: SmdrEvent[]): void {
    const smdr = call.smdr;
    if (!smdr || smdr.ended) return;
    // Only a call that has shown its details in a record can have them modified.
    const shownBefore = smdr.records - out.filter((e) => e.callSerial === smdr.serial).length;
    if (shownBefore <= 0 || this.modifiable(call) === before) return;
    this.record(call, "CALLMODIFIED", at, out);
  }
}
