// A PBX read's EventReports fanned out per application rather than per event. The simulator, like a PBX
// under load, sends a call's events together: at the bench's pacing 311 of 312 reads carried 8
// EventReports. Fanned out event by event, every application's write waited until all 8 x 1,000 copies
// were queued; held per application, each application's copies are queued together and its write starts
// at once, while the next application's are still being copied (issue 24, docs/BENCHMARKS.md).

import type { EventCopies } from "./event_copies.ts";
import type { Session } from "./session.ts";

/**
 * The copies of the frames read so far, held in each session until {@link send}. Each session gets its
 * copies in the order they were held, so its events keep the PBX's order across monitors; sessions are
 * served in the order their first copy came, in-process ones (call tracking, the line API) after every
 * socket.
 *
 * @example
 * ```ts
 * const held = new HeldEvents();
 * held.hold(session, copies, subscription.appXref); // for each subscriber of each EventReport read
 * held.send(); // at the end of the read, or before any other frame takes effect
 * ```
 */
export class HeldEvents {
  /** Sessions with held copies, in the order their first one came. */
  #sockets = new SessionList();
  #inProcess = new SessionList();

  /** Whether any copy waits to be sent. */
  get empty(): boolean {
    return this.#sockets.count === 0 && this.#inProcess.count === 0;
  }

  /** Holds one copy of `copies` for the subscription `appXref` of `session`. */
  hold(session: Session, copies: EventCopies, appXref: number): void {
    if (!session.holdEvent(copies, appXref)) return;
    if (session.inProcess) this.#inProcess.add(session);
    else this.#sockets.add(session);
  }

  /**
   * Queues every held copy, session by session, each session's write started as its copies are in. The
   * in-process consumers come last: their work on an event must not delay any socket's copy (issue 21).
   */
  send(): void {
    this.#sockets.sendAll();
    this.#inProcess.sendAll();
  }
}

/**
 * Sessions in order, kept in an array that is never shortened: `length = 0` gives up its room, and the list
 * of 1,000 sessions was grown again, doubling from nothing, at every read. Sent entries are cleared, so a
 * session that has gone is not kept alive by the list.
 */
class SessionList {
  #sessions: (Session | undefined)[] = [];
  count = 0;

  add(session: Session): void {
    this.#sessions[this.count++] = session;
  }

  /**
   * Sends each listed session's held copies (sessions added meanwhile included) and empties the list. An
   * entry already sent is skipped, should a port's close handler ever send the held copies again meanwhile.
   */
  sendAll(): void {
    const sessions = this.#sessions;
    for (let i = 0; i < this.count; i++) {
      sessions[i]?.sendHeldEvents();
      sessions[i] = undefined;
    }
    this.count = 0;
  }
}
