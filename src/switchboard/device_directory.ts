// Which dialling number a PBX device number stands for, learned from the PBX's device list, so that a
// device is monitored once whether applications name it by number or by device number (§5.1 [C-pbx]).

import { type DeviceID, identifierDigits } from "../csta/device_id.ts";

export class DeviceDirectory {
  #numberByDevice = new Map<number, string>();
  #deviceByNumber = new Map<string, number>();

  /** Records that `deviceNumber` is the device dialled as `number`. */
  add(number: string, deviceNumber: number): void {
    this.#numberByDevice.set(deviceNumber, number);
    this.#deviceByNumber.set(number, deviceNumber);
  }

  numberOf(deviceNumber: number): string | undefined {
    return this.#numberByDevice.get(deviceNumber);
  }

  deviceNumberOf(number: string): number | undefined {
    return this.#deviceByNumber.get(number);
  }

  get size(): number {
    return this.#numberByDevice.size;
  }

  /**
   * The key a monitor is filed under: `n:<digits>` for every form that carries digits, and for a device
   * number whose digits are known; `d:<n>` for an unknown device number; `o:<hex>` for `other`.
   */
  keyOf(device: DeviceID): string {
    const identifier = device.deviceIdentifier;
    const digits = identifierDigits(identifier);
    if (digits !== undefined) return `n:${digits}`;
    if (identifier.kind === "deviceNumber") {
      const number = this.numberOf(identifier.value);
      return number === undefined ? `d:${identifier.value}` : `n:${number}`;
    }
    return `o:${(identifier.value as Uint8Array).toHex()}`;
  }
}

/** A monitor key as an administrator reads it: `n:101` -> `101`, other keys in words. */
export function deviceWords(key: string): string {
  if (key.startsWith("n:")) return key.slice(2);
  if (key.startsWith("d:")) return `device number ${key.slice(2)}`;
  if (key.startsWith("o:")) return `other device (${key.slice(2)})`;
  return key;
}
