// PEM text (RFC 7468, plus the RFC 1421 headers of traditional encrypted keys) to DER blocks and back.
// Administrators paste PEM from many tools, so line endings, blank lines and text between blocks are allowed.

/** One `-----BEGIN LABEL-----` … `-----END LABEL-----` block. */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, `RSA PRIVATE KEY`. */
  label: string;
  /** RFC 1421 headers such as `Proc-Type` and `DEK-Info` (traditional encrypted keys); usually empty. */
  headers: Record<string, string>;
  der: Uint8Array<ArrayBuffer>;
}

/** The PEM text could not be read; `line` is 1-based in the text given. */
export class PemError extends Error {
  override readonly name = "PemError";
  constructor(readonly line: number, readonly reason: string) {
    super(`PEM text, line ${line}: ${reason}`);
  }
}

const beginPattern = /^-----BEGIN ([A-Z0-9 #-]+)-----$/;
const endPattern = /^-----END ([A-Z0-9 #-]+)-----$/;
const headerPattern = /^([A-Za-z-]+):\s*(.*)$/;
const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block in `text`, in order; text outside blocks is ignored. Throws `PemError` on a broken block. */
export function parsePem(text: string): PemBlock[] {
  const lines = text.split(/\r\n|\r|\n/);
  const blocks: PemBlock[] = [];
  let open: { label: string; startLine: number; headers: Record<string, string>; body: string[] } | undefined;
  let inHeaders = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const lineNo = i + 1;
    if (!open) {
      const begin = beginPattern.exec(line);
      if (begin) {
        open = { label: begin[1], startLine: lineNo, headers: {}, body: [] };
        inHeaders = true;
      } else if (endPattern.test(line)) {
        throw new PemError(lineNo, `"${line}" without a matching BEGIN line`);
      }
      continue;
    }
    const end = endPattern.exec(line);
    if (end) {
      if (end[1] !== open.label) {
        throw new PemError(
          lineNo,
          `block "${open.label}" begun on line ${open.startLine} ends as "${end[1]}"`,
        );
      }
      blocks.push({ label: open.label, headers: open.headers, der: decodeBase64Body(open.body, open) });
      open = undefined;
      continue;
    }
    if (beginPattern.test(line)) {
      throw new PemError(lineNo, `block "${open.label}" begun on line ${open.startLine} has no END line`);
    }
    if (inHeaders) {
      const header = headerPattern.exec(line);
      if (header) {
        open.headers[header[1]] = header[2];
        continue;
      }
      inHeaders = false;
    }
    if (line === "") continue;
    if (!base64Pattern.test(line)) {
      throw new PemError(lineNo, `not base64 inside block "${open.label}"`);
    }
    open.body.push(line);
  }
  if (open) {
    throw new PemError(lines.length, `block "${open.label}" begun on line ${open.startLine} has no END line`);
  }
  return blocks;
}

function decodeBase64Body(
  body: string[],
  block: { label: string; startLine: number },
): Uint8Array<ArrayBuffer> {
  const joined = body.join("");
  if (joined.length === 0) throw new PemError(block.startLine, `block "${block.label}" is empty`);
  try {
    return Uint8Array.fromBase64(joined);
  } catch {
    throw new PemError(block.startLine, `block "${block.label}" is not valid base64`);
  }
}

/** One PEM block with 64-character lines and a final newline. */
export function encodePem(label: string, der: Uint8Array, headers: Record<string, string> = {}): string {
  const base64 = der.toBase64();
  const lines = [`-----BEGIN ${label}-----`];
  const headerLines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  if (headerLines.length > 0) lines.push(...headerLines, "");
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  lines.push(`-----END ${label}-----`);
  return lines.join("\n") + "\n";
}

/** Re-encodes a parsed block, headers included (needed to hand a traditional encrypted key to node:crypto). */
export function blockToPem(block: PemBlock): string {
  return encodePem(block.label, block.der, block.headers);
}
