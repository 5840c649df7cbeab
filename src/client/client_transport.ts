// What a CstaClient needs from the thing that carries its APDUs: a TCP/TLS socket to a PBX or cstabox,
// or a session attached to the Switchboard in the same process.

/** Receives what the transport brings in. Called with one whole APDU at a time, in order. */
export interface TransportReceiver {
  /** One APDU (no frame header). The bytes are the receiver's to keep. */
  onApdu(apdu: Uint8Array): void;
  /** The transport ended, once; nothing arrives after this. */
  onClosed(reason: string): void;
}

/** An open carrier of APDUs. Implementations never throw from these methods. */
export interface ClientTransport {
  /** `tcp`, `tls` or `in-process`, for status and errors. */
  readonly kind: "tcp" | "tls" | "in-process";
  /** Who is on the other side: `host:port`, or the switchboard session. */
  readonly peer: string;
  /** Starts delivering to `receiver` (reading the socket, attaching the session); called once. */
  start(receiver: TransportReceiver): void;
  /**
   * Queues one APDU for the peer. Returns false (and sends nothing) when the transport is closed or the
   * APDU cannot be framed; `error` then says why.
   */
  send(apdu: Uint8Array): { ok: true } | { ok: false; error: Error };
  /** Resolves when everything sent so far has left (or the transport closed). */
  flush(): Promise<void>;
  /** Ends the transport; `onClosed` fires (synchronously) with `reason` unless it already fired. */
  close(reason: string): void;
  /** Resolves once the transport has ended and released everything it held (socket, read loop). */
  readonly finished: Promise<void>;
}
