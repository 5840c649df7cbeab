// The key a device is filed under by the multiplexer's monitors and the licence seats (`n:`, `d:`, `o:`), and
// the same key in an administrator's words. Here, below both, so the two layers share one reading of it.

import { type DeviceID, identifierDigits } from "./device_id.ts";

/**
 * `n:<digits>` for every form that carries digits, and for a device number whose digits `numberOf` knows;
 * `d:<n>` for an unknown device number; `o:<hex>` for `other`.
 */
export function deviceKey(device: DeviceID, numberOf: (deviceNumber: number) => string | undefined): string {
  const identifier = device.deviceIdentifier;
  const digits = identifierDigits(identifier);
  if (digits !== undefined) return `n:${digits}`;
  if (identifier.kind === "deviceNumber") {
    const number = numberOf(identifier.value);
    return number === undefined ? `d:${identifier.value}` : `n:${number}`;
  }
  return `o:${(identifier.value as Uint8Array).toHex()}`;
}

/**
 * A device key as an administrator reads it: `n:101` -> `101` (`line 101` where a sentence needs the noun,
 * as "no free licence for line 101"), `d:7` -> `device number 7`, `o:0a` -> `other device (0a)`.
 */
export function deviceWords(key: string, number: "bare" | "line" = "bare"): string {
  if (key.startsWith("n:")) return number === "line" ? `line ${key.slice(2)}` : key.slice(2);
  if (key.startsWith("d:")) return `device number ${key.slice(2)}`;
  if (key.startsWith("o:")) return `other device (${key.slice(2)})`;
  return key;
}
