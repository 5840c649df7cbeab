// Which source addresses may connect (SMDR collectors, plain-TCP CSTA applications): single IPv4/IPv6
// addresses or CIDR ranges, or anyone when the list is empty. IPv4-mapped IPv6 peers (`::ffff:10.0.0.5`)
// match their IPv4 entries.

/** An entry of an allow-list setting is not an address or range; names the setting and the entry. */
export class AllowListError extends Error {
  override readonly name = "AllowListError";
  constructor(readonly setting: string, readonly entry: string, reason: string) {
    super(`${setting}: ${JSON.stringify(entry)} ${reason}`);
  }
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

export class AllowList {
  private constructor(readonly entries: readonly string[], private readonly ranges: readonly Range[]) {}

  /**
   * Parses every entry (address or address/prefix) of the setting named `setting`; throws
   * `AllowListError` for the first bad one.
   */
  static parse(entries: readonly string[], setting: string): AllowList {
    const ranges = entries.map((entry) => {
      const [address, prefixText, ...rest] = entry.trim().split("/");
      const bytes = parseIp(address);
      if (!bytes || rest.length > 0) {
        throw new AllowListError(setting, entry, "is not an IP address or CIDR range");
      }
      const bits = bytes.length * 8;
      const prefix = prefixText === undefined ? bits : Number(prefixText);
      if (!/^\d+$/.test(prefixText ?? String(bits)) || prefix > bits) {
        throw new AllowListError(setting, entry, `has a prefix length outside 0..${bits}`);
      }
      return { bytes, prefix };
    });
    return new AllowList([...entries], ranges);
  }

  /** True when the list is empty (anyone may connect). */
  get open(): boolean {
    return this.ranges.length === 0;
  }

  /** Whether a peer address (as Deno reports it) may connect. */
  allows(address: string): boolean {
    if (this.open) return true;
    const peer = parseIp(address);
    if (!peer) return false;
    return this.ranges.some((range) => inRange(peer, range));
  }
}

function inRange(peer: Uint8Array, range: Range): boolean {
  if (peer.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((peer[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6, undefined for anything else. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text.replace(/^\[|\]$/g, "").replace(/%.*$/, ""));
  if (v6 && v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return v6.slice(12);
  }
  return v6;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return new Uint8Array(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!text.includes(":")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const words: number[] = [];
  const pushGroups = (list: string[]): boolean => {
    for (const [i, group] of list.entries()) {
      const isLast = i === list.length - 1;
      const v4 = isLast && group.includes(".") ? parseIpv4(group) : undefined;
      if (v4) {
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
        words.push(parseInt(group, 16));
      } else {
        return false;
      }
    }
    return true;
  };
  if (!pushGroups(head)) return undefined;
  const headWords = words.length;
  if (!pushGroups(tail)) return undefined;
  const missing = 8 - words.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const full = [
    ...words.slice(0, headWords),
    ...Array(halves.length === 2 ? missing : 0).fill(0),
    ...words.slice(headWords),
  ];
  const bytes = new Uint8Array(16);
  full.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}
