// Fault injection: the ways a real PBX link misbehaves, switched on at run time so clients can be tested
// against them (drop the link, stop answering, answer slowly, send a malformed frame).

/** How the simulated PBX ends an association itself (§2.5, §16.7: which APDU Panasonic sends is unknown). */
export type ReleaseStyle =
  /** ABRT `64 03 80 01 00`, then close (default: the `80 01 00` body LinTcMon sees, as an abort). */
  | "abort"
  /** RLRQ `62 03 80 01 00`, then close without waiting for the RLRE. */
  | "release"
  /** Close the TCP connection without any APDU. */
  | "close";

/** The fault switches a running simulator reads on every frame. */
export class FaultState {
  /** While true the PBX is hung: requests get no answer, and no events or keep-alives go out. */
  stopAnswering = false;
  /** Delay before each request is handled and answered, in ms (0: at once). */
  answerDelayMs = 0;

  /** Back to a healthy PBX. */
  clear(): void {
    this.stopAnswering = false;
    this.answerDelayMs = 0;
  }

  /** For status pages. */
  describe(): { stopAnswering: boolean; answerDelayMs: number } {
    return { stopAnswering: this.stopAnswering, answerDelayMs: this.answerDelayMs };
  }
}

/**
 * A frame whose APDU is not valid BER: an Invoke whose length runs past the end of the frame. A client
 * should answer it with a Reject (general/badlyStructuredPDU) or close the link; it must not crash.
 */
export const MALFORMED_APDU: Uint8Array = Uint8Array.of(0xa1, 0x10, 0x02, 0x01, 0x07, 0x02, 0x01);
