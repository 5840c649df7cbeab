// One application's connection: the ACSE handshake with optional login, then frames to and from the
// Switchboard through a bounded writer. Whatever the application does, only this connection suffers.

import type { CstaUsers } from "../accounts/csta_users.ts";
import type { LoginThrottle } from "../accounts/login_throttle.ts";
import { PasswordChecksBusyError } from "../accounts/password_checks.ts";
import { typedUserForLog } from "../accounts/typed_user.ts";
import {
  type AarqApdu,
  decodeAcse,
  encodeAareRejected,
  encodeAbrt,
  encodeRlre,
  panasonicAareAccepted,
} from "../csta/acse.ts";
import { CstaDecodeError } from "../csta/decode_error.ts";
import type { FrameTemplate } from "../csta/frame_template.ts";
import { encodeFrame, FRAME_HEADER_SIZE, FrameReassembler } from "../csta/framing.ts";
import { peekApdu } from "../csta/peek.ts";
import type { Logger } from "../log/logger.ts";
import type { SummarisedWarning } from "../log/summarised_log.ts";
import { describeWriterFailure, QueuedWriter } from "../net/queued_writer.ts";
import { ReadBuffer } from "../net/read_buffer.ts";
import type { WriteWindow } from "../net/write_window.ts";
import type { CloseCause, Session, Transport } from "../switchboard/session.ts";
import type { Switchboard } from "../switchboard/switchboard.ts";
import { errorText } from "../log/error_text.ts";
import { type FrameTrace, NO_TRACE } from "../trace/frame_trace.ts";

/** Application contexts accepted: Panasonic's (ECMA-218 arc, §2.2 [C-pbx]) and the ECMA-285 ones. */
const ACCEPTED_CONTEXTS = ["1.3.12.0.218", "1.3.12.0.285"];

/** First octet of an AARQ, [APPLICATION 0] constructed. §2.1 [C-std] */
const AARQ_TAG = 0x60;

export interface ConnectionContext {
  transport: Exclude<Transport, "internal">;
  switchboard: Switchboard;
  users: CstaUsers;
  throttle: LoginThrottle;
  log: Logger;
  /** Logins the throttle refused, logged per address once a minute with their count (issue 18). */
  refusedLogins: SummarisedWarning;
  loginRequired: boolean;
  maxFrameBytes: number;
  outboundQueueBytes: number;
  drainTimeoutMs: number;
  /** Frames for the application within this window leave in one write; none: each turn. */
  writeWindow?: WriteWindow;
  handshakeTimeoutMs: number;
  /** A frame begun must be complete within this time, or the connection is closed (issue 18 defect 6). */
  frameCompletionMs: number;
  /** Counts outcomes for the listener's status. */
  count: (what: ConnectionOutcome) => void;
  /** The CSTA trace; every frame both ways is handed to it while one runs. */
  trace?: FrameTrace;
}

/** Outcomes the listener counts in its status. */
export type ConnectionOutcome =
  | "loginFailed"
  | "refused"
  | "droppedSlow"
  | "closedMalformed"
  | "closedIncompleteFrame";

/** Serves one accepted connection until it ends; never throws. */
export async function serveApplication(conn: Deno.Conn, ctx: ConnectionContext): Promise<void> {
  const remoteAddr = conn.remoteAddr as Deno.NetAddr;
  const remote = `${remoteAddr.hostname}:${remoteAddr.port}`;
  let session: Session | undefined;
  let closed = false;
  let closeReason = "the application closed the connection";

  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    closeReason = reason;
    writer.close();
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  /** Set once the multiplexer has ended the session: later frames are not read into it. */
  let closing = false;
  /**
   * The multiplexer ends the session. After a run of malformed frames the Rejects already queued were
   * promised to the application, so they are written first (even when all the frames came in one read).
   */
  const closeForMultiplexer = (reason: string, cause?: CloseCause) => {
    if (cause !== "malformed") return close(reason);
    if (closing || closed) return;
    closing = true;
    ctx.count("closedMalformed");
    ctx.log.warn("application disconnected", { remote, reason });
    void writer.drained().then(() => close(reason));
  };
  const writer = new QueuedWriter(conn, {
    maxQueuedBytes: ctx.outboundQueueBytes,
    drainTimeoutMs: ctx.drainTimeoutMs,
    window: ctx.writeWindow,
    onFailure: (failure) => {
      if (failure.kind !== "writeError") ctx.count("droppedSlow");
      ctx.log.warn("application disconnected", { remote, reason: describeWriterFailure(failure) });
      close(describeWriterFailure(failure));
    },
  });
  const trace = ctx.trace ?? NO_TRACE;
  const send = (apdu: Uint8Array) => {
    const recording = trace.active;
    if (recording !== null) recording.application("out", remote, session?.id, apdu);
    return writer.enqueue(encodeFrame(apdu));
  };
  const sendCopy = (copy: FrameTemplate) => {
    const recording = trace.active;
    if (recording !== null) {
      recording.application("out", remote, session?.id, copy.toFrame().subarray(FRAME_HEADER_SIZE));
    }
    writer.enqueueFrom(copy);
  };

  const handshakeTimer = setTimeout(() => close("no AARQ within the handshake time"), ctx.handshakeTimeoutMs);
  let handshaking: Promise<void> | undefined;

  const onApdu = (apdu: Uint8Array) => {
    if (closed || closing) return;
    if (session) return onAssociatedApdu(apdu, session);
    if (handshaking) return; // frames before the AARE are not expected; ignore them
    const copy = apdu.slice();
    handshaking = associate(copy).finally(() => clearTimeout(handshakeTimer));
  };

  /**
   * Anything but a readable AARQ as the first APDU is an ACSE protocol error: X.227 answers it with an ABRT
   * from the acse-service-provider, abort-diagnostic protocol-error (2), rather than a silent close.
   */
  const abort = async (reason: string) => {
    ctx.count("closedMalformed");
    ctx.log.warn("association aborted", { remote, reason });
    send(encodeAbrt({ source: "acseServiceProvider", diagnostic: "protocolError" }));
    await writer.drained();
    close(reason);
  };

  const associate = async (apdu: Uint8Array) => {
    let aarq: AarqApdu;
    try {
      const decoded = decodeAcse(apdu);
      if (decoded.kind !== "aarq") return abort(`expected an AARQ, got ${decoded.kind.toUpperCase()}`);
      aarq = decoded;
    } catch (error) {
      const what = apdu[0] === AARQ_TAG ? "unreadable AARQ" : "expected an AARQ";
      return abort(`${what}: ${errorText(error)}`);
    }
    const context = aarq.applicationContextName;
    if (context && !ACCEPTED_CONTEXTS.some((c) => context === c || context.startsWith(`${c}.`))) {
      send(encodeAareRejected({ kind: "acseServiceUser", value: "applicationContextNameNotSupported" }));
      await writer.drained();
      return close(`application context ${context} not supported`);
    }
    // Without a required login the server behaves like the PBX and ignores any credentials. §2.4
    const user = ctx.loginRequired ? aarq.credentials?.name : undefined;
    if (ctx.loginRequired) {
      const refusal = await checkLogin(aarq, remoteAddr.hostname, ctx);
      if (refusal instanceof PasswordChecksBusyError) {
        // Not a failed login: the application may try again in a moment.
        ctx.count("refused");
        ctx.log.warn("CSTA login refused: busy", { remote, reason: refusal.message });
        send(encodeAareRejected({ kind: "acseServiceUser", value: "noReasonGiven" }, "rejectedTransient"));
        await writer.drained();
        return close(`login refused: ${refusal.message}`);
      }
      if (refusal) {
        ctx.count("loginFailed");
        if (refusal === THROTTLED) ctx.refusedLogins.note(remoteAddr.hostname);
        else {
          // A name that is no user may be a password typed in the wrong field: logged by its length only.
          const known = user !== undefined && ctx.users.list().some((u) => u.name === user);
          const logged = user === undefined ? null : typedUserForLog(user, known);
          ctx.log.warn("CSTA login refused", { remote, user: logged, reason: refusal });
        }
        // X.227 Associate-source-diagnostic: authentication-required (14) when the AARQ carries no
        // calling-authentication-value, authentication-failure (13, as derived in §2.3 [D]) when the one it
        // carries does not pass (wrong, or a name without a password).
        const given = aarq.callingAuthenticationValue !== undefined;
        const value = given ? "authenticationFailure" : "authenticationRequired";
        send(encodeAareRejected({ kind: "acseServiceUser", value }));
        await writer.drained();
        const reason = refusal === THROTTLED
          ? "too many failed logins from this address or for this user name; try again in a minute"
          : refusal;
        return close(`login refused: ${reason}`);
      }
    }
    if (closed) return;
    const attached = ctx.switchboard.attach(
      { transport: ctx.transport, remote, user, seatKind: "application" },
      {
        deliver: send,
        deliverFrom: sendCopy,
        startWrite: () => writer.writeNow(),
        close: closeForMultiplexer,
        queuedBytes: () => writer.queuedBytes,
      },
    );
    if ("refused" in attached) {
      ctx.count("refused");
      ctx.log.warn("application refused", { remote, reason: attached.refused });
      send(encodeAareRejected({ kind: "acseServiceUser", value: "noReasonGiven" }, "rejectedTransient"));
      await writer.drained();
      return close(attached.refused);
    }
    session = attached;
    // The PBX's own AARE bytes, then SystemStatus like the PBX. §2.3 [C-pbx], §13 point 10
    send(panasonicAareAccepted());
    ctx.switchboard.greet(attached);
  };

  const onAssociatedApdu = (apdu: Uint8Array, current: Session) => {
    const first = apdu[0];
    if (first === 0x62) {
      // RLRQ: confirm and end, as a PBX would. §2.5 [D]
      send(encodeRlre());
      void writer.drained().then(() => close("the application released the association"));
      return;
    }
    if (first === 0x64) return close("the application aborted the association");
    if (first === 0x60 || first === 0x61 || first === 0x63) {
      const peek = peekApdu(apdu);
      ctx.log.debug("ACSE APDU inside an association ignored", {
        remote,
        kind: "kind" in peek ? peek.kind : "?",
      });
      return;
    }
    ctx.switchboard.fromApplication(current, apdu);
  };

  const reassembler = new FrameReassembler({ maxFrameSize: ctx.maxFrameBytes });
  // A frame begun and never finished (trickled a byte at a time, or cut short) would hold the connection
  // and up to 64 KB for ever: each frame gets frameCompletionMs from the read that began it.
  let frameTimer: ReturnType<typeof setTimeout> | undefined;
  let frameCompleted = false;
  const stopFrameTimer = () => {
    clearTimeout(frameTimer);
    frameTimer = undefined;
  };
  const frameOverdue = () => {
    const reason = `frame not completed within ${ctx.frameCompletionMs / 1000} s ` +
      `(${reassembler.pendingBytes} bytes of it received)`;
    ctx.count("closedIncompleteFrame");
    ctx.log.warn("application disconnected", { remote, reason });
    close(reason);
  };
  const onFrame = (apdu: Uint8Array) => {
    frameCompleted = true;
    const recording = trace.active;
    if (recording !== null) recording.application("in", remote, session?.id, apdu);
    onApdu(apdu);
  };
  // Applications send little (requests, answers) and now and then a burst: 1,000 idle ones stay cheap.
  const buffer = new ReadBuffer();
  try {
    while (!closed) {
      const n = await conn.read(buffer.bytes);
      if (n === null) break;
      frameCompleted = false;
      reassembler.push(buffer.bytes.subarray(0, n), onFrame);
      buffer.afterRead(n);
      if (reassembler.pendingBytes === 0) stopFrameTimer();
      else if (frameCompleted || frameTimer === undefined) {
        stopFrameTimer();
        frameTimer = setTimeout(frameOverdue, ctx.frameCompletionMs);
      }
    }
  } catch (error) {
    if (error instanceof CstaDecodeError) {
      ctx.count("closedMalformed");
      closeReason = `broken framing: ${error.message}`;
      ctx.log.warn("application disconnected", { remote, reason: closeReason });
    } else if (!closed) {
      closeReason = `connection error: ${errorText(error)}`;
    }
  } finally {
    clearTimeout(handshakeTimer);
    stopFrameTimer();
    await handshaking;
    close(closeReason);
    if (session) ctx.switchboard.detach(session, closeReason);
  }
}

/** A login refused by the throttle, before any check: logged per address a minute, not one line each. */
const THROTTLED = Symbol("throttled");

async function checkLogin(
  aarq: AarqApdu,
  address: string,
  ctx: ConnectionContext,
): Promise<string | typeof THROTTLED | PasswordChecksBusyError | undefined> {
  const name = aarq.credentials?.name;
  const password = aarq.credentials?.password;
  if (ctx.throttle.blocked(address, name)) return THROTTLED;
  if (name === undefined || password === undefined) {
    ctx.throttle.recordFailure(address);
    return "no user name and password in the AARQ";
  }
  let verified: boolean;
  try {
    verified = await ctx.users.verify(name, password);
  } catch (error) {
    if (!(error instanceof PasswordChecksBusyError)) throw error;
    // As the web login: a busy refusal counts against the address only, so a flood is throttled.
    ctx.throttle.recordFailure(address);
    return error;
  }
  if (!verified) {
    ctx.throttle.recordFailure(address, name);
    return "wrong user name or password";
  }
  ctx.throttle.recordSuccess(name);
  return undefined;
}
