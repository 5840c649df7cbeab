// The names clients use to reach this appliance (host name, FQDN, local IP addresses, names the
// administrator configured): what the self-signed certificate lists and what an imported one should cover.

import { canonicalIp } from "./general_names.ts";

export interface ApplianceNames {
  hostname: string;
  /** Fully qualified name when it can be told (host name with a dot, or an /etc/hosts entry). */
  fqdn?: string;
  /** Local IP addresses, loopback and IPv6 link-local left out. */
  addresses: string[];
  /** Extra DNS names or addresses from the settings (e.g. a name published in company DNS). */
  configured: string[];
}

const dnsNamePattern =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Whether `name` can be a DNS subjectAltName (letters, digits, hyphens, dots). */
export function isDnsName(name: string): boolean {
  return dnsNamePattern.test(name);
}

/** Reads the names from the running system; each source that fails is skipped, not fatal. */
export function discoverApplianceNames(configured: string[] = []): ApplianceNames {
  let hostname = "";
  try {
    hostname = Deno.hostname().toLowerCase();
  } catch {
    // No permission or no name: the addresses and `localhost` remain.
  }
  let hostsText = "";
  try {
    hostsText = Deno.readTextFileSync("/etc/hosts");
  } catch {
    // Not every system has /etc/hosts.
  }
  let addresses: string[] = [];
  try {
    addresses = Deno.networkInterfaces().map((i) => i.address);
  } catch {
    // Without --allow-sys the certificate still covers the host name and localhost.
  }
  return {
    hostname: hostname.split(".")[0],
    fqdn: hostname.includes(".") ? hostname : fqdnFromHosts(hostsText, hostname),
    addresses: usableAddresses(addresses),
    configured,
  };
}

/** The first dotted name on an /etc/hosts line that also names `hostname` (what `hostname -f` finds). */
export function fqdnFromHosts(hostsText: string, hostname: string): string | undefined {
  if (!hostname) return undefined;
  for (const raw of hostsText.split("\n")) {
    const names = raw.replace(/#.*/, "").trim().split(/\s+/).slice(1).map((n) => n.toLowerCase());
    if (!names.some((n) => n === hostname || n.startsWith(`${hostname}.`))) continue;
    const dotted = names.find((n) => n.startsWith(`${hostname}.`) && isDnsName(n));
    if (dotted) return dotted;
  }
  return undefined;
}

/** Addresses a client could type: no loopback (listed separately), no IPv6 link-local (needs a zone). */
export function usableAddresses(addresses: string[]): string[] {
  const out: string[] = [];
  for (const address of addresses) {
    const ip = canonicalIp(address);
    if (!ip || ip.startsWith("127.") || ip === "0:0:0:0:0:0:0:1" || /^fe[89ab][0-9a-f]:/.test(ip)) continue;
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

/** The names an installed certificate should cover, most specific first; loopback names excluded. */
export function namesToCover(names: ApplianceNames): string[] {
  const all = [names.fqdn, names.hostname, ...names.configured, ...names.addresses];
  const out: string[] = [];
  for (const name of all) {
    if (!name) continue;
    const normal = name.toLowerCase();
    if (normal === "localhost" || !(isDnsName(normal) || canonicalIp(normal))) continue;
    if (!out.includes(normal)) out.push(normal);
  }
  return out;
}

/** The names the self-signed certificate carries: everything to cover plus localhost and the loopbacks. */
export function selfSignedNames(names: ApplianceNames): { dns: string[]; ips: string[] } {
  const all = [...namesToCover(names), "localhost", "127.0.0.1", "::1"];
  const dns = all.filter((n) => !canonicalIp(n));
  const ips = all.filter((n) => canonicalIp(n));
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}
