// An independent BER reader for tests: `openssl asn1parse -inform DER` over bytes cstabox sent, so the
// product's own codec is not the only judge of what it puts on the wire.

import { toHex } from "./raw_csta_peer.ts";

/**
 * The element tree openssl reads from `der`, one line per element, indented two spaces per depth:
 * `appl [ 4 ]`, `INTEGER :07`, `cont [ 0 ] 01` (primitive context and application elements get their
 * content octets in hex, which openssl does not print). Throws when openssl cannot read all of the bytes.
 */
export async function asn1parse(der: Uint8Array): Promise<string[]> {
  const child = new Deno.Command("openssl", {
    args: ["asn1parse", "-inform", "DER", "-i"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(der);
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`openssl asn1parse failed: ${new TextDecoder().decode(out.stderr)}\n${text}`);
  }
  return text.trimEnd().split("\n").map((line) => {
    const match = /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(prim|cons):\s*(.*?)\s*$/.exec(line);
    if (!match) throw new Error(`unexpected openssl line: ${line}`);
    const [offset, depth, headerLength, length] = match.slice(1, 5).map(Number);
    const type = match[6].replace(/\s+:/, " :");
    const opaque = match[5] === "prim" && /^(cont|appl) \[/.test(type);
    const content = opaque
      ? " " + toHex(der.subarray(offset + headerLength, offset + headerLength + length))
      : "";
    return `${"  ".repeat(depth)}${type}${content}`.trimEnd();
  });
}
