// The cross-reference IDs this appliance gives applications (§13 design point 2): four octets on the wire,
// like a typical PBX crossRef, held as a number so each of 20,000 subscriptions costs no typed array and no
// string key of its own.

/** Octets of every application crossRef on the wire. */
export const APP_XREF_OCTETS = 4;

/** The largest application crossRef; allocation wraps from here back to 1. */
export const APP_XREF_MAX = 0xffffffff;

/**
 * The wire octets of an application crossRef, big-endian, written into `into` (a fresh array by default;
 * the fan-out passes a scratch array that it copies out at once).
 *
 * @example
 * ```ts
 * appXrefOctets(0x0102); // Uint8Array [0, 0, 1, 2]
 * ```
 */
export function appXrefOctets(value: number, into = new Uint8Array(APP_XREF_OCTETS)): Uint8Array {
  into[0] = value >>> 24;
  into[1] = (value >>> 16) & 0xff;
  into[2] = (value >>> 8) & 0xff;
  into[3] = value & 0xff;
  return into;
}

/**
 * The application crossRef named by octets an application sent, or undefined when they cannot be one of
 * ours (not four octets long): such a request names an unknown crossRef.
 */
export function readAppXref(octets: Uint8Array): number | undefined {
  if (octets.length !== APP_XREF_OCTETS) return undefined;
  return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}
