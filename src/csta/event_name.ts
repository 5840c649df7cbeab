// Which event an EventReport carries, read from two tags after the crossRef without decoding the event,
// so the per-application filter can be applied on the fan-out path (§8.3 [C-std]).

import type { InvokePeek } from "./peek.ts";
import { readHeader, TlvHeader } from "./tlv.ts";

/** Event names by category tag then event tag, ECMA-285 names as in MonitorFilter (§8.1, §8.3). */
const EVENT_NAMES: readonly (readonly string[])[] = [
  // [0] callControlEvents
  [
    "bridged",
    "callCleared",
    "conferenced",
    "connectionCleared",
    "delivered",
    "digitsDialed",
    "diverted",
    "established",
    "failed",
    "held",
    "networkCapabilitiesChanged",
    "networkReached",
    "offered",
    "originated",
    "queued",
    "retrieved",
    "serviceInitiated",
    "transferred",
  ],
  // [1] callAssociatedEvents
  ["callInformation", "charging", "digitsGenerated", "telephonyTonesGenerated", "serviceCompletionFailure"],
  // [2] mediaAttachmentEvents
  ["mediaAttached", "mediaDetached"],
  // [3] physicalDeviceFeatureEvents
  [
    "buttonInformation",
    "buttonPress",
    "displayUpdated",
    "hookswitch",
    "lampMode",
    "messageWaiting",
    "microphoneGain",
    "microphoneMute",
    "ringerStatus",
    "speakerMute",
    "speakerVolume",
  ],
  // [4] logicalDeviceFeatureEvents
  [
    "agentBusy",
    "agentLoggedOn",
    "agentLoggedOff",
    "agentNotReady",
    "agentReady",
    "agentWorkingAfterCall",
    "autoAnswer",
    "autoWorkMode",
    "callBack",
    "callBackMessage",
    "callerIDStatus",
    "doNotDisturb",
    "forwarding",
    "routeingMode",
    "presenceState",
  ],
  // [5] deviceMaintenanceEvents (the filter calls them maintenance: backInService, outOfService, …)
  ["backInService", "deviceCapabilityChanged", "outOfService", "partiallyInService"],
  // [6] voiceUnitEvents: filtered as a whole category only by bits we do not map; names for logs.
  ["play", "record", "review", "stop", "suspendPlay", "suspendRecord", "voiceAttributesChange"],
  // [7] vendorSpecEvents
  ["privateEvent"],
];

const category = new TlvHeader();
const event = new TlvHeader();

/** The ECMA event name of an EventReport invoke, or undefined when the layout is not the §8.3 one. */
export function eventNameOf(apdu: Uint8Array, peek: InvokePeek): string | undefined {
  if (!peek.crossRef || peek.argumentEnd === null) return undefined;
  const end = peek.argumentEnd;
  if (readHeader(apdu, peek.crossRef.end, end, category) || category.tagClass !== "context") return undefined;
  const categoryEnd = category.length < 0 ? end : category.end;
  if (readHeader(apdu, category.contentStart, categoryEnd, event) || event.tagClass !== "context") {
    return undefined;
  }
  return EVENT_NAMES[category.tagNumber]?.[event.tagNumber];
}
