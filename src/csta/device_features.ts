// Device features (§7): call forwarding and do-not-disturb, set and queried.

import {
  bitString,
  boolean,
  implicit,
  type Infer,
  integer,
  namedEnumerated,
  opt,
  req,
  sequence,
  sequenceOf,
} from "./codec.ts";
import { deviceId } from "./device_id.ts";
import { extensions } from "./extensions.ts";
import { type Named, namedValues, type NamesOf } from "./named_values.ts";

/** ForwardingType. §7 [C-std] */
export const ForwardingType = namedValues("ForwardingType", {
  forwardImmediate: 0,
  forwardBusy: 1,
  forwardNoAns: 2,
  forwardBusyInt: 3,
  forwardBusyExt: 4,
  forwardNoAnsInt: 5,
  forwardNoAnsExt: 6,
  forwardImmInt: 7,
  forwardImmExt: 8,
  forwardDND: 9,
  forwardDNDInt: 10,
  forwardDNDExt: 11,
});
export type ForwardingTypeValue = Named<NamesOf<typeof ForwardingType>>;

/** ForwardDefault. [C-std] */
export const ForwardDefault = namedValues("ForwardDefault", {
  forwardingTypeAndForwardDN: 0,
  forwardingType: 1,
  forwardDN: 2,
});

/** CallOrigination bits of do-not-disturb. [C-std] */
export const CallOriginationBit = { internal: 0, external: 1 } as const;

/** SetForwarding (317) argument; result noData. */
export const setForwardingArgument = sequence("SetForwarding argument", {
  device: req(deviceId),
  forwardingType: opt(namedEnumerated(ForwardingType)),
  activateForward: req(boolean),
  forwardDN: opt(deviceId),
  ringCount: opt(integer),
  ringDuration: opt(implicit(3, integer)),
  extensions: opt(extensions),
});
export type SetForwardingArgument = Infer<typeof setForwardingArgument>;

/** GetForwarding (309) argument. */
export const getForwardingArgument = sequence("GetForwarding argument", {
  device: req(deviceId),
  extensions: opt(extensions),
});
export type GetForwardingArgument = Infer<typeof getForwardingArgument>;

/** One ForwardList entry. [C-std] */
export const forwardListEntry = sequence("ForwardList entry", {
  forwardingType: opt(namedEnumerated(ForwardingType)),
  forwardStatus: req(boolean),
  forwardDN: opt(deviceId),
  forwardDefault: opt(namedEnumerated(ForwardDefault)),
  ringDuration: opt(implicit(0, integer)),
  ringCount: opt(integer),
});
export type ForwardListEntry = Infer<typeof forwardListEntry>;

/** GetForwarding result. */
export const getForwardingResult = sequence("GetForwarding result", {
  forwardingList: req(sequenceOf("ForwardList", forwardListEntry)),
  extensions: opt(extensions),
});
export type GetForwardingResult = Infer<typeof getForwardingResult>;

/** SetDoNotDisturb (316) argument; result noData. */
export const setDoNotDisturbArgument = sequence("SetDoNotDisturb argument", {
  device: req(deviceId),
  doNotDisturbOn: req(boolean),
  callOrigination: opt(bitString),
  callingDeviceList: opt(sequenceOf("callingDeviceList", deviceId)),
  extensions: opt(extensions),
});
export type SetDoNotDisturbArgument = Infer<typeof setDoNotDisturbArgument>;

/** GetDoNotDisturb (308) argument. */
export const getDoNotDisturbArgument = sequence("GetDoNotDisturb argument", {
  device: req(deviceId),
  extensions: opt(extensions),
});
export type GetDoNotDisturbArgument = Infer<typeof getDoNotDisturbArgument>;

/** GetDoNotDisturb result. */
export const getDoNotDisturbResult = sequence("GetDoNotDisturb result", {
  doNotDisturbOn: req(boolean),
  callOrigination: opt(bitString),
  callingDeviceList: opt(sequenceOf("callingDeviceList", deviceId)),
  extensions: opt(extensions),
});
export type GetDoNotDisturbResult = Infer<typeof getDoNotDisturbResult>;
