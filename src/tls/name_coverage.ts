// Which of the appliance's names a certificate's subjectAltNames cover, matched the way TLS clients do
// (RFC 6125: DNS names case-insensitive, a wildcard only as the whole left-most label; IPs by value).

import { canonicalIp, type SubjectAltName } from "./general_names.ts";

export interface NameCoverage {
  name: string;
  covered: boolean;
  /** The subjectAltName entry that covers it. */
  by?: string;
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
