// APDUs to and from the Switchboard in the same process: the appliance's own consumers (call tracker,
// line API) attach a session exactly as a remote application does, without sockets or ACSE.

import { setImmediate } from "node:timers";
import type { Session, SessionInfo, SessionPort } from "../switchboard/session.ts";
import type { AttachRefusal } from "../switchboard/switchboard.ts";
import { CstaAssociationError } from "./client_errors.ts";
import type { ClientTransport, TransportReceiver } from "./client_transport.ts";

/** The part of the Switchboard an in-process client talks to. */
export interface SwitchboardAccess {
  attach(info: SessionInfo, port: SessionPort): Session | AttachRefusal;
  greet(session: Session): void;
  fromApplication(session: Session, apdu: Uint8Array): void;
  detach(session: Session, reason: string): void;
}

/** Who the in-process consumer is, as the Switchboard's status and licensing see it. */
export interface InProcessIdentity {
  /** Shown as the session's remote, e.g. `call-tracker`. */
  name: string;
  /** Whose licence seats its monitors take: `line` (line API) or `call-tracking` (free). */
  seatKind: SessionInfo["seatKind"];
}

/**
 * A Switchboard session as a client transport. The Switchboard calls its port from inside its own
 * processing, so deliveries are queued and handed on later: the client may then send at once without
 * re-entering the Switchboard mid-step.
 *
 * Later means in a turn of the event loop of their own, after the reads already waiting (`setImmediate`),
 * not in a microtask of the PBX read's turn. The PBX's events of one call arrive in reads of their own; with
 * the in-process sessions' work (call tracking, the integrations it feeds, the line API) done in each read's
 * turn, the next event's fan-out to every application waited for it.
 */
export class InProcessTransport implements ClientTransport {
  readonly kind = "in-process";
  readonly finished: Promise<void>;
  #board: SwitchboardAccess;
  #identity: InProcessIdentity;
  #session?: Session;
  #receiver?: TransportReceiver;
  #inbox: Uint8Array[] = [];
  #inboxBytes = 0;
  #draining = false;
  #closed = false;
  #finish: () => void;

  constructor(board: SwitchboardAccess, identity: InProcessIdentity) {
    this.#board = board;
    this.#identity = identity;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.finished = promise;
    this.#finish = resolve;
  }

  get peer(): string {
    return this.#session ? `switchboard session ${this.#session.id}` : "switchboard";
  }

  /** The attached session (after `start`), for status and tests. */
  get session(): Session | undefined {
    return this.#session;
  }

  /**
   * Attaches the session and asks the Switchboard to greet it with SystemStatus, as the PBX does after
   * its AARE (§2.3 [C-pbx]).
   * @throws CstaAssociationError when the Switchboard refuses the session.
   */
  start(receiver: TransportReceiver): void {
    if (this.#receiver) throw new Error("the transport is already started");
    this.#receiver = receiver;
    const attached = this.#board.attach(
      { transport: "internal", remote: this.#identity.name, seatKind: this.#identity.seatKind },
      {
        deliver: (apdu) => this.#enqueue(apdu),
        close: (reason) => queueMicrotask(() => this.close(reason)),
        queuedBytes: () => this.#inboxBytes,
      },
    );
    if ("refused" in attached) {
      this.#closed = true;
      this.#finish();
      throw new CstaAssociationError(attached.refused);
    }
    this.#session = attached;
    this.#board.greet(attached);
  }

  send(apdu: Uint8Array): { ok: true } | { ok: false; error: Error } {
    const session = this.#session;
    if (this.#closed || !session) return { ok: false, error: new Error("the session is closed") };
    this.#board.fromApplication(session, apdu);
    return { ok: true };
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#inbox = [];
    this.#inboxBytes = 0;
    if (this.#session) this.#board.detach(this.#session, reason);
    this.#finish();
    this.#receiver?.onClosed(reason);
  }

  #enqueue(apdu: Uint8Array): void {
    if (this.#closed) return;
    this.#inbox.push(apdu);
    this.#inboxBytes += apdu.length;
    if (!this.#draining) {
      this.#draining = true;
      setImmediate(this.#drainLater);
    }
  }

  #drainLater = (): void => this.#drain();

  #drain(): void {
    this.#draining = false;
    const receiver = this.#receiver;
    // Whatever arrives while this batch is handed on starts the next batch, keeping the order.
    const batch = this.#inbox;
    this.#inbox = [];
    for (const apdu of batch) {
      if (this.#closed || !receiver) return;
      this.#inboxBytes -= apdu.length;
      receiver.onApdu(apdu);
    }
  }
}
