// The services one application holds at a time or that answer only whoever asked: CDR (one owner,
// re-registered after a reconnect), hotel control (one owner), the requester of KME escapes, and the
// sessions that asked for a device list (§9, §10, §11, §13 point 8).

import { stopCdrInvoke } from "../csta/call_detail_records.ts";
import { isHotelEscape } from "../csta/kme_private_data.ts";
import { firstOctetString } from "../csta/monitor_request.ts";
import { Opcode } from "../csta/opcodes.ts";
import type { InvokePeek } from "../csta/peek.ts";
import { replaceInvokeId } from "../csta/rewrite.ts";
import { noDataAnswer } from "../csta/rose.ts";
import type { Logger } from "../log/logger.ts";
import type { Upstream } from "../pbx/upstream.ts";
import { exclusiveServiceTakenFailure, failureAnswer } from "./local_answers.ts";
import { describeOutcome, type Forward, requestOnce, resultValue } from "./pbx_requests.ts";
import type { Session } from "./session.ts";

export interface ExclusiveServicesOptions {
  upstream: Upstream;
  log: Logger;
  /** The dispatcher's forwarding of an application's invoke to the PBX. */
  forward: Forward;
}

/** An exclusive service (CDR, hotel) and who owns it. */
interface ExclusiveOwner {
  session: Session;
  /** CDR: the StartCDR invoke, re-sent after a reconnect. */
  startInvoke?: Uint8Array;
  /** CDR: the PBX's current cdrCrossRefID. */
  pbxCrossRef?: Uint8Array;
}

/** Device-list requests remembered at once; the oldest is forgotten past it (a list takes seconds). */
const DEVICE_LIST_REQUESTS_KEPT = 100;

export class ExclusiveServices {
  #options: ExclusiveServicesOptions;
  #log: Logger;
  #cdr?: ExclusiveOwner;
  #hotel?: ExclusiveOwner;
  /** serviceCrossRefID of a GetSwitchingFunctionDevices -> the session that asked. §9 */
  #deviceListRequests = new Map<string, Session>();
  /** The last session that sent an escape: KME linked replies go to it. §11 [?] */
  #escapeRequester?: Session;

  constructor(options: ExclusiveServicesOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  // ---- from applications ----------------------------------------------------------------------

  startCdr(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    if (this.#cdr && this.#cdr.session !== session) {
      // One CDR application at a time, answered as estos does. §10, §13 point 8
      return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
    }
    // Kept to re-register after a reconnect; copied now because `apdu` is a view of a read buffer.
    const startInvoke = apdu.slice();
    this.#options.forward(session, apdu, peek, (result, answer) => {
      this.#cdr = {
        session,
        startInvoke,
        pbxCrossRef: firstOctetString(resultValue(result, answer)),
      };
      this.#log.info("CDR owner set", { session: session.id });
    });
  }

  stopCdr(session: Session, peek: InvokePeek): void {
    if (this.#cdr?.session !== session) {
      return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
    }
    this.#endCdr("its owner stopped it");
    session.port.deliver(noDataAnswer(peek.invokeId, Opcode.stopCDRTransmission));
  }

  /** Escape: hotel control has one owner; any escape makes its sender the KME reply's addressee. */
  escape(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    if (isHotelEscape(apdu, peek)) {
      if (this.#hotel && this.#hotel.session !== session) {
        return session.port.deliver(failureAnswer(peek.invokeId, exclusiveServiceTakenFailure));
      }
      this.#hotel = { session };
    }
    this.#escapeRequester = session;
    this.#options.forward(session, apdu, peek);
  }

  /** GetSwitchingFunctionDevices: the segments that follow go to the session that asked. §9 */
  getDeviceList(session: Session, apdu: Uint8Array, peek: InvokePeek): void {
    this.#options.forward(session, apdu, peek, (result, answer) => {
      const crossRef = firstOctetString(resultValue(result, answer));
      if (crossRef) this.#rememberDeviceListRequest(crossRef.toHex(), session);
    });
  }

  /** The application is gone: what it owned is free, and a CDR registration is stopped at the PBX. */
  dropSession(session: Session): void {
    if (this.#cdr?.session === session) this.#endCdr("its owner disconnected");
    if (this.#hotel?.session === session) this.#hotel = undefined;
    if (this.#escapeRequester === session) this.#escapeRequester = undefined;
    for (const [key, owner] of this.#deviceListRequests) {
      if (owner === session) this.#deviceListRequests.delete(key);
    }
  }

  // ---- from the PBX -----------------------------------------------------------------------------

  /** CDRReport or CDRNotification: to the CDR owner, who answers it. §10 */
  cdrFromPbx(apdu: Uint8Array, peek: InvokePeek): void {
    this.#toOwnerOrAck(this.#cdr?.session, apdu, peek);
  }

  /** The PBX ended CDR transmission: acknowledged, and the owner hears it. §10 */
  cdrStoppedByPbx(apdu: Uint8Array, peek: InvokePeek): void {
    const owner = this.#cdr?.session;
    this.#cdr = undefined;
    this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
    if (owner) owner.port.deliver(replaceInvokeId(apdu, owner.nextInvokeId()));
  }

  /** An Escape from the PBX (a KME reply or notice): to the last session that sent one. §11 [?] */
  escapeFromPbx(apdu: Uint8Array, peek: InvokePeek): void {
    this.#toOwnerOrAck(this.#escapeRequester, apdu, peek);
  }

  /** One SwitchingFunctionDevices segment, to the session that asked for the list. */
  deviceListSegment(apdu: Uint8Array, peek: InvokePeek): void {
    const argument = peek.argumentStart === null
      ? undefined
      : apdu.subarray(peek.argumentStart, peek.argumentEnd!);
    const crossRef = argument && firstOctetString(argument);
    const session = crossRef && this.#deviceListRequests.get(crossRef.toHex());
    if (!session || session.closed) return; // no answer is due for 205. §9
    session.port.deliver(replaceInvokeId(apdu, session.nextInvokeId()));
  }

  // ---- link state and status --------------------------------------------------------------------

  /** The link is (back) up: the CDR owner's registration is sent again. */
  linkReady(): Promise<void> {
    const cdr = this.#cdr;
    if (!cdr?.startInvoke) return Promise.resolve();
    return requestOnce(this.#options.upstream, cdr.startInvoke, (outcome) => {
      if (outcome.kind === "answer" && outcome.peek.kind === "returnResult") {
        cdr.pbxCrossRef = firstOctetString(resultValue(outcome.peek, outcome.apdu));
      } else this.#log.warn("CDR could not be re-registered", { reason: describeOutcome(outcome) });
    });
  }

  /** What a session owns, for status. */
  ownedBy(session: Session): string[] {
    return [this.#cdr?.session === session ? "cdr" : "", this.#hotel?.session === session ? "hotel" : ""]
      .filter(Boolean);
  }

  status() {
    return { cdrOwner: this.#cdr?.session.id ?? null, hotelOwner: this.#hotel?.session.id ?? null };
  }

  // ---- inside -----------------------------------------------------------------------------------

  #endCdr(why: string): void {
    const owner = this.#cdr;
    this.#cdr = undefined;
    if (owner?.pbxCrossRef && this.#options.upstream.ready) {
      void this.#options.upstream.request(stopCdrInvoke(0, owner.pbxCrossRef));
    }
    this.#log.info("CDR transmission stopped", { reason: why });
  }

  /** Passes a PBX invoke that needs an answer to its owner, or answers it here when there is none. */
  #toOwnerOrAck(owner: Session | undefined, apdu: Uint8Array, peek: InvokePeek): void {
    if (!owner || owner.closed) {
      // Acknowledged even when nobody takes it, so the PBX never waits. §10 [C-pbx]
      this.#options.upstream.send(noDataAnswer(peek.invokeId, peek.opcode));
      return;
    }
    const id = owner.nextInvokeId();
    owner.rememberForwarded(id, { pbxInvokeId: peek.invokeId, opcode: peek.opcode });
    owner.port.deliver(replaceInvokeId(apdu, id));
  }

  #rememberDeviceListRequest(key: string, session: Session): void {
    if (this.#deviceListRequests.size >= DEVICE_LIST_REQUESTS_KEPT) {
      this.#deviceListRequests.delete(this.#deviceListRequests.keys().next().value!);
    }
    this.#deviceListRequests.set(key, session);
  }
}
