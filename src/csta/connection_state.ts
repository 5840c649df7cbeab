// Connection and call states: LocalConnectionState (`4E`, §8.4) used in events, and the snapshot CallState.

import { TagClass } from "./ber_reader.ts";
import { choice, implicit, type Infer, namedEnumerated, nullValue, sequenceOf } from "./codec.ts";
import { type Named, namedValues, type NamesOf } from "./named_values.ts";

/** LocalConnectionState values. §8.4 [C-std] */
export const LocalConnectionState = namedValues("LocalConnectionState", {
  null: 0,
  initiated: 1,
  alerting: 2,
  connected: 3,
  hold: 4,
  queued: 5,
  fail: 6,
});
export type LocalConnectionStateName = NamesOf<typeof LocalConnectionState>;

/** `[APPLICATION 14] IMPLICIT ENUMERATED` (`4E 01 02` = alerting). */
export const localConnectionState = implicit(14, namedEnumerated(LocalConnectionState), TagClass.application);
export type LocalConnectionStateValue = Named<LocalConnectionStateName>;

/** SimpleCallState values (snapshot): the two connection states packed as hex digits. [C-std] */
export const SimpleCallState = namedValues("SimpleCallState", {
  callNull: 0x00,
  callPending: 0x01,
  callOriginated: 0x03,
  callDelivered: 0x23,
  callDeliveredHeld: 0x24,
  callReceived: 0x32,
  callEstablished: 0x33,
  callEstablishedHeld: 0x34,
  callReceivedOnHold: 0x42,
  callEstablishedOnHold: 0x43,
  callQueued: 0x53,
  callQueuedHeld: 0x54,
  callFailed: 0x63,
  callFailedHeld: 0x64,
  callBlocked: 0x60,
});

/** CallState of SnapshotDevice: compound list, simple code, or unknown. [C-std] */
export const callState = choice("CallState", {
  compoundCallState: implicit(0, sequenceOf("CompoundCallState", localConnectionState)),
  simpleCallState: implicit(1, namedEnumerated(SimpleCallState)),
  unknown: implicit(2, nullValue),
});
export type CallState = Infer<typeof callState>;

/**
 * The snapshot device's own connection state and the other connections' states of a SnapshotDevice entry:
 * a compound CallState lists the snapshot device first; a SimpleCallState packs two states as hex digits,
 * the low one read as the device's own (callEstablishedHeld 0x34: the device holds). Which form Panasonic
 * sends is not known [?]; the simulator sends compound states.
 */
export function snapshotConnectionStates(
  state: CallState,
): { own?: LocalConnectionStateName; others: LocalConnectionStateName[] } {
  const name = (value: LocalConnectionStateValue) =>
    typeof value === "number" ? LocalConnectionState.nameOf(value) : value;
  if (state.kind === "compoundCallState") {
    const [own, ...others] = state.value.map(name);
    return { own, others: others.filter((s): s is LocalConnectionStateName => s !== undefined) };
  }
  if (state.kind !== "simpleCallState") return { others: [] };
  const value = typeof state.value === "number" ? state.value : SimpleCallState.toNumber(state.value);
  const own = LocalConnectionState.nameOf(value & 0x0f);
  const other = LocalConnectionState.nameOf(value >> 4);
  return { own, others: other === undefined ? [] : [other] };
}
