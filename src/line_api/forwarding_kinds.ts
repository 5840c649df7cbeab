// TAPI's nine LINEFORWARDMODE kinds (seed 3.4) as a mode and a scope, and the ECMA-269 ForwardingType
// each one is (§7 [C-std]).

import type { ForwardingTypeValue } from "../csta/device_features.ts";

export type ForwardingMode = "unconditional" | "busy" | "noAnswer";
export type ForwardingScope = "all" | "internal" | "external";

/** mode -> scope -> ForwardingType; the TAPI name in the comment. */
const TYPES: Record<ForwardingMode, Record<ForwardingScope, ForwardingTypeValue>> = {
  // LINEFORWARDMODE_UNCOND, _UNCONDINTERNAL, _UNCONDEXTERNAL
  unconditional: { all: "forwardImmediate", internal: "forwardImmInt", external: "forwardImmExt" },
  // LINEFORWARDMODE_BUSY, _BUSYINTERNAL, _BUSYEXTERNAL
  busy: { all: "forwardBusy", internal: "forwardBusyInt", external: "forwardBusyExt" },
  // LINEFORWARDMODE_NOANSW, _NOANSWINTERNAL, _NOANSWEXTERNAL
  noAnswer: { all: "forwardNoAns", internal: "forwardNoAnsInt", external: "forwardNoAnsExt" },
};

/** The ForwardingType of a mode and scope. */
export function forwardingType(mode: ForwardingMode, scope: ForwardingScope): ForwardingTypeValue {
  return TYPES[mode][scope];
}

/** The mode and scope of a ForwardingType, or undefined for the do-not-disturb kinds and unknown numbers. */
export function forwardingKind(
  type: ForwardingTypeValue,
): { mode: ForwardingMode; scope: ForwardingScope } | undefined {
  for (const mode of Object.keys(TYPES) as ForwardingMode[]) {
    for (const scope of Object.keys(TYPES[mode]) as ForwardingScope[]) {
      if (TYPES[mode][scope] === type) return { mode, scope };
    }
  }
  return undefined;
}
