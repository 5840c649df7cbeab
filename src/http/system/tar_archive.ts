// The backup container: a POSIX ustar archive, gzip-compressed, so an administrator can open a backup
// with ordinary tools. Reading is bounded (entry count, sizes, decompressed total) because a restore
// takes a file from the browser.

const BLOCK = 512;

export interface TarEntry {
  name: string;
  bytes: Uint8Array;
  /** Seconds since the epoch. */
  mtime?: number;
}

/** An archive could not be read; says what and where. */
export class ArchiveError extends Error {
  override readonly name = "ArchiveError";
}

/** Writes regular files into a ustar archive (names up to 100 ASCII characters). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    parts.push(entry.bytes);
    const pad = (BLOCK - (entry.bytes.length % BLOCK)) % BLOCK;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return concat(parts);
}

export interface ReadTarLimits {
  maxEntries: number;
  maxEntryBytes: number;
}

/** Reads the regular files of a ustar archive; other entry types are refused. */
export function readTar(archive: Uint8Array, limits: ReadTarLimits): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries;
    if (!checksumMatches(header)) {
      throw new ArchiveError(`damaged archive: bad header checksum at byte ${offset}`);
    }
    const name = text(header.subarray(0, 100));
    const size = octal(header.subarray(124, 136), offset);
    const type = String.fromCharCode(header[156] || 0x30);
    if (type !== "0") {
      throw new ArchiveError(`unexpected entry ${name} (type ${type}); a backup holds plain files only`);
    }
    if (entries.length >= limits.maxEntries) {
      throw new ArchiveError(`more than ${limits.maxEntries} files in the archive`);
    }
    if (size > limits.maxEntryBytes) {
      throw new ArchiveError(`${name} is larger than ${limits.maxEntryBytes} bytes`);
    }
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new ArchiveError(`the archive ends inside ${name}`);
    entries.push({
      name,
      bytes: archive.slice(start, start + size),
      mtime: octal(header.subarray(136, 148), offset),
    });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new ArchiveError("the archive has no end marker (truncated upload?)");
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decompresses, refusing to produce more than `maxBytes` (a small file can expand enormously). */
export async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new ArchiveError("not a gzip file: a backup is the .tar.gz file the System page downloads");
  }
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"))
    .getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new ArchiveError(`the backup expands to more than ${maxBytes} bytes`);
      }
      parts.push(value);
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`damaged gzip data: ${error instanceof Error ? error.message : error}`);
  }
  return concat(parts);
}

function tarHeader(entry: TarEntry): Uint8Array {
  if (!/^[\x21-\x7e]{1,100}$/.test(entry.name)) throw new ArchiveError(`unusable file name ${entry.name}`);
  const header = new Uint8Array(BLOCK);
  put(header, 0, entry.name, 100);
  put(header, 100, "0000644\0", 8);
  put(header, 108, "0000000\0", 8);
  put(header, 116, "0000000\0", 8);
  put(header, 124, entry.bytes.length.toString(8).padStart(11, "0") + "\0", 12);
  put(header, 136, Math.floor(entry.mtime ?? Date.now() / 1000).toString(8).padStart(11, "0") + "\0", 12);
  put(header, 148, "        ", 8);
  header[156] = 0x30;
  put(header, 257, "ustar\0", 6);
  put(header, 263, "00", 2);
  put(header, 265, "cstabox", 32);
  put(header, 297, "cstabox", 32);
  const sum = header.reduce((a, b) => a + b, 0);
  put(header, 148, sum.toString(8).padStart(6, "0") + "\0 ", 8);
  return header;
}

function checksumMatches(header: Uint8Array): boolean {
  const stored = parseInt(text(header.subarray(148, 156)).trim() || "x", 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return stored === sum;
}

function put(target: Uint8Array, at: number, value: string, width: number): void {
  for (let i = 0; i < Math.min(value.length, width); i++) target[at + i] = value.charCodeAt(i);
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function octal(bytes: Uint8Array, offset: number): number {
  const value = text(bytes).trim();
  if (!/^[0-7]+$/.test(value)) {
    throw new ArchiveError(`damaged archive: bad number in the header at byte ${offset}`);
  }
  return parseInt(value, 8);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
