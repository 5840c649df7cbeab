// ACSE association APDUs (X.227, PROTOCOL.md §2) on asn1js: AARQ, AARE, RLRQ, RLRE, ABRT; the exact
// Panasonic AARQ/AARE bytes, AARE rejections, and the lenient reading of login credentials (§2.4).

import * as asn1js from "asn1js";
import { BerReader } from "./ber_reader.ts";
import { type BitString, bitStringOf } from "./bit_string.ts";
import { CstaDecodeError, CstaEncodeError } from "./decode_error.ts";
import { type Named, namedValues, type NamesOf } from "./named_values.ts";

/** Application context name Panasonic uses in AARQ and AARE (the ECMA-218 arc). §2.2 [C-pbx] */
export const PANASONIC_APPLICATION_CONTEXT = "1.3.12.0.218";

/** direct-reference of the EXTERNAL carrying ACSEUserInformationForCSTA. §2.2 [C-pbx] [C-std] */
export const CSTA_USER_INFORMATION_OID = "1.3.12.0.285.200";

/** CSTAVersion bit numbers; Panasonic announces versionFive (ECMA-285 2nd edition). §2.3 [C-std] */
export const CstaVersionBit = {
  versionOne: 0,
  versionTwo: 1,
  versionThree: 2,
  versionFour: 3,
  versionFive: 4,
  versionSix: 5,
  versionSeven: 6,
  versionEight: 7,
  versionNine: 8,
  versionTen: 9,
  versionEleven: 10,
  versionTwelve: 11,
  versionThirteen: 12,
  versionFourteen: 13,
  versionFifteen: 14,
  versionSixteen: 15,
  versionSeventeen: 16,
  versionEighteen: 17,
  versionNineteen: 18,
} as const;

/** cSTAVersion exactly as Panasonic sends it: `03 03 00 08 00` (16 bits, versionFive set). §2.3 [C-pbx] */
export const PANASONIC_CSTA_VERSION: BitString = bitStringOf([CstaVersionBit.versionFive], 16);

/** protocol-version `{version1}`: `80 02 07 80`. */
export const PROTOCOL_VERSION_1: BitString = bitStringOf([0]);

/** sender-acse-requirements `{authentication}`: `8A 02 07 80`. */
export const AUTHENTICATION_REQUIRED: BitString = bitStringOf([0]);

/** Associate-result. §2.1 [C-std] */
export const AssociateResult = namedValues("Associate-result", {
  accepted: 0,
  rejectedPermanent: 1,
  rejectedTransient: 2,
});

/** Associate-source-diagnostic, acse-service-user alternative (X.227 names in camelCase). §2.1 [C-std] */
export const AcseServiceUserDiagnostic = namedValues("acse-service-user diagnostic", {
  null: 0,
  noReasonGiven: 1,
  applicationContextNameNotSupported: 2,
  callingAPTitleNotRecognized: 3,
  callingAPInvocationIdentifierNotRecognized: 4,
  callingAEQualifierNotRecognized: 5,
  callingAEInvocationIdentifierNotRecognized: 6,
  calledAPTitleNotRecognized: 7,
  calledAPInvocationIdentifierNotRecognized: 8,
  calledAEQualifierNotRecognized: 9,
  calledAEInvocationIdentifierNotRecognized: 10,
  authenticationMechanismNameNotRecognized: 11,
  authenticationMechanismNameRequired: 12,
  authenticationFailure: 13,
  authenticationRequired: 14,
});

/** Associate-source-diagnostic, acse-service-provider alternative. §2.1 [C-std] */
export const AcseServiceProviderDiagnostic = namedValues("acse-service-provider diagnostic", {
  null: 0,
  noReasonGiven: 1,
  noCommonAcseVersion: 2,
});

/** Release-request-reason (RLRQ). §2.1 [C-std] */
export const ReleaseRequestReason = namedValues("Release-request-reason", {
  normal: 0,
  urgent: 1,
  userDefined: 30,
});

/** Release-response-reason (RLRE). §2.1 [C-std] */
export const ReleaseResponseReason = namedValues("Release-response-reason", {
  normal: 0,
  notFinished: 1,
  userDefined: 30,
});

/** ABRT-source. §2.1 [C-std] */
export const AbortSource = namedValues("ABRT-source", { acseServiceUser: 0, acseServiceProvider: 1 });

/** ABRT-diagnostic (later ACSE versions only). §2.1 [C-std] */
export const AbortDiagnostic = namedValues("ABRT-diagnostic", {
  noReasonGiven: 1,
  protocolError: 2,
  authenticationMechanismNameNotRecognized: 3,
  authenticationMechanismNameRequired: 4,
  authenticationFailure: 5,
  authenticationRequired: 6,
});

/** Who produced an AARE diagnostic, and which one. */
export type AssociateDiagnostic =
  | { kind: "acseServiceUser"; value: Named<NamesOf<typeof AcseServiceUserDiagnostic>> }
  | { kind: "acseServiceProvider"; value: Named<NamesOf<typeof AcseServiceProviderDiagnostic>> };

/** Login read from calling-authentication-value; either part may be missing. §2.4 [?] */
export interface AcseCredentials {
  name?: string;
  password?: string;
}

/** An ACSE element this module does not interpret, kept with its position for re-encoding. */
export interface AcseUnknownField {
  /** Tag number of the known field it followed (`null`: first). */
  readonly after: number | null;
  readonly raw: Uint8Array;
}

/** AARQ `60`: association request. */
export interface AarqApdu {
  kind: "aarq";
  protocolVersion?: BitString;
  /** application-context-name as a dotted OID. */
  applicationContextName?: string;
  senderAcseRequirements?: BitString;
  mechanismName?: string;
  /** The element inside calling-authentication-value `AC` (its CHOICE alternative), raw. */
  callingAuthenticationValue?: Uint8Array;
  /** Credentials read leniently from `callingAuthenticationValue`. §2.4 */
  credentials?: AcseCredentials;
  /** user-information `BE` element, raw. */
  userInformation?: Uint8Array;
  /** cSTAVersion found inside user-information, if any. */
  cstaVersion?: BitString;
  unknownFields?: AcseUnknownField[];
}

/** AARE `61`: association response. */
export interface AareApdu {
  kind: "aare";
  protocolVersion?: BitString;
  applicationContextName?: string;
  result: Named<NamesOf<typeof AssociateResult>>;
  resultSourceDiagnostic?: AssociateDiagnostic;
  /** responding-authentication-value `AA`: the alternative inside, raw. */
  respondingAuthenticationValue?: Uint8Array;
  userInformation?: Uint8Array;
  cstaVersion?: BitString;
  unknownFields?: AcseUnknownField[];
}

/** RLRQ `62`: release request. */
export interface RlrqApdu {
  kind: "rlrq";
  reason?: Named<NamesOf<typeof ReleaseRequestReason>>;
  userInformation?: Uint8Array;
  unknownFields?: AcseUnknownField[];
}

/** RLRE `63`: release response. */
export interface RlreApdu {
  kind: "rlre";
  reason?: Named<NamesOf<typeof ReleaseResponseReason>>;
  userInformation?: Uint8Array;
  unknownFields?: AcseUnknownField[];
}

/** ABRT `64`: abort. */
export interface AbrtApdu {
  kind: "abrt";
  source: Named<NamesOf<typeof AbortSource>>;
  diagnostic?: Named<NamesOf<typeof AbortDiagnostic>>;
  userInformation?: Uint8Array;
  unknownFields?: AcseUnknownField[];
}

/** Any ACSE APDU. */
export type AcseApdu = AarqApdu | AareApdu | RlrqApdu | RlreApdu | AbrtApdu;

// ---------------------------------------------------------------------------------------------------------
// Decoding

const APPLICATION = 2;
const CONTEXT = 3;
const UNIVERSAL = 1;
const KIND_BY_TAG = ["aarq", "aare", "rlrq", "rlre", "abrt"] as const;

/** Limits handed to asn1js; the bytes are also pre-checked by our own bounded reader. */
const ASN1JS_LIMITS = { maxDepth: 32, maxNodes: 4096, maxContentLength: 0xffff, parseEmbedded: false };

type Block = asn1js.AsnType;

class AcseReader {
  constructor(readonly bytes: Uint8Array, readonly baseOffset: number, readonly what: string) {}

  offsetOf(block: Block): number {
    const view = block.valueBeforeDecodeView;
    return this.baseOffset + Math.max(0, view.byteOffset - this.bytes.byteOffset);
  }

  fail(block: Block | null, reason: string, what = this.what): never {
    throw new CstaDecodeError(what, block ? this.offsetOf(block) : this.baseOffset, reason);
  }

  children(block: Block, what: string): Block[] {
    if (!(block instanceof asn1js.Constructed) && !block.idBlock.isConstructed) {
      this.fail(block, "constructed element expected", what);
    }
    const value = (block.valueBlock as { value?: unknown }).value;
    return Array.isArray(value) ? value as Block[] : [];
  }

  single(block: Block, what: string): Block {
    const inner = this.children(block, what);
    if (inner.length !== 1) this.fail(block, `tagged wrapper holds ${inner.length} elements`, what);
    return inner[0];
  }

  content(block: Block, what: string): Uint8Array {
    if (block.idBlock.isConstructed) this.fail(block, "primitive element expected", what);
    const view = (block.valueBlock as { valueHexView?: Uint8Array }).valueHexView;
    if (!(view instanceof Uint8Array)) this.fail(block, "no content octets", what);
    return view;
  }

  integer(block: Block, what: string): number {
    const content = this.content(block, what);
    if (content.length === 0 || content.length > 6) {
      this.fail(block, `integer of ${content.length} octets`, what);
    }
    let value = content[0] >= 0x80 ? content[0] - 256 : content[0];
    for (let i = 1; i < content.length; i++) value = value * 256 + content[i];
    return value;
  }

  bitString(block: Block, what: string): BitString {
    const content = block instanceof asn1js.BitString
      ? Uint8Array.of(block.valueBlock.unusedBits, ...block.valueBlock.valueHexView)
      : this.content(block, what);
    if (content.length === 0 || content[0] > 7 || (content.length === 1 && content[0] !== 0)) {
      this.fail(block, "malformed bit string", what);
    }
    return { unusedBits: content[0], bytes: content.slice(1) };
  }

  oid(block: Block, what: string): string {
    if (block instanceof asn1js.ObjectIdentifier) {
      const value = block.getValue();
      if (block.valueBlock.error || value === "") this.fail(block, "malformed object identifier", what);
      return value;
    }
    if (block.idBlock.tagClass === CONTEXT && !block.idBlock.isConstructed) {
      return oidFromContent(this, block, this.content(block, what), what);
    }
    return this.fail(block, "object identifier expected", what);
  }

  raw(block: Block): Uint8Array {
    return block.valueBeforeDecodeView.slice();
  }
}

function oidFromContent(reader: AcseReader, block: Block, content: Uint8Array, what: string): string {
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    value = value * 128 + (content[i] & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) reader.fail(block, "object identifier arc too large", what);
    if ((content[i] & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) reader.fail(block, "object identifier truncated", what);
  }
  if (arcs.length === 0) reader.fail(block, "empty object identifier", what);
  const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join(".");
}

/** Walks the whole tree with our bounded reader so asn1js only ever sees well-formed, bounded input. */
function preflight(bytes: Uint8Array, baseOffset: number, what: string): void {
  const reader = new BerReader(bytes, baseOffset);
  const stack = [reader.single(what)];
  while (stack.length > 0) {
    const element = stack.pop()!;
    if (element.constructed) stack.push(...reader.children(element, what));
  }
}

/**
 * asn1js on pre-checked bytes. It still throws on some contents (a UniversalString whose length is not a
 * multiple of 4 raises a RangeError), so its exceptions become decode errors here, at the library boundary.
 */
function parseWithAsn1js(apdu: Uint8Array, baseOffset: number, what: string) {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(apdu, ASN1JS_LIMITS);
  } catch (error) {
    throw new CstaDecodeError(what, baseOffset, `asn1js: ${error instanceof Error ? error.message : error}`);
  }
  if (parsed.offset === -1) {
    throw new CstaDecodeError(what, baseOffset, parsed.result.error || "malformed BER");
  }
  return parsed;
}

/**
 * Decodes an ACSE APDU (`60`..`64`). Unknown fields are kept raw; `baseOffset` is added to error offsets.
 * Every failure is a {@link CstaDecodeError}.
 */
export function decodeAcse(apdu: Uint8Array, baseOffset = 0): AcseApdu {
  const tagNumber = apdu.length > 0 ? apdu[0] - 0x60 : -1;
  const kind = KIND_BY_TAG[tagNumber];
  const what = kind === undefined ? "ACSE APDU" : kind.toUpperCase();
  if (kind === undefined) throw new CstaDecodeError(what, baseOffset, "not an ACSE APDU tag");
  preflight(apdu, baseOffset, what);
  const parsed = parseWithAsn1js(apdu, baseOffset, what);
  const reader = new AcseReader(apdu, baseOffset, what);
  const fields = reader.children(parsed.result, what);
  switch (kind) {
    case "aarq":
      return decodeAarq(reader, fields);
    case "aare":
      return decodeAare(reader, fields, parsed.result);
    case "rlrq":
    case "rlre":
      return decodeRelease(reader, fields, kind);
    case "abrt":
      return decodeAbrt(reader, fields, parsed.result);
  }
}

/** Iterates fields, handing known (context tag, constructed) pairs to `known`; the rest are kept raw. */
function eachField(
  reader: AcseReader,
  fields: Block[],
  known: (tag: number, block: Block) => boolean,
): AcseUnknownField[] | undefined {
  let unknown: AcseUnknownField[] | undefined;
  let last: number | null = null;
  for (const block of fields) {
    const tag = block.idBlock.tagNumber;
    if (block.idBlock.tagClass === CONTEXT && known(tag, block)) last = tag;
    else (unknown ??= []).push({ after: last, raw: reader.raw(block) });
  }
  return unknown;
}

function decodeAarq(reader: AcseReader, fields: Block[]): AarqApdu {
  const out: AarqApdu = { kind: "aarq" };
  const unknown = eachField(reader, fields, (tag, block) => {
    switch (tag) {
      case 0:
        out.protocolVersion = reader.bitString(block, "AARQ.protocol-version");
        return true;
      case 1:
        out.applicationContextName = reader.oid(
          reader.single(block, "AARQ.application-context-name"),
          "AARQ.application-context-name",
        );
        return true;
      case 10:
        out.senderAcseRequirements = reader.bitString(block, "AARQ.sender-acse-requirements");
        return true;
      case 11:
        out.mechanismName = reader.oid(block, "AARQ.mechanism-name");
        return true;
      case 12: {
        const inner = reader.single(block, "AARQ.calling-authentication-value");
        const value = reader.raw(inner);
        out.callingAuthenticationValue = value;
        const credentials = readCredentials(value, reader.offsetOf(inner));
        if (credentials) out.credentials = credentials;
        return true;
      }
      case 30:
        readUserInformation(reader, block, out, "AARQ.user-information");
        return true;
      default:
        return false;
    }
  });
  if (unknown) out.unknownFields = unknown;
  return out;
}

function decodeAare(reader: AcseReader, fields: Block[], top: Block): AareApdu {
  let result: AareApdu["result"] | undefined;
  const out: Omit<AareApdu, "result"> & { result?: AareApdu["result"] } = { kind: "aare" };
  const unknown = eachField(reader, fields, (tag, block) => {
    switch (tag) {
      case 0:
        out.protocolVersion = reader.bitString(block, "AARE.protocol-version");
        return true;
      case 1:
        out.applicationContextName = reader.oid(
          reader.single(block, "AARE.application-context-name"),
          "AARE.application-context-name",
        );
        return true;
      case 2:
        result = AssociateResult.fromNumber(
          reader.integer(reader.single(block, "AARE.result"), "AARE.result"),
        );
        return true;
      case 3: {
        const inner = reader.single(block, "AARE.result-source-diagnostic");
        const number = reader.integer(
          reader.single(inner, "AARE.result-source-diagnostic"),
          "AARE.result-source-diagnostic",
        );
        const source = inner.idBlock.tagNumber;
        if (inner.idBlock.tagClass !== CONTEXT || (source !== 1 && source !== 2)) {
          reader.fail(inner, "unknown diagnostic source", "AARE.result-source-diagnostic");
        }
        out.resultSourceDiagnostic = source === 1
          ? { kind: "acseServiceUser", value: AcseServiceUserDiagnostic.fromNumber(number) }
          : { kind: "acseServiceProvider", value: AcseServiceProviderDiagnostic.fromNumber(number) };
        return true;
      }
      case 10:
        out.respondingAuthenticationValue = reader.raw(
          reader.single(block, "AARE.responding-authentication-value"),
        );
        return true;
      case 30:
        readUserInformation(reader, block, out, "AARE.user-information");
        return true;
      default:
        return false;
    }
  });
  if (result === undefined) reader.fail(top, "result missing", "AARE.result");
  if (unknown) out.unknownFields = unknown;
  return { ...out, result } as AareApdu;
}

function decodeRelease(reader: AcseReader, fields: Block[], kind: "rlrq" | "rlre"): RlrqApdu | RlreApdu {
  const table = kind === "rlrq" ? ReleaseRequestReason : ReleaseResponseReason;
  const what = kind.toUpperCase();
  const out: { kind: "rlrq" | "rlre"; reason?: Named<string>; userInformation?: Uint8Array } = { kind };
  const unknown = eachField(reader, fields, (tag, block) => {
    if (tag === 0) out.reason = table.fromNumber(reader.integer(block, `${what}.reason`));
    else if (tag === 30) out.userInformation = reader.raw(block);
    else return false;
    return true;
  });
  return (unknown ? { ...out, unknownFields: unknown } : out) as RlrqApdu | RlreApdu;
}

function decodeAbrt(reader: AcseReader, fields: Block[], top: Block): AbrtApdu {
  let source: AbrtApdu["source"] | undefined;
  const out: Omit<AbrtApdu, "source"> = { kind: "abrt" };
  const unknown = eachField(reader, fields, (tag, block) => {
    if (tag === 0) source = AbortSource.fromNumber(reader.integer(block, "ABRT.abort-source"));
    else if (tag === 1) {
      out.diagnostic = AbortDiagnostic.fromNumber(reader.integer(block, "ABRT.abort-diagnostic"));
    } else if (tag === 30) out.userInformation = reader.raw(block);
    else return false;
    return true;
  });
  if (source === undefined) reader.fail(top, "abort-source missing", "ABRT.abort-source");
  return { ...out, source, ...(unknown ? { unknownFields: unknown } : {}) };
}

/** Keeps user-information raw and digs out cSTAVersion from an ACSEUserInformationForCSTA, if present. */
function readUserInformation(
  reader: AcseReader,
  block: Block,
  out: { userInformation?: Uint8Array; cstaVersion?: BitString },
  what: string,
): void {
  out.userInformation = reader.raw(block);
  for (const external of reader.children(block, what)) {
    if (external.idBlock.tagClass !== UNIVERSAL || external.idBlock.tagNumber !== 8) continue;
    for (const part of reader.children(external, what)) {
      // encoding single-ASN1-type [0] → ACSEUserInformationForCSTA: newDefinition [0] or oldDefinition SEQUENCE
      if (part.idBlock.tagClass !== CONTEXT || part.idBlock.tagNumber !== 0 || !part.idBlock.isConstructed) {
        continue;
      }
      const definition = reader.single(part, what);
      if (!definition.idBlock.isConstructed) continue;
      const first = reader.children(definition, what)[0];
      if (first && first.idBlock.tagClass === UNIVERSAL && first.idBlock.tagNumber === 3) {
        out.cstaVersion = reader.bitString(first, `${what}.cSTAVersion`);
      }
    }
  }
}

const STRING_TAGS = new Set([4, 12, 18, 19, 20, 21, 22, 25, 26, 27]);
const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Reads a login from the element inside calling-authentication-value, leniently (§2.4 [?]):
 * the X.227 charstring form `80 <password>` gives the password only; the estos form (any nesting) gives
 * the first two string leaves as name and password. Strings are UTF-8. Returns `undefined` if none.
 */
export function readCredentials(
  authenticationValue: Uint8Array,
  baseOffset = 0,
): AcseCredentials | undefined {
  const reader = new BerReader(authenticationValue, baseOffset);
  const top = reader.single("calling-authentication-value");
  if (top.tag === 0x80) return { password: utf8.decode(reader.content(top)) };
  if (top.tag === 0x81) return undefined; // bitstring form: not a text login
  const leaves: string[] = [];
  const walk = (element: ReturnType<typeof reader.single>) => {
    if (leaves.length === 2) return;
    if (element.constructed) {
      for (const child of reader.children(element, "calling-authentication-value")) walk(child);
      return;
    }
    const contextClass = (element.tag & 0xc0) === 0x80;
    const universalString = (element.tag & 0xc0) === 0 && STRING_TAGS.has(element.tag & 0x1f);
    if (contextClass || universalString) leaves.push(utf8.decode(reader.content(element)));
  };
  walk(top);
  if (leaves.length === 0) return undefined;
  return leaves.length === 1 ? { name: leaves[0] } : { name: leaves[0], password: leaves[1] };
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

const ctxPrimitive = (n: number, content: Uint8Array) =>
  new asn1js.Primitive({ idBlock: { tagClass: CONTEXT, tagNumber: n }, valueHex: content });
const ctxConstructed = (n: number, value: Block[]) =>
  new asn1js.Constructed({ idBlock: { tagClass: CONTEXT, tagNumber: n }, value });
const rawBlock = (what: string, bytes: Uint8Array): Block => {
  const parsed = asn1js.fromBER(bytes, ASN1JS_LIMITS);
  if (parsed.offset !== bytes.length) throw new CstaEncodeError(what, "raw bytes are not one BER element");
  return parsed.result;
};
const bitContent = (bits: BitString) => Uint8Array.of(bits.unusedBits, ...bits.bytes);
const integerBytes = (value: number, what: string) => {
  if (!Number.isSafeInteger(value)) throw new CstaEncodeError(what, `${value} is not an integer`);
  return new Uint8Array(new asn1js.Integer({ value }).valueBlock.valueHexView);
};
const oid = (value: string, what: string) => {
  if (!/^[0-2](\.\d+)+$/.test(value)) throw new CstaEncodeError(what, `"${value}" is not a dotted OID`);
  return new asn1js.ObjectIdentifier({ value });
};

function application(n: number, fields: Block[]): Uint8Array {
  return new Uint8Array(
    new asn1js.Constructed({ idBlock: { tagClass: APPLICATION, tagNumber: n }, value: fields }).toBER(),
  );
}

/** Places raw unknown fields after the known field with the same tag number they followed. */
function withUnknown(
  known: [number, Block][],
  unknown: AcseUnknownField[] | undefined,
  what: string,
): Block[] {
  const out: Block[] = [];
  const pending = [...(unknown ?? [])];
  const take = (after: number | null) => {
    for (let i = 0; i < pending.length;) {
      if (pending[i].after === after) out.push(rawBlock(what, pending.splice(i, 1)[0].raw));
      else i++;
    }
  };
  take(null);
  for (const [tag, block] of known) {
    out.push(block);
    take(tag);
  }
  for (const field of pending) out.push(rawBlock(what, field.raw));
  return out;
}

/**
 * user-information `BE { 28 { 06 1.3.12.0.285.200, A0 { A0 { 03 cSTAVersion } } } }` as in §2.3 [C-pbx].
 */
export function cstaUserInformation(cstaVersion: BitString = PANASONIC_CSTA_VERSION): Uint8Array {
  const external = new asn1js.Constructed({
    idBlock: { tagClass: UNIVERSAL, tagNumber: 8 },
    value: [
      new asn1js.ObjectIdentifier({ value: CSTA_USER_INFORMATION_OID }),
      ctxConstructed(0, [
        ctxConstructed(0, [
          new asn1js.BitString({ valueHex: cstaVersion.bytes, unusedBits: cstaVersion.unusedBits }),
        ]),
      ]),
    ],
  });
  return new Uint8Array(ctxConstructed(30, [external]).toBER());
}

function userInformationBlock(
  value: { userInformation?: Uint8Array; cstaVersion?: BitString },
  what: string,
) {
  if (value.userInformation !== undefined) return rawBlock(what, value.userInformation);
  if (value.cstaVersion !== undefined) return rawBlock(what, cstaUserInformation(value.cstaVersion));
  return undefined;
}

/** Encodes an AARQ. Give `userInformation` raw, or `cstaVersion` to build the CSTA user-information. */
export function encodeAarq(aarq: Omit<AarqApdu, "kind" | "credentials">): Uint8Array {
  const what = "AARQ";
  const known: [number, Block][] = [];
  if (aarq.protocolVersion) known.push([0, ctxPrimitive(0, bitContent(aarq.protocolVersion))]);
  if (aarq.applicationContextName !== undefined) {
    known.push([
      1,
      ctxConstructed(1, [oid(aarq.applicationContextName, `${what}.application-context-name`)]),
    ]);
  }
  if (aarq.senderAcseRequirements) {
    known.push([10, ctxPrimitive(10, bitContent(aarq.senderAcseRequirements))]);
  }
  if (aarq.mechanismName !== undefined) {
    const content = new Uint8Array(oid(aarq.mechanismName, `${what}.mechanism-name`).valueBlock.toBER());
    known.push([11, ctxPrimitive(11, content)]);
  }
  if (aarq.callingAuthenticationValue) {
    known.push([
      12,
      ctxConstructed(12, [rawBlock(`${what}.calling-authentication-value`, aarq.callingAuthenticationValue)]),
    ]);
  }
  const user = userInformationBlock(aarq, `${what}.user-information`);
  if (user) known.push([30, user]);
  return application(0, withUnknown(known, aarq.unknownFields, what));
}

/** The Panasonic AARQ of §2.3/§14.1, byte for byte: version1, 1.3.12.0.218, versionFive. [C-pbx] */
export function panasonicAarq(): Uint8Array {
  return encodeAarq({
    protocolVersion: PROTOCOL_VERSION_1,
    applicationContextName: PANASONIC_APPLICATION_CONTEXT,
    cstaVersion: PANASONIC_CSTA_VERSION,
  });
}

/**
 * The calling-authentication-value alternative carrying a login in the estos layout guessed in §14.12
 * [?]: `A2 { A0 { A0 { 80 name, 81 password } } }`, UTF-8.
 */
export function loginAuthenticationValue(name: string, password: string): Uint8Array {
  const encoder = new TextEncoder();
  const inner = ctxConstructed(0, [
    ctxPrimitive(0, encoder.encode(name)),
    ctxPrimitive(1, encoder.encode(password)),
  ]);
  return new Uint8Array(ctxConstructed(2, [ctxConstructed(0, [inner])]).toBER());
}

/** AARQ with a login, the §14.12 form (sender-acse-requirements {authentication}). [?] */
export function encodeLoginAarq(name: string, password: string): Uint8Array {
  return encodeAarq({
    protocolVersion: PROTOCOL_VERSION_1,
    applicationContextName: PANASONIC_APPLICATION_CONTEXT,
    senderAcseRequirements: AUTHENTICATION_REQUIRED,
    callingAuthenticationValue: loginAuthenticationValue(name, password),
    cstaVersion: PANASONIC_CSTA_VERSION,
  });
}

/** Encodes an AARE. */
export function encodeAare(aare: Omit<AareApdu, "kind">): Uint8Array {
  const what = "AARE";
  const known: [number, Block][] = [];
  if (aare.protocolVersion) known.push([0, ctxPrimitive(0, bitContent(aare.protocolVersion))]);
  if (aare.applicationContextName !== undefined) {
    known.push([
      1,
      ctxConstructed(1, [oid(aare.applicationContextName, `${what}.application-context-name`)]),
    ]);
  }
  const result = integerBytes(AssociateResult.toNumber(aare.result), `${what}.result`);
  known.push([2, ctxConstructed(2, [new asn1js.Integer({ valueHex: result })])]);
  const diagnostic = aare.resultSourceDiagnostic;
  if (diagnostic) {
    const number = diagnostic.kind === "acseServiceUser"
      ? AcseServiceUserDiagnostic.toNumber(diagnostic.value)
      : AcseServiceProviderDiagnostic.toNumber(diagnostic.value);
    const source = diagnostic.kind === "acseServiceUser" ? 1 : 2;
    const value = new asn1js.Integer({ valueHex: integerBytes(number, `${what}.result-source-diagnostic`) });
    known.push([3, ctxConstructed(3, [ctxConstructed(source, [value])])]);
  }
  if (aare.respondingAuthenticationValue) {
    known.push([
      10,
      ctxConstructed(10, [
        rawBlock(`${what}.responding-authentication-value`, aare.respondingAuthenticationValue),
      ]),
    ]);
  }
  const user = userInformationBlock(aare, `${what}.user-information`);
  if (user) known.push([30, user]);
  return application(1, withUnknown(known, aare.unknownFields, what));
}

/**
 * The PBX's accepted AARE of §2.3/§14.2, byte for byte. Panasonic reports diagnostic no-reason-given (1)
 * even on success; cstabox replays exactly these bytes to applications. [C-pbx]
 */
export function panasonicAareAccepted(): Uint8Array {
  return encodeAare({
    protocolVersion: PROTOCOL_VERSION_1,
    applicationContextName: PANASONIC_APPLICATION_CONTEXT,
    result: "accepted",
    resultSourceDiagnostic: { kind: "acseServiceUser", value: "noReasonGiven" },
    cstaVersion: PANASONIC_CSTA_VERSION,
  });
}

/**
 * A rejecting AARE as derived in §2.3 [D] (`61 19 … A2 03 02 01 01 A3 05 A1 03 02 01 0D` for a bad login);
 * how the PBX itself rejects is unknown [?].
 */
export function encodeAareRejected(
  diagnostic: AssociateDiagnostic = { kind: "acseServiceUser", value: "authenticationFailure" },
  result: AareApdu["result"] = "rejectedPermanent",
): Uint8Array {
  return encodeAare({
    protocolVersion: PROTOCOL_VERSION_1,
    applicationContextName: PANASONIC_APPLICATION_CONTEXT,
    result,
    resultSourceDiagnostic: diagnostic,
  });
}

function releaseLike(
  n: number,
  first: number | undefined,
  extra: [number, Block][],
  apdu: { userInformation?: Uint8Array; unknownFields?: AcseUnknownField[] },
  what: string,
) {
  const known: [number, Block][] = [];
  if (first !== undefined) known.push([0, ctxPrimitive(0, integerBytes(first, what))]);
  known.push(...extra);
  if (apdu.userInformation) known.push([30, rawBlock(`${what}.user-information`, apdu.userInformation)]);
  return application(n, withUnknown(known, apdu.unknownFields, what));
}

/** RLRQ, `62 03 80 01 00` for normal. §14.13 [D] */
export function encodeRlrq(rlrq: Omit<RlrqApdu, "kind"> = { reason: "normal" }): Uint8Array {
  const reason = rlrq.reason === undefined ? undefined : ReleaseRequestReason.toNumber(rlrq.reason);
  return releaseLike(2, reason, [], rlrq, "RLRQ");
}

/** RLRE, `63 03 80 01 00` for normal. §14.13 [D] */
export function encodeRlre(rlre: Omit<RlreApdu, "kind"> = { reason: "normal" }): Uint8Array {
  const reason = rlre.reason === undefined ? undefined : ReleaseResponseReason.toNumber(rlre.reason);
  return releaseLike(3, reason, [], rlre, "RLRE");
}

/** ABRT, `64 03 80 01 00` for acse-service-user. §14.13 [D] */
export function encodeAbrt(abrt: Omit<AbrtApdu, "kind"> = { source: "acseServiceUser" }): Uint8Array {
  const extra: [number, Block][] = [];
  if (abrt.diagnostic !== undefined) {
    extra.push([
      1,
      ctxPrimitive(1, integerBytes(AbortDiagnostic.toNumber(abrt.diagnostic), "ABRT.abort-diagnostic")),
    ]);
  }
  return releaseLike(4, AbortSource.toNumber(abrt.source), extra, abrt, "ABRT");
}

/** Encodes any ACSE APDU value. */
export function encodeAcse(apdu: AcseApdu): Uint8Array {
  switch (apdu.kind) {
    case "aarq": {
      const { kind: _kind, credentials: _credentials, ...rest } = apdu;
      return encodeAarq(rest);
    }
    case "aare":
      return encodeAare(apdu);
    case "rlrq":
      return encodeRlrq(apdu);
    case "rlre":
      return encodeRlre(apdu);
    case "abrt":
      return encodeAbrt(apdu);
  }
}
