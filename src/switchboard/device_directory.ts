// Which dialling number a PBX device number stands for, learned from the PBX's device list, so that a
// device is monitored once whether applications name it by number or by device number (§5.1 [C-pbx]).

import type { DeviceID } from "../csta/device_id.ts";
import { deviceKey } from "../csta/device_key.ts";

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

  /** The key a monitor is filed under (see {@link deviceKey}), with the device numbers learned here. */
  keyOf(device: DeviceID): string {
    return deviceKey(device, (n) => this.numberOf(n));
  }
}
