// GeneralNames (RFC 5280 §4.2.1.6), the body of subjectAltName: read into typed entries for name coverage,
// and written from the DNS names and IP addresses cstabox puts into its certificates and CSRs. The one
// spelling of an IP address lives here too: reading, writing and matching names all compare by it.

import * as asn1js from "asn1js";
import { Asn1ShapeError, elements, isContextTag, oid } from "./asn1_tree.ts";
import { formatName } from "./distinguished_name.ts";

/** One subjectAltName entry; DNS names and IP addresses are what TLS clients compare against. */
export interface SubjectAltName {
  type: "dns" | "ip" | "email" | "url" | "other";
  value: string;
}

/** An IP address in one spelling (IPv4 dotted, IPv6 as eight lower-case hex groups), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const address = text.trim().replace(/%.*$/, "");
  if (address.includes(":")) return canonicalIpv6(address);
  return canonicalIpv4(address);
}

function canonicalIpv4(text: string): string | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return octets.every((o) => o <= 255) ? octets.join(".") : undefined;
}

function canonicalIpv6(text: string): string | undefined {
  let address = text.toLowerCase();
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    const ipv4 = canonicalIpv4(v4[1]);
    if (!ipv4) return undefined;
    const [a, b, c, d] = ipv4.split(".").map(Number);
    address = address.slice(0, -v4[1].length) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(16)).join(":");
}

/** The GeneralName CHOICE tags cstabox reads and writes. */
const tag = {
  otherName: 0,
  rfc822Name: 1,
  dNSName: 2,
  directoryName: 4,
  uri: 6,
  iPAddress: 7,
  registeredID: 8,
};

/** Every entry of a GeneralNames SEQUENCE; kinds TLS clients do not match against become `other`. */
export function readGeneralNames(node: asn1js.AsnType, what: string): SubjectAltName[] {
  return elements(node, what).map((name, i) => readGeneralName(name, `${what} entry ${i + 1}`));
}

function readGeneralName(node: asn1js.AsnType, what: string): SubjectAltName {
  if (isContextTag(node, tag.dNSName)) return { type: "dns", value: ascii(node) };
  if (isContextTag(node, tag.iPAddress)) return { type: "ip", value: formatIp(primitiveBytes(node), what) };
  if (isContextTag(node, tag.rfc822Name)) return { type: "email", value: ascii(node) };
  if (isContextTag(node, tag.uri)) return { type: "url", value: ascii(node) };
  if (isContextTag(node, tag.directoryName) && node instanceof asn1js.Constructed) {
    return { type: "other", value: `DirName:${formatName(node.valueBlock.value[0], what)}` };
  }
  if (isContextTag(node, tag.otherName) && node instanceof asn1js.Constructed) {
    return { type: "other", value: `otherName:${oid(node.valueBlock.value[0], `${what} type-id`)}` };
  }
  const id = (node as asn1js.BaseBlock).idBlock;
  return { type: "other", value: `[${id?.tagNumber ?? "?"}]` };
}

function primitiveBytes(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array((node as asn1js.Primitive).valueBlock.valueHexView);
}

function ascii(node: asn1js.AsnType): string {
  return String.fromCharCode(...primitiveBytes(node));
}

function formatIp(bytes: Uint8Array, what: string): string {
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.length !== 16) throw new Asn1ShapeError(what, `an IP address of ${bytes.length} octets`);
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  return compressIpv6(groups);
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function compressIpv6(groups: number[]): string {
  let best = { at: -1, length: 1 };
  for (let i = 0; i < groups.length;) {
    let end = i;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - i > best.length) best = { at: i, length: end - i };
    i = end > i ? end : i + 1;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

/** GeneralNames with the DNS names, then the IP addresses; addresses are validated by the caller. */
export function encodeGeneralNames(names: { dns: string[]; ips: string[] }): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [
      ...names.dns.map((name) => implicitPrimitive(tag.dNSName, new TextEncoder().encode(name))),
      ...names.ips.map((address) => implicitPrimitive(tag.iPAddress, ipBytes(address))),
    ],
  });
}

function implicitPrimitive(tagNumber: number, bytes: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber }, valueHex: bytes.slice().buffer });
}

function ipBytes(address: string): Uint8Array {
  const canonical = canonicalIp(address);
  if (!canonical) throw new RangeError(`"${address}" is not an IP address`);
  if (!canonical.includes(":")) return new Uint8Array(canonical.split(".").map(Number));
  return new Uint8Array(
    canonical.split(":").flatMap((group) => {
      const value = parseInt(group, 16);
      return [value >> 8, value & 0xff];
    }),
  );
}
