// The one error type the pure protocol code throws or returns: what was being decoded and where.

/** A frame or value could not be decoded; `offset` is the byte offset inside the frame being read. */
export class CstaDecodeError extends Error {
  override readonly name = "CstaDecodeError";
  constructor(
    /** What was being decoded, e.g. `"MonitorStart argument"` or `"TLV length"`. */
    readonly what: string,
    /** Byte offset inside the APDU (or stream) where the problem was found. */
    readonly offset: number,
    /** Plain-words reason. */
    readonly reason: string,
  ) {
    super(`${what}: ${reason} at byte ${offset}`);
  }
}

/** A value could not be encoded (out of range, too long); raised before any byte is produced. */
export class CstaEncodeError extends Error {
  override readonly name = "CstaEncodeError";
  constructor(readonly what: string, readonly reason: string) {
    super(`${what}: ${reason}`);
  }
}
