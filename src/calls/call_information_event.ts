// CallInformation for call tracking: the codec lives in src/csta/call_information.ts (the simulator
// writes the event too); this adds how the tracker reads an account code. §8.3 [C-std]

export {
  CALL_INFORMATION_TAG,
  callInformationAsEvent,
  type CallInformationEvent,
  callInformationEvent,
  decodeCallInformation,
  isCallInformation,
} from "../csta/call_information.ts";

/** An account code as text: AccountInfo is an OCTET STRING of (normally) digits. */
export function accountCodeText(accountInfo: Uint8Array): string {
  let text = "";
  for (const octet of accountInfo) text += octet >= 0x20 && octet < 0x7f ? String.fromCharCode(octet) : "";
  return text.trim();
}
