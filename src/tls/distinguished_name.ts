// X.501 names (a certificate's subject and issuer): read into one line for status pages and messages, and
// written for the certificates and CSRs cstabox makes.

import * as asn1js from "asn1js";
import { elements, oid } from "./asn1_tree.ts";

/** The attribute types cstabox writes, by the short names administrators know from OpenSSL. */
export type NameAttribute = "CN" | "OU" | "O" | "L" | "ST" | "C" | "E";

const attributeOids: Record<NameAttribute, string> = {
  CN: "2.5.4.3",
  OU: "2.5.4.11",
  O: "2.5.4.10",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  C: "2.5.4.6",
  E: "1.2.840.113549.1.9.1",
};

const shortNames: Record<string, string> = {
  ...Object.fromEntries(Object.entries(attributeOids).map(([name, id]) => [id, name])),
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.9": "street",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
};

/**
 * The name as one line, attributes in the order the certificate lists them (`CN=box, O=Example`), with
 * RFC 4514 escaping so a comma inside a value cannot be mistaken for a separator. Values that are not
 * strings are shown as `#` and their hex, as RFC 4514 does.
 */
export function formatName(node: asn1js.AsnType, what: string): string {
  return elements(node, what).map((rdn, i) =>
    elements(rdn, `${what} RDN ${i + 1}`, true).map((attribute, j) => {
      const [type, value] = elements(attribute, `${what} RDN ${i + 1} attribute ${j + 1}`);
      const id = oid(type, `${what} attribute type`);
      return `${shortNames[id] ?? id}=${formatValue(value)}`;
    }).join("+")
  ).join(", ");
}

function formatValue(value: asn1js.AsnType | undefined): string {
  if (value instanceof asn1js.BaseStringBlock) return escapeValue(value.getValue());
  if (!value) return "";
  const der = new Uint8Array(value.toBER());
  return `#${der.toHex()}`;
}

function escapeValue(text: string): string {
  return text
    .replace(/[\\",+;<>]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, "\\ ");
}

/**
 * A Name with one attribute per RDN, in the order given. C is a PrintableString and E an IA5String, as
 * RFC 5280 requires (callers check both are ASCII); everything else is UTF8String.
 */
export function encodeName(attributes: [NameAttribute, string][]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: attributes.map(([type, value]) =>
      new asn1js.Set({
        value: [
          new asn1js.Sequence({
            value: [new asn1js.ObjectIdentifier({ value: attributeOids[type] }), encodeValue(type, value)],
          }),
        ],
      })
    ),
  });
}

function encodeValue(type: NameAttribute, value: string): asn1js.AsnType {
  if (type === "C") return new asn1js.PrintableString({ value });
  if (type === "E") return new asn1js.IA5String({ value });
  return new asn1js.Utf8String({ value });
}
