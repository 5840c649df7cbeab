// ACSE association APDUs (X.227, PROTOCOL.md §2) declared with the CSTA codec: AARQ, AARE, RLRQ, RLRE,
// ABRT; the exact Panasonic AARQ/AARE bytes, AARE rejections, and the lenient reading of logins (§2.4).

import { applicationTag, type BerElement, BerReader, contextTag } from "./ber_reader.ts";
import { constructed, tlv } from "./ber_writer.ts";
import { type BitString, bitStringOf } from "./bit_string.ts";
import {
  bitString,
  checkRawElement,
  choice,
  type Codec,
  describeTag,
  explicit,
  implicit,
  integer,
  namedEnumerated,
  namedInteger,
  objectIdentifier,
  opt,
  raw,
  req,
  sequence,
  sequenceOf,
  type UnknownField,
} from "./codec.ts";
import { CstaDecodeError } from "./decode_error.ts";
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

/**
 * An ACSE element this module does not interpret (called-AP-title, implementation-information, ...), kept
 * with the field it followed so that decode → encode gives the same bytes.
 */
export type AcseUnknownField = UnknownField;

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
// Declarations (X.227 module ACSE-1 tags EXPLICIT by default; PROTOCOL.md §2.1 [C-std])

/** Authentication-value alternatives: charstring [0], bitstring [1], external [2], other [3]; kept raw. */
const AUTHENTICATION_VALUE_TAGS = [contextTag(0), contextTag(1), contextTag(2, true), contextTag(3, true)];

/** The raw alternative inside calling-authentication-value, with the login read from it (§2.4 [?]). */
interface AuthenticationValue {
  raw: Uint8Array;
  credentials?: AcseCredentials;
}

const authenticationValue: Codec<AuthenticationValue> = {
  what: "Authentication-value",
  tags: raw("Authentication-value", ...AUTHENTICATION_VALUE_TAGS).tags,
  decode: (reader, element) => {
    const value = reader.raw(element);
    const credentials = readCredentials(value, reader.baseOffset + element.start);
    return credentials ? { raw: value, credentials } : { raw: value };
  },
  encode: (value) => {
    checkRawElement("Authentication-value", value.raw, null);
    return value.raw;
  },
};

/** `ACSEUserInformationForCSTA`: only cSTAVersion is read; the optional parts are kept raw. §2.3 [C-std] */
const acseUserInformationForCsta = choice("ACSEUserInformationForCSTA", {
  newDefinition: sequence("newDefinition", { cSTAVersion: req(bitString) }, contextTag(0, true)),
  oldDefinition: sequence("oldDefinition", { cSTAVersion: req(bitString) }),
});

/** EXTERNAL `28` as ACSE user-information carries it: direct-reference, then single-ASN1-type [0]. */
const external = sequence("EXTERNAL", {
  directReference: opt(objectIdentifier),
  indirectReference: opt(integer),
  singleAsn1Type: opt(explicit(0, acseUserInformationForCsta)),
}, 0x28);

/** user-information `BE`: `[30] IMPLICIT Association-information` (SEQUENCE OF EXTERNAL). */
const associationInformation = sequenceOf("user-information", external, contextTag(30, true));

/** user-information kept raw: it is re-sent as it came, and read for cSTAVersion where it can be. */
const userInformationRaw = raw("user-information", contextTag(30, true));

const applicationContextName = explicit(1, objectIdentifier);

const aarqCodec = sequence("AARQ", {
  protocolVersion: opt(implicit(0, bitString)),
  applicationContextName: opt(applicationContextName),
  senderAcseRequirements: opt(implicit(10, bitString)),
  mechanismName: opt(implicit(11, objectIdentifier)),
  callingAuthenticationValue: opt(explicit(12, authenticationValue)),
  userInformation: opt(userInformationRaw),
}, applicationTag(0, true));

const associateSourceDiagnostic = choice("Associate-source-diagnostic", {
  acseServiceUser: explicit(1, namedInteger(AcseServiceUserDiagnostic)),
  acseServiceProvider: explicit(2, namedInteger(AcseServiceProviderDiagnostic)),
});

const aareCodec = sequence("AARE", {
  protocolVersion: opt(implicit(0, bitString)),
  applicationContextName: opt(applicationContextName),
  result: req(explicit(2, namedInteger(AssociateResult))),
  resultSourceDiagnostic: opt(explicit(3, associateSourceDiagnostic)),
  respondingAuthenticationValue: opt(explicit(10, raw("Authentication-value", ...AUTHENTICATION_VALUE_TAGS))),
  userInformation: opt(userInformationRaw),
}, applicationTag(1, true));

const rlrqCodec = sequence("RLRQ", {
  reason: opt(implicit(0, namedInteger(ReleaseRequestReason))),
  userInformation: opt(userInformationRaw),
}, applicationTag(2, true));

const rlreCodec = sequence("RLRE", {
  reason: opt(implicit(0, namedInteger(ReleaseResponseReason))),
  userInformation: opt(userInformationRaw),
}, applicationTag(3, true));

const abrtCodec = sequence("ABRT", {
  source: req(implicit(0, namedInteger(AbortSource))),
  diagnostic: opt(implicit(1, namedEnumerated(AbortDiagnostic))),
  userInformation: opt(userInformationRaw),
}, applicationTag(4, true));

// ---------------------------------------------------------------------------------------------------------
// Decoding

/** The cSTAVersion of a CSTA user-information, or undefined when it holds something else (kept raw). */
function cstaVersionOf(userInformation: Uint8Array): BitString | undefined {
  try {
    const reader = new BerReader(userInformation);
    for (const item of associationInformation.decode(reader, reader.single("user-information"))) {
      if (item.singleAsn1Type) return item.singleAsn1Type.value.cSTAVersion;
    }
  } catch (error) {
    // Other user-information layouts are allowed (the PBX is lenient, §2.3 [?]); only CSTA's is read.
    if (!(error instanceof CstaDecodeError)) throw error;
  }
  return undefined;
}

/** Removes keys whose value is undefined, so decoded values hold only what was on the wire. */
function present<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

function decodeElement(reader: BerReader, element: BerElement): AcseApdu {
  switch (element.tag) {
    case aarqCodec.tags[0]: {
      const { callingAuthenticationValue, ...rest } = aarqCodec.decode(reader, element);
      const cstaVersion = rest.userInformation && cstaVersionOf(rest.userInformation);
      return present({
        kind: "aarq",
        ...rest,
        callingAuthenticationValue: callingAuthenticationValue?.raw,
        credentials: callingAuthenticationValue?.credentials,
        cstaVersion,
      });
    }
    case aareCodec.tags[0]: {
      const value = aareCodec.decode(reader, element);
      const cstaVersion = value.userInformation && cstaVersionOf(value.userInformation);
      return present({ kind: "aare", ...value, cstaVersion });
    }
    case rlrqCodec.tags[0]:
      return { kind: "rlrq", ...rlrqCodec.decode(reader, element) };
    case rlreCodec.tags[0]:
      return { kind: "rlre", ...rlreCodec.decode(reader, element) };
    case abrtCodec.tags[0]:
      return { kind: "abrt", ...abrtCodec.decode(reader, element) };
    default:
      return reader.fail("ACSE APDU", element.start, `not an ACSE APDU tag: ${describeTag(element.tag)}`);
  }
}

/**
 * Decodes an ACSE APDU (`60`..`64`). Unknown fields are kept raw; `baseOffset` is added to error offsets.
 * Every failure is a {@link CstaDecodeError}.
 */
export function decodeAcse(apdu: Uint8Array, baseOffset = 0): AcseApdu {
  const reader = new BerReader(apdu, baseOffset);
  return decodeElement(reader, reader.single("ACSE APDU"));
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
  const walk = (element: BerElement) => {
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

/** The octet a masked secret is overwritten with (`*`), so a masked AARQ keeps its length and layout. */
const MASK_OCTET = 0x2a;

/**
 * A copy of an AARQ with the password in calling-authentication-value overwritten by `*` octets, for traces
 * and logs. The name stays readable when the estos form carries one (the first of two or more leaves, as
 * {@link readCredentials} reads it); every other leaf is masked. An AARQ that cannot be read has all its
 * content masked: nothing unread can leak. Other APDUs are returned as a copy unchanged.
 */
export function maskAarqPassword(apdu: Uint8Array): Uint8Array {
  const copy = apdu.slice();
  if (copy[0] !== 0x60) return copy;
  const reader = new BerReader(copy);
  try {
    const aarq = reader.single("AARQ");
    const value = reader.children(aarq, "AARQ").find((child) => child.tag === contextTag(12, true));
    if (value === undefined) return copy;
    const leaves: BerElement[] = [];
    const walk = (element: BerElement) => {
      if (!element.constructed) return void leaves.push(element);
      for (const child of reader.children(element, "calling-authentication-value")) walk(child);
    };
    for (const child of reader.children(value, "calling-authentication-value")) walk(child);
    // The X.227 charstring form (a primitive directly inside) is the password alone.
    const keptName = leaves.length >= 2 && leaves[0].depth > value.depth + 1 ? 1 : 0;
    for (const leaf of leaves.slice(keptName)) copy.fill(MASK_OCTET, leaf.contentStart, leaf.contentEnd);
  } catch (error) {
    if (!(error instanceof CstaDecodeError)) throw error;
    copy.fill(MASK_OCTET, Math.min(copy.length, 2));
  }
  return copy;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/**
 * user-information `BE { 28 { 06 1.3.12.0.285.200, A0 { A0 { 03 cSTAVersion } } } }` as in §2.3 [C-pbx].
 */
export function cstaUserInformation(cstaVersion: BitString = PANASONIC_CSTA_VERSION): Uint8Array {
  return associationInformation.encode([{
    directReference: CSTA_USER_INFORMATION_OID,
    singleAsn1Type: { kind: "newDefinition", value: { cSTAVersion: cstaVersion } },
  }]);
}

/** user-information as given raw, or built from a cSTAVersion. */
function userInformationOf(value: { userInformation?: Uint8Array; cstaVersion?: BitString }) {
  if (value.userInformation !== undefined) return value.userInformation;
  return value.cstaVersion === undefined ? undefined : cstaUserInformation(value.cstaVersion);
}

/** Encodes an AARQ. Give `userInformation` raw, or `cstaVersion` to build the CSTA user-information. */
export function encodeAarq(aarq: Omit<AarqApdu, "kind" | "credentials">): Uint8Array {
  const { callingAuthenticationValue, cstaVersion: _cstaVersion, ...rest } = aarq;
  return aarqCodec.encode(present({
    ...rest,
    callingAuthenticationValue: callingAuthenticationValue && { raw: callingAuthenticationValue },
    userInformation: userInformationOf(aarq),
  }));
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
  const login = constructed(contextTag(0, true), [
    tlv(contextTag(0), encoder.encode(name)),
    tlv(contextTag(1), encoder.encode(password)),
  ]);
  return constructed(contextTag(2, true), [constructed(contextTag(0, true), [login])]);
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
  const { cstaVersion: _cstaVersion, ...rest } = aare;
  return aareCodec.encode(present({ ...rest, userInformation: userInformationOf(aare) }));
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

/** RLRQ, `62 03 80 01 00` for normal. §14.13 [D] */
export function encodeRlrq(rlrq: Omit<RlrqApdu, "kind"> = { reason: "normal" }): Uint8Array {
  return rlrqCodec.encode(rlrq);
}

/** RLRE, `63 03 80 01 00` for normal. §14.13 [D] */
export function encodeRlre(rlre: Omit<RlreApdu, "kind"> = { reason: "normal" }): Uint8Array {
  return rlreCodec.encode(rlre);
}

/** ABRT, `64 03 80 01 00` for acse-service-user. §14.13 [D] */
export function encodeAbrt(abrt: Omit<AbrtApdu, "kind"> = { source: "acseServiceUser" }): Uint8Array {
  return abrtCodec.encode(abrt);
}

/** Encodes any ACSE APDU value. */
export function encodeAcse(apdu: AcseApdu): Uint8Array {
  switch (apdu.kind) {
    case "aarq":
      return encodeAarq(withoutKind(apdu));
    case "aare":
      return encodeAare(withoutKind(apdu));
    case "rlrq":
      return encodeRlrq(withoutKind(apdu));
    case "rlre":
      return encodeRlre(withoutKind(apdu));
    case "abrt":
      return encodeAbrt(withoutKind(apdu));
  }
}

/** The APDU's fields without its `kind` (and the derived credentials), as the codecs take them. */
function withoutKind<A extends AcseApdu>(apdu: A): Omit<A, "kind" | "credentials"> {
  const { kind: _kind, credentials: _credentials, ...rest } = apdu as A & { credentials?: unknown };
  return rest;
}
