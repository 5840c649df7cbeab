// Per-extension forwarding and do-not-disturb settings, and the rule that picks which forwarding applies
// to a call from an internal or external caller.

import type { DeviceKey, ForwardingTypeName } from "./call_facts.ts";

/** One forwarding setting (SetForwarding, §7). */
export interface ForwardingSetting {
  readonly type: ForwardingTypeName;
  /** Where calls go: an extension, group or outside number (digits as dialled). */
  readonly destination: string;
  /** No-answer time in ms before forwardNoAns applies; the engine default when absent. */
  readonly ringDurationMs?: number;
}

/** The situation in which a call reaches a device. */
export type ForwardTrigger = "immediate" | "busy" | "noAnswer" | "dnd";

/** Whether the caller is inside the PBX or came in on a CO line. */
export type CallerOrigin = "internal" | "external";

/** The forwarding types that apply to a trigger, most specific first. */
const TYPES_FOR: Record<ForwardTrigger, Record<CallerOrigin, ForwardingTypeName[]>> = {
  immediate: {
    internal: ["forwardImmInt", "forwardImmediate"],
    external: ["forwardImmExt", "forwardImmediate"],
  },
  busy: { internal: ["forwardBusyInt", "forwardBusy"], external: ["forwardBusyExt", "forwardBusy"] },
  noAnswer: { internal: ["forwardNoAnsInt", "forwardNoAns"], external: ["forwardNoAnsExt", "forwardNoAns"] },
  dnd: { internal: ["forwardDNDInt", "forwardDND"], external: ["forwardDNDExt", "forwardDND"] },
};

/** Every ForwardingType, in ECMA order (the value is the ENUMERATED number). §7 [C-std] */
export const FORWARDING_TYPES: readonly ForwardingTypeName[] = [
  "forwardImmediate",
  "forwardBusy",
  "forwardNoAns",
  "forwardBusyInt",
  "forwardBusyExt",
  "forwardNoAnsInt",
  "forwardNoAnsExt",
  "forwardImmInt",
  "forwardImmExt",
  "forwardDND",
  "forwardDNDInt",
  "forwardDNDExt",
];

/** Forwarding and DND of all devices. */
export class DeviceFeatures {
  readonly #forwarding = new Map<DeviceKey, Map<ForwardingTypeName, ForwardingSetting>>();
  readonly #dnd = new Set<DeviceKey>();

  /** Switches one forwarding type on (with its destination) or off. */
  setForwarding(device: DeviceKey, setting: ForwardingSetting, active: boolean): void {
    let settings = this.#forwarding.get(device);
    if (active) {
      if (!settings) this.#forwarding.set(device, settings = new Map());
      settings.set(setting.type, setting);
    } else {
      settings?.delete(setting.type);
      if (settings?.size === 0) this.#forwarding.delete(device);
    }
  }

  /** Switches every forwarding of a device off. */
  clearForwarding(device: DeviceKey): void {
    this.#forwarding.delete(device);
  }

  /** Active forwarding settings of a device, in ECMA order. */
  forwardingOf(device: DeviceKey): ForwardingSetting[] {
    const settings = this.#forwarding.get(device);
    if (!settings) return [];
    return FORWARDING_TYPES.flatMap((type) => settings.get(type) ?? []);
  }

  /** The forwarding that applies when a call from `origin` meets `trigger` at `device`, if any. */
  forwardingFor(
    device: DeviceKey,
    trigger: ForwardTrigger,
    origin: CallerOrigin,
  ): ForwardingSetting | undefined {
    const settings = this.#forwarding.get(device);
    if (!settings) return undefined;
    for (const type of TYPES_FOR[trigger][origin]) {
      const setting = settings.get(type);
      if (setting) return setting;
    }
    return undefined;
  }

  setDoNotDisturb(device: DeviceKey, on: boolean): void {
    if (on) this.#dnd.add(device);
    else this.#dnd.delete(device);
  }

  doNotDisturb(device: DeviceKey): boolean {
    return this.#dnd.has(device);
  }

  /** Forgets everything about a device (it left the plan). */
  forget(device: DeviceKey): void {
    this.#forwarding.delete(device);
    this.#dnd.delete(device);
  }
}
