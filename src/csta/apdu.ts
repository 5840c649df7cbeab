// The one entry point for a whole APDU (PROTOCOL.md §15 step 2): ACSE `60`..`64` or ROSE `A1`..`A4`,
// decoded to a discriminated union over the nine kinds and encoded back.

import { type AcseApdu, decodeAcse, encodeAcse } from "./acse.ts";
import { BerReader } from "./ber_reader.ts";
import { CstaDecodeError } from "./decode_error.ts";
import { decodeRose, encodeRose, type RoseApdu } from "./rose.ts";

/** Any APDU: `aarq | aare | rlrq | rlre | abrt | invoke | returnResult | returnError | reject`. */
export type Apdu = AcseApdu | RoseApdu;

/** An APDU's kind. */
export type ApduKind = Apdu["kind"];

/**
 * Decodes one APDU (the bytes after the 2-byte frame header). Arguments and results stay raw
 * ({@link RawValue} views into `apdu`); decode them with the operation codecs. Throws only
 * {@link CstaDecodeError}; `baseOffset` is added to error offsets.
 */
export function decodeApdu(apdu: Uint8Array, baseOffset = 0): Apdu {
  if (apdu.length === 0) throw new CstaDecodeError("APDU", baseOffset, "empty APDU");
  const first = apdu[0];
  if (first >= 0x60 && first <= 0x64) return decodeAcse(apdu, baseOffset);
  const reader = new BerReader(apdu, baseOffset);
  return decodeRose(reader, reader.single("APDU"));
}

/** Encodes any APDU value (raw arguments/results are copied through unchanged). */
export function encodeApdu(apdu: Apdu): Uint8Array {
  switch (apdu.kind) {
    case "aarq":
    case "aare":
    case "rlrq":
    case "rlre":
    case "abrt":
      return encodeAcse(apdu);
    default:
      return encodeRose(apdu);
  }
}
