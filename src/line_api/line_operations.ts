// The TAPI call-control operations of seed 3.4 on open lines, each as the CSTA service that does it (the
// table in docs/line-api.md): numbers through the location and PC dialling rules, errors through the one
// error table, new calls (MakeCall, consultation, pickup) tracked at once so the answer names them.

import type { CallEvent, LineCallState } from "../calls/call_event.ts";
import { dialledNumber } from "../calls/party_numbers.ts";
import type { CallPartyNumbering } from "../calls/party_numbers.ts";
import { connection, type ConnectionID } from "../csta/connection_id.ts";
import { snapshotConnectionStates } from "../csta/connection_state.ts";
import { dialingNumber, identifierDigits } from "../csta/device_id.ts";
import {
  forwardingKind,
  type ForwardingMode,
  type ForwardingScope,
  forwardingType,
} from "./forwarding_kinds.ts";
import type { LineApiService } from "./line_api_service.ts";
import type { LineCall } from "./line_calls.ts";
import { LineApiError, lineErrorOf } from "./line_errors.ts";
import type { ForwardingEntry } from "./line_messages.ts";
import type { LineClient, OpenLine } from "./open_line.ts";

/** What a request that placed a number answers: the number as sent and as the PBX dialled it. */
export interface DialledAnswer {
  to: string;
  dialled: string;
}

/** lineGetAddressStatus. */
export interface AddressStatus {
  line: string;
  partner: string | null;
  monitor: OpenLine["monitor"];
  calls: CallEvent[];
  forwarding: ForwardingEntry[];
  doNotDisturb: boolean | null;
}

const HELD: readonly LineCallState[] = ["onhold", "onholdpendtransfer", "onholdpendconf"];
const ACTIVE: readonly LineCallState[] = ["connected", "conferenced"];

export class LineOperations {
  constructor(private readonly api: LineApiService, private readonly numbering: CallPartyNumbering) {}

  /** lineMakeCall: MakeCall from the line (or its Mobile address) to `to`. */
  async makeCall(
    client: LineClient,
    number: string,
    to: string,
    address: 0 | 1 = 0,
  ): Promise<{ callId: string; state: LineCallState } & DialledAnswer> {
    const line = this.#line(client, number);
    const device = this.#addressDevice(line, address);
    const dialled = this.#dial(to, "to");
    const result = await this.#run(
      "lineMakeCall",
      line,
      undefined,
      "to",
      () =>
        this.api.client.invoke("makeCall", {
          callingDevice: dialingNumber(device),
          calledDirectoryNumber: dialingNumber(dialled),
        }),
    );
    const call = line.calls.adopt(result.callingDevice, "outgoing", dialled);
    return { callId: call.callId, state: call.state, to, dialled };
  }

  /** lineAnswer: AnswerCall of the line's alerting connection. */
  async answer(client: LineClient, callId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, ["offering", "accepted"], "lineAnswer");
    await this.#run(
      "lineAnswer",
      line,
      call,
      undefined,
      () => this.api.client.answerCall(line.calls.ownConnection(call)),
    );
  }

  /** lineDrop: ClearConnection of the line's connection. */
  async drop(client: LineClient, callId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, undefined, "lineDrop");
    await this.#run(
      "lineDrop",
      line,
      call,
      undefined,
      () => this.api.client.clearConnection(line.calls.ownConnection(call)),
    );
  }

  /** lineHold: HoldCall. */
  async hold(client: LineClient, callId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, ACTIVE, "lineHold");
    await this.#run(
      "lineHold",
      line,
      call,
      undefined,
      () => this.api.client.holdCall(line.calls.ownConnection(call)),
    );
  }

  /** lineUnhold: RetrieveCall. */
  async unhold(client: LineClient, callId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, HELD, "lineUnhold");
    await this.#run(
      "lineUnhold",
      line,
      call,
      undefined,
      () => this.api.client.retrieveCall(line.calls.ownConnection(call)),
    );
  }

  /** lineRedirect: DeflectCall of a call ringing at the line. */
  async redirect(client: LineClient, callId: string, to: string): Promise<DialledAnswer> {
    const { line, call } = this.#call(client, callId, ["offering", "accepted"], "lineRedirect");
    const dialled = this.#dial(to, "to");
    await this.#run("lineRedirect", line, call, "to", () =>
      this.api.client.invoke("deflectCall", {
        callToBeDiverted: line.calls.ownConnection(call),
        newDestination: dialingNumber(dialled),
      }));
    return { to, dialled };
  }

  /** lineBlindTransfer: SingleStepTransferCall. */
  async blindTransfer(client: LineClient, callId: string, to: string): Promise<DialledAnswer> {
    const { line, call } = this.#call(client, callId, [...ACTIVE, ...HELD, "offering"], "lineBlindTransfer");
    const dialled = this.#dial(to, "to");
    await this.#run("lineBlindTransfer", line, call, "to", () =>
      this.api.client.invoke("singleStepTrans", {
        activeCall: line.calls.ownConnection(call),
        transferredTo: dialingNumber(dialled),
      }));
    return { to, dialled };
  }

  /** lineSetupTransfer: ConsultationCall; the original call waits as `onholdpendtransfer`. */
  setupTransfer(
    client: LineClient,
    callId: string,
    to: string,
  ): Promise<{ consultationCallId: string } & DialledAnswer> {
    return this.#consult(client, callId, to, "transfer", "lineSetupTransfer");
  }

  /** lineSwapHold: AlternateCall between the active call and the held one. */
  async swapHold(client: LineClient, callId: string, otherCallId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, undefined, "lineSwapHold");
    const other = this.#sameLine(client, line, otherCallId, "otherCallId", "lineSwapHold");
    const [held, active] = HELD.includes(call.state) ? [call, other] : [other, call];
    this.#expect(held, HELD, "lineSwapHold", line);
    this.#expect(active, ACTIVE, "lineSwapHold", line);
    await this.#run("lineSwapHold", line, call, undefined, () =>
      this.api.client.invoke("alternateCall", {
        heldCall: line.calls.ownConnection(held),
        activeCall: line.calls.ownConnection(active),
      }));
  }

  /** lineCompleteTransfer: TransferCall or ConferenceCall of the held call and its consultation. */
  async completeTransfer(
    client: LineClient,
    callId: string,
    consultationCallId: string,
    mode: "transfer" | "conference",
  ): Promise<{ callId: string | null }> {
    const { line, call } = this.#call(client, callId, HELD, "lineCompleteTransfer");
    const consultation = this.#sameLine(
      client,
      line,
      consultationCallId,
      "consultationCallId",
      "lineCompleteTransfer",
    );
    const arg = {
      heldCall: line.calls.ownConnection(call),
      activeCall: line.calls.ownConnection(consultation),
    };
    if (mode === "transfer") {
      await this.#run(
        "lineCompleteTransfer",
        line,
        call,
        undefined,
        () => this.api.client.invoke("transferCall", arg),
      );
      return { callId: null };
    }
    await this.#run(
      "lineCompleteTransfer",
      line,
      call,
      undefined,
      () => this.api.client.invoke("conferenceCall", arg),
    );
    return { callId: call.callId };
  }

  /** lineAddToConference: ConferenceCall of the conference (held) and a consultation call. */
  async addToConference(client: LineClient, callId: string, consultationCallId: string): Promise<void> {
    const { line, call } = this.#call(client, callId, HELD, "lineAddToConference");
    const consultation = this.#sameLine(
      client,
      line,
      consultationCallId,
      "consultationCallId",
      "lineAddToConference",
    );
    await this.#run(
      "lineAddToConference",
      line,
      call,
      undefined,
      () =>
        this.api.client.invoke("conferenceCall", {
          heldCall: line.calls.ownConnection(call),
          activeCall: line.calls.ownConnection(consultation),
        }),
    );
  }

  /** lineRemoveFromConference: ClearConnection of one party of the conference. */
  async removeFromConference(client: LineClient, callId: string, party: string): Promise<void> {
    const { line, call } = this.#call(client, callId, ["conferenced"], "lineRemoveFromConference");
    const number = this.#dial(party, "party");
    if (!call.others.has(number)) {
      throw new LineApiError(
        "LINEERR_INVALPARAM",
        `party: ${party} is not in conference call ${callId} (members: ${
          [...call.others].join(", ") || "none"
        })`,
        "party",
      );
    }
    await this.#run(
      "lineRemoveFromConference",
      line,
      call,
      "party",
      () => this.api.client.clearConnection(connection(call.callID, dialingNumber(number))),
    );
  }

  /**
   * linePickup: GroupPickupCall without `from`; with it DirectedPickupCall of the call ringing at `from`
   * (found by a SnapshotDevice of that device).
   */
  async pickup(client: LineClient, number: string, from?: string): Promise<{ callId: string | null }> {
    const line = this.#line(client, number);
    let picked: ConnectionID | undefined;
    if (from === undefined) {
      const result = await this.#run(
        "linePickup",
        line,
        undefined,
        undefined,
        () => this.api.client.invoke("groupPickupCall", { newDestination: dialingNumber(number) }),
      );
      picked = result.pickedCall;
    } else {
      const device = this.#dial(from, "from");
      const ringing = await this.#run("linePickup", line, undefined, "from", async () => {
        const snapshot = await this.api.client.snapshotDevice(device);
        const data = snapshot.crossRefIDorSnapshotData;
        if (data.kind !== "snapshotData") return undefined;
        return data.value.find((entry) => snapshotConnectionStates(entry.localCallState).own === "alerting")
          ?.connectionIdentifier;
      });
      if (!ringing) {
        throw new LineApiError(
          "LINEERR_INVALCALLSTATE",
          `linePickup on line ${number}: no call rings at ${from}`,
        );
      }
      const result = await this.#run(
        "linePickup",
        line,
        undefined,
        "from",
        () =>
          this.api.client.invoke("directedPickupCall", {
            callToBePickedUp: ringing,
            requestingDevice: dialingNumber(number),
          }),
      );
      picked = result.pickedCall;
    }
    const call = picked?.callID ? line.calls.adopt(picked, "incoming") : undefined;
    return { callId: call?.callId ?? null };
  }

  /** lineGenerateDigits: GenerateDigits (DTMF) on a connected call. */
  async generateDigits(client: LineClient, callId: string, digits: string): Promise<void> {
    const { line, call } = this.#call(client, callId, ACTIVE, "lineGenerateDigits");
    await this.#run(
      "lineGenerateDigits",
      line,
      call,
      "digits",
      () =>
        this.api.client.invoke("generateDigits", {
          connectionToSendDigits: line.calls.ownConnection(call),
          charactersToSend: digits,
        }),
    );
  }

  /** lineDial: DialDigits on a call in dial tone (after the PC dialling rules). */
  async dial(client: LineClient, callId: string, digits: string): Promise<DialledAnswer> {
    const { line, call } = this.#call(client, callId, ["dialtone", "dialing"], "lineDial");
    const dialled = this.#dial(digits, "digits");
    await this.#run("lineDial", line, call, "digits", () =>
      this.api.client.invoke("dialDigits", {
        diallingConnection: line.calls.ownConnection(call),
        diallingSequence: dialingNumber(dialled),
      }));
    return { to: digits, dialled };
  }

  /** lineCompleteCall: CallBack, CampOnCall or IntrudeCall on a call to a busy or unanswered party. */
  async completeCall(
    client: LineClient,
    callId: string,
    mode: "callback" | "campon" | "intrude",
  ): Promise<void> {
    const states: LineCallState[] = mode === "intrude"
      ? ["busy", "ringback", "proceeding", "dialing"]
      : ["busy", "ringback", "proceeding", "dialing", "disconnected"];
    const { line, call } = this.#call(client, callId, states, "lineCompleteCall");
    const own = line.calls.ownConnection(call);
    await this.#run("lineCompleteCall", line, call, undefined, async () => {
      if (mode === "callback") await this.api.client.invoke("callBack", { callbackConnection: own });
      else if (mode === "campon") await this.api.client.invoke("camponCall", { camponConnection: own });
      else await this.api.client.invoke("intrudeCall", { intrude: own });
    });
  }

  /** lineForward: SetForwarding of one of the nine kinds. */
  async setForwarding(
    client: LineClient,
    number: string,
    mode: ForwardingMode,
    scope: ForwardingScope,
    to: string,
  ): Promise<DialledAnswer> {
    const line = this.#line(client, number);
    const dialled = this.#dial(to, "to");
    await this.#run("lineForward", line, undefined, "to", () =>
      this.api.client.invoke("setForwarding", {
        device: dialingNumber(number),
        forwardingType: forwardingType(mode, scope),
        activateForward: true,
        forwardDN: dialingNumber(dialled),
      }));
    return { to, dialled };
  }

  /** lineForward cancel: SetForwarding off for one kind, or for every kind that is on. */
  async cancelForwarding(
    client: LineClient,
    number: string,
    kind?: { mode: ForwardingMode; scope: ForwardingScope },
  ): Promise<void> {
    const line = this.#line(client, number);
    // Without a kind: every kind the PBX reports on (nothing to send when none is).
    const kinds = kind ? [kind] : (await this.#forwarding(line)).filter((f) => f.on);
    for (const k of kinds) {
      await this.#run(
        "lineForward",
        line,
        undefined,
        undefined,
        () =>
          this.api.client.invoke("setForwarding", {
            device: dialingNumber(number),
            forwardingType: forwardingType(k.mode, k.scope),
            activateForward: false,
          }),
      );
    }
  }

  /** lineSetDoNotDisturb: SetDoNotDisturb. */
  async setDoNotDisturb(client: LineClient, number: string, on: boolean): Promise<void> {
    const line = this.#line(client, number);
    await this.#run(
      "lineSetDoNotDisturb",
      line,
      undefined,
      undefined,
      () => this.api.client.invoke("setDoNotDisturb", { device: dialingNumber(number), doNotDisturbOn: on }),
    );
  }

  /** lineGetAddressStatus: the calls (after a SnapshotDevice), forwarding and do not disturb. */
  async addressStatus(client: LineClient, number: string): Promise<AddressStatus> {
    const line = this.#line(client, number);
    await this.#run("lineGetAddressStatus", line, undefined, undefined, () => this.api.resync(line));
    const forwarding = await this.#forwarding(line);
    const dnd = await this.#run(
      "lineGetAddressStatus",
      line,
      undefined,
      undefined,
      () => this.api.client.invoke("getDoNotDisturb", { device: dialingNumber(number) }),
    );
    const snapshot = this.api.snapshot(number);
    return {
      line: number,
      partner: line.calls.devices.partner ?? null,
      monitor: line.monitor,
      calls: snapshot.calls,
      forwarding,
      doNotDisturb: dnd.doNotDisturbOn,
    };
  }

  // ---- helpers --------------------------------------------------------------------------------

  async #forwarding(line: OpenLine): Promise<ForwardingEntry[]> {
    const result = await this.#run(
      "lineGetAddressStatus",
      line,
      undefined,
      undefined,
      () => this.api.client.invoke("getForwarding", { device: dialingNumber(line.number) }),
    );
    return result.forwardingList.flatMap((entry) => {
      const kind = entry.forwardingType === undefined ? undefined : forwardingKind(entry.forwardingType);
      const to = entry.forwardDN ? identifierDigits(entry.forwardDN.deviceIdentifier) ?? null : null;
      return kind ? [{ ...kind, on: entry.forwardStatus, to }] : [];
    });
  }

  async #consult(
    client: LineClient,
    callId: string,
    to: string,
    purpose: "transfer" | "conference",
    operation: string,
  ): Promise<{ consultationCallId: string } & DialledAnswer> {
    const { line, call } = this.#call(client, callId, [...ACTIVE, ...HELD], operation);
    const dialled = this.#dial(to, "to");
    line.calls.setPending(call, purpose);
    try {
      const result = await this.#run(
        operation,
        line,
        call,
        "to",
        () =>
          this.api.client.invoke("consultationCall", {
            existingCall: line.calls.ownConnection(call),
            consultedDevice: dialingNumber(dialled),
          }),
      );
      const consultation = line.calls.adopt(result.initiatedCall, "outgoing", dialled);
      return { consultationCallId: consultation.callId, to, dialled };
    } catch (error) {
      line.calls.setPending(call, undefined);
      throw error;
    }
  }

  #line(client: LineClient, number: string): OpenLine {
    const line = this.api.lineOf(client, number);
    this.api.renew(client, line);
    return line;
  }

  #call(
    client: LineClient,
    callId: string,
    states: readonly LineCallState[] | undefined,
    operation: string,
  ): { line: OpenLine; call: LineCall } {
    const found = this.api.callOf(client, callId);
    this.api.renew(client, found.line);
    if (states) this.#expect(found.call, states, operation, found.line);
    return found;
  }

  #sameLine(client: LineClient, line: OpenLine, callId: string, field: string, operation: string): LineCall {
    const found = this.api.callOf(client, callId);
    if (found.line !== line) {
      throw new LineApiError(
        "LINEERR_INVALPARAM",
        `${field}: ${operation} needs two calls on the same line; ${callId} is on line ${found.line.number}`,
        field,
      );
    }
    return found.call;
  }

  #expect(call: LineCall, states: readonly LineCallState[], operation: string, line: OpenLine): void {
    if (states.includes(call.state)) return;
    throw new LineApiError(
      "LINEERR_INVALCALLSTATE",
      `${operation} on line ${line.number}, call ${call.callId}: the call is ${call.state}; it must be ${
        states.join(" or ")
      }`,
    );
  }

  #addressDevice(line: OpenLine, address: 0 | 1): string {
    if (address === 0) return line.number;
    const partner = line.calls.devices.partner;
    if (!partner) {
      throw new LineApiError(
        "LINEERR_INVALPARAM",
        `address: line ${line.number} has no Mobile address (no Super-Twin partner is configured)`,
        "address",
      );
    }
    return partner;
  }

  #dial(input: string, field: string): string {
    const result = dialledNumber(this.numbering, input);
    if (!result.ok) throw new LineApiError("LINEERR_INVALADDRESS", `${field}: ${result.reason}`, field);
    return result.dialled;
  }

  async #run<T>(
    operation: string,
    line: OpenLine,
    call: LineCall | undefined,
    addressField: string | undefined,
    request: () => Promise<T>,
  ): Promise<T> {
    if (this.api.pbx === "down") {
      throw new LineApiError("LINEERR_NODRIVER", `${operation} on line ${line.number}: the PBX link is down`);
    }
    try {
      return await request();
    } catch (error) {
      throw lineErrorOf(error, { operation, line: line.number, callId: call?.callId, addressField });
    }
  }
}
