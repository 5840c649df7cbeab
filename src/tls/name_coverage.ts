// Which of the appliance's names a certificate's subjectAltNames cover, matched the way TLS clients do
// (RFC 6125: DNS names case-insensitive, a wildcard only as the whole left-most label; IPs by value).

import type { SubjectAltName } from "./certificate.ts";

export interface NameCoverage {
  name: string;
  covered: boolean;
  /** The subjectAltName entry that covers it. */
  by?: string;
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

/** Whether the DNS pattern from a certificate (maybe `*.example.com`) matches `name`. */
export function dnsNameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const n = name.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === n;
  const suffix = p.slice(1);
  // The wildcard stands for exactly one label: *.example.com covers a.example.com, not example.com.
  return n.endsWith(suffix) && n.length > suffix.length && !n.slice(0, -suffix.length).includes(".");
}

/** For each name, whether one of the certificate's subjectAltNames covers it. */
export function nameCoverage(subjectAltNames: SubjectAltName[], names: string[]): NameCoverage[] {
  return names.map((name) => {
    const ip = canonicalIp(name);
    const match = subjectAltNames.find((san) =>
      ip
        ? san.type === "ip" && canonicalIp(san.value) === ip
        : san.type === "dns" && dnsNameMatches(san.value, name)
    );
    return match ? { name, covered: true, by: match.value } : { name, covered: false };
  });
}
