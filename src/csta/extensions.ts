// CSTACommonArguments ("extensions", `7E`, §5.4): carried as raw bytes everywhere so vendor private data
// (Panasonic KmeSpecificPrivateData) is never re-encoded; helpers read and build the outer structure only.

import { applicationTag, BerReader, contextTag } from "./ber_reader.ts";
import { concatBytes, tlv } from "./ber_writer.ts";
import { checkRawElement, type Codec, raw } from "./codec.ts";

/** Tag of CSTACommonArguments `[APPLICATION 30] IMPLICIT SEQUENCE`. */
export const EXTENSIONS_TAG = applicationTag(30, true);

/** `extensions CSTACommonArguments OPTIONAL`, the last component of most types, kept raw. §5.4 [C-std] */
export const extensions: Codec<Uint8Array> = raw("CSTACommonArguments", EXTENSIONS_TAG);

/** ConferencedEvent's extensions are `[5] IMPLICIT CSTACommonArguments` instead of `7E`. §8.4 [C-std] */
export const conferencedEventExtensions: Codec<Uint8Array> = raw("CSTACommonArguments", contextTag(5, true));

/** The outer structure of an extensions element; each part stays raw. */
export interface ExtensionsParts {
  /** `[0]` CSTASecurityData, header included. */
  security?: Uint8Array;
  /**
   * `[1]` privateData items, each one CSTAPrivateData element as sent: an OCTET STRING, or vendor data
   * in place of the NULL (Panasonic puts KmeSpecificPrivateData there directly). §5.4 [C-pbx]
   */
  privateData: Uint8Array[];
}

/** Splits an extensions element (`7E` or `A5`) into its security and private data items. */
export function readExtensions(bytes: Uint8Array, baseOffset = 0): ExtensionsParts {
  const reader = new BerReader(bytes, baseOffset);
  const top = reader.single("CSTACommonArguments");
  const out: ExtensionsParts = { privateData: [] };
  for (const child of reader.children(top, "CSTACommonArguments")) {
    if (child.tag === 0xa0 || child.tag === 0x80) out.security = reader.raw(child);
    else if (child.tag === 0xa1) {
      for (const item of reader.children(child, "CSTACommonArguments.privateData")) {
        out.privateData.push(reader.raw(item));
      }
    }
  }
  return out;
}

/** Builds an extensions element around already-encoded parts. */
export function buildExtensions(parts: Partial<ExtensionsParts>, tag = EXTENSIONS_TAG): Uint8Array {
  const children: Uint8Array[] = [];
  if (parts.security) {
    checkRawElement("CSTACommonArguments.security", parts.security, [0xa0]);
    children.push(parts.security);
  }
  if (parts.privateData && parts.privateData.length > 0) {
    for (const item of parts.privateData) checkRawElement("CSTAPrivateData", item, null);
    children.push(tlv(0xa1, concatBytes(parts.privateData)));
  }
  return tlv(tag, concatBytes(children));
}

/** A result that is `CHOICE { extensions, noData NULL }`: `05 00` unless extensions are given. */
export interface NoDataResult {
  extensions?: Uint8Array;
}

const NULL_ELEMENT = Uint8Array.of(0x05, 0x00);

/** Codec of the `CHOICE { extensions CSTACommonArguments, noData NULL }` results. §3 [C-pbx] */
export const noDataResult: Codec<NoDataResult> = {
  what: "noData result",
  tags: [0x05, EXTENSIONS_TAG],
  decode: (reader, element) => {
    if (element.tag === EXTENSIONS_TAG) return { extensions: reader.raw(element) };
    reader.null(element, "noData result");
    return {};
  },
  encode: (value) => (value.extensions ? extensions.encode(value.extensions) : NULL_ELEMENT.slice()),
};

const PRIVATE_DATA_TAGS = [0x04, 0x24, ...Array.from({ length: 31 }, (_, n) => contextTag(n))];

/**
 * CSTAPrivateData as a raw element: an OCTET STRING, or vendor data put in place of the NULL
 * (Panasonic: KmeSpecificPrivateData `A4 …`/`A6 …` directly, §5.4 [C-pbx]). Never re-encoded.
 */
export const cstaPrivateData: Codec<Uint8Array> = raw("CSTAPrivateData", ...PRIVATE_DATA_TAGS);
