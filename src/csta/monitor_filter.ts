// MonitorFilter (§8.1): which events a monitor should NOT report. A set bit suppresses its event, and the
// bit numbers are not the event tags (delivered is bit 3 but event [4]).

import { type BerElement, type BerReader, contextTag } from "./ber_reader.ts";
import { concatBytes, tlv } from "./ber_writer.ts";
import { type BitString, bitStringOf, isBitSet } from "./bit_string.ts";
import { bitString, checkRawElement, type Codec, type UnknownField, wrapDecode } from "./codec.ts";

/** Filter bit numbers per category, ECMA names. §8.1 [C-std] */
export const MonitorFilterBits = {
  callControl: {
    callCleared: 0,
    conferenced: 1,
    connectionCleared: 2,
    delivered: 3,
    diverted: 4,
    established: 5,
    failed: 6,
    held: 7,
    networkReached: 8,
    originated: 9,
    queued: 10,
    retrieved: 11,
    serviceInitiated: 12,
    transferred: 13,
    digitsDialed: 14,
    bridged: 15,
    networkCapabilitiesChanged: 16,
    offered: 17,
  },
  callAssociated: {
    callInformation: 0,
    charging: 1,
    dTMFDigitsDetected: 2,
    telephonyTonesDetected: 3,
    serviceCompletionFailure: 4,
  },
  mediaAttachment: { mediaAttached: 0, mediaDetached: 1 },
  physicalDeviceFeature: {
    buttonInformation: 0,
    buttonPress: 1,
    displayUpdated: 2,
    hookswitch: 3,
    lampMode: 4,
    messageWaiting: 5,
    microphoneGain: 6,
    microphoneMute: 7,
    ringerStatus: 8,
    speakerMute: 9,
    speakerVolume: 10,
  },
  logicalDeviceFeature: {
    agentBusy: 0,
    agentLoggedOn: 1,
    agentLoggedOff: 2,
    agentNotReady: 3,
    agentReady: 4,
    agentWorkingAfterCall: 5,
    autoAnswer: 6,
    autoWorkMode: 7,
    callBack: 8,
    callBackMessage: 9,
    callerIDStatus: 10,
    doNotDisturb: 11,
    forwarding: 12,
    routeingMode: 13,
    presenceState: 14,
  },
  maintenance: { backInService: 0, outOfService: 1, deviceCapabilityChanged: 2, partiallyInService: 3 },
  /** Voice unit bits are not named here; set them by number with `bitStringOf`. */
  voiceUnit: {},
  private: { privateEvent: 0 },
} as const;

/** A filter category (one BIT STRING of the SEQUENCE). */
export type MonitorFilterCategory = keyof typeof MonitorFilterBits;

/** Every event name a filter bit exists for. */
export type FilterableEventName = {
  [C in MonitorFilterCategory]: keyof (typeof MonitorFilterBits)[C];
}[MonitorFilterCategory];

/** MonitorFilter: each category absent (= nothing suppressed) or a BIT STRING of suppressed events. */
export type MonitorFilter = { [C in MonitorFilterCategory]?: BitString } & { unknownFields?: UnknownField[] };

/** The filter that suppresses nothing, shared (frozen) by every monitor that asked for none. */
export const NO_MONITOR_FILTER: MonitorFilter = Object.freeze({});

/** Field tags in declaration order (the tags are deliberately not ascending). §8.1 [C-std] */
const FIELD_TAGS: Readonly<Record<MonitorFilterCategory, number>> = {
  callControl: 0,
  callAssociated: 6,
  mediaAttachment: 7,
  physicalDeviceFeature: 8,
  logicalDeviceFeature: 9,
  maintenance: 3,
  voiceUnit: 5,
  private: 4,
};
const CATEGORIES = Object.keys(FIELD_TAGS) as MonitorFilterCategory[];
const CATEGORY_BY_TAG = new Map(CATEGORIES.map((c) => [contextTag(FIELD_TAGS[c]), c]));

const EVENT_BITS = new Map<string, [MonitorFilterCategory, number]>();
for (const category of CATEGORIES) {
  for (const [name, bit] of Object.entries(MonitorFilterBits[category])) {
    EVENT_BITS.set(name, [category, bit]);
  }
}

const WHAT = "MonitorFilter";

function decodeFilter(reader: BerReader, element: BerElement): MonitorFilter {
  const out: MonitorFilter = {};
  let last: string | null = null;
  for (const child of reader.children(element, WHAT)) {
    const category = CATEGORY_BY_TAG.get(child.tag);
    if (category === undefined) {
      (out.unknownFields ??= []).push({ after: last, raw: reader.raw(child) });
      continue;
    }
    if (out[category] !== undefined) reader.fail(`${WHAT}.${category}`, child.start, "field given twice");
    // Senders may order the fields by tag number; they are all distinct, so accept any order.
    out[category] = wrapDecode(`${WHAT}.${category}`, () => bitString.decode(reader, child));
    last = category;
  }
  return out;
}

function encodeFilterContent(filter: MonitorFilter): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const field of filter.unknownFields ?? []) {
    if (field.after === null) parts.push(field.raw);
  }
  for (const category of CATEGORIES) {
    const bits = filter[category];
    if (bits !== undefined) parts.push(tlv(contextTag(FIELD_TAGS[category]), bitString.encodeContent!(bits)));
    for (const field of filter.unknownFields ?? []) {
      if (field.after === category) parts.push(field.raw);
    }
  }
  for (const field of filter.unknownFields ?? []) {
    if (field.after !== null && !CATEGORIES.includes(field.after as MonitorFilterCategory)) {
      parts.push(field.raw);
    }
  }
  for (const part of parts) checkRawElement(WHAT, part, null);
  return concatBytes(parts);
}

/** MonitorFilter as an untagged SEQUENCE (`30`); use `implicit(0, monitorFilter)` for `A0`. */
export const monitorFilter: Codec<MonitorFilter> = {
  what: WHAT,
  tags: [0x30],
  decode: decodeFilter,
  encode: (filter) => tlv(0x30, encodeFilterContent(filter)),
  encodeContent: encodeFilterContent,
};

/** Builds a filter that suppresses exactly the named events (an empty list gives `{}`: report all). */
export function monitorFilterSuppressing(events: Iterable<FilterableEventName>): MonitorFilter {
  const bits = new Map<MonitorFilterCategory, number[]>();
  for (const event of events) {
    const [category, bit] = EVENT_BITS.get(event)!;
    bits.set(category, [...(bits.get(category) ?? []), bit]);
  }
  const filter: MonitorFilter = {};
  for (const [category, list] of bits) filter[category] = bitStringOf(list);
  return filter;
}

/**
 * Whether `filter` suppresses the event named `event` (ECMA event name such as `"delivered"` or
 * `"doNotDisturb"`). Events without a filter bit are never suppressed. §8.1 [C-std]
 */
export function filterSuppresses(filter: MonitorFilter, event: string): boolean {
  const bit = filterBitOf(event);
  return bit !== undefined && suppressesBit(filter, bit);
}

/** Where an event's bit sits in a MonitorFilter: its category and bit number. */
export type FilterBit = readonly [MonitorFilterCategory, number];

/**
 * The filter bit of the event named `event`, or undefined for events no filter can suppress. The fan-out
 * looks it up once per event and tests each subscriber's filter with {@link suppressesBit}. §8.1 [C-std]
 *
 * @example
 * ```ts
 * const bit = filterBitOf("delivered");
 * const wanted = subscribers.filter((s) => bit === undefined || !suppressesBit(s.filter, bit));
 * ```
 */
export function filterBitOf(event: string): FilterBit | undefined {
  return EVENT_BITS.get(event);
}

/** Whether `filter` has the bit `bit` (from {@link filterBitOf}) set. */
export function suppressesBit(filter: MonitorFilter, bit: FilterBit): boolean {
  const bits = filter[bit[0]];
  return bits !== undefined && isBitSet(bits, bit[1]);
}
