// A stand-in for the Switchboard behind an in-process CstaClient: records what the client sends, answers
// by a script, and lets a test deliver any APDU, so the client is tested without sockets or timers.

import type { SwitchboardAccess } from "../../../src/client/in_process_transport.ts";
import { decodeApdu } from "../../../src/csta/apdu.ts";
import { Session, type SessionInfo, type SessionPort } from "../../../src/switchboard/session.ts";
import type { AttachRefusal } from "../../../src/switchboard/switchboard.ts";
import { hexBytes } from "../../fixtures/protocol_examples.ts";

/** SystemStatus(normal) from the switch with invoke ID 1, §14.3. */
export const SYSTEM_STATUS_NORMAL = hexBytes("A1 0C 02 01 01 02 02 00 D3 30 03 0A 01 02");

export class ScriptedBoard implements SwitchboardAccess {
  /** APDUs the client sent, in order. */
  sent: Uint8Array[] = [];
  port?: SessionPort;
  session?: Session;
  detachedWith?: string;
  /** The reply to each APDU the client sends, or undefined for none. */
  script: (apdu: Uint8Array) => Uint8Array | undefined = () => undefined;
  refuse?: string;

  attach(info: SessionInfo, port: SessionPort): Session | AttachRefusal {
    if (this.refuse) return { refused: this.refuse };
    this.port = port;
    this.session = new Session(1, info, port, Date.now());
    return this.session;
  }

  greet(): void {
    this.port!.deliver(SYSTEM_STATUS_NORMAL);
  }

  fromApplication(_session: Session, apdu: Uint8Array): void {
    this.sent.push(apdu);
    const reply = this.script(apdu);
    if (reply) this.port!.deliver(reply);
  }

  detach(_session: Session, reason: string): void {
    this.detachedWith = reason;
  }

  /** Delivers an APDU to the client as the Switchboard would. */
  deliver(apdu: Uint8Array): void {
    this.port!.deliver(apdu);
  }

  /** The invoke ID of the n-th APDU sent (an Invoke). */
  sentInvokeId(index: number): number {
    const apdu = decodeApdu(this.sent[index]);
    if (apdu.kind !== "invoke") throw new Error(`sent[${index}] is a ${apdu.kind}`);
    return apdu.invokeId;
  }
}

/** Lets queued microtasks and the in-process deliveries run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
