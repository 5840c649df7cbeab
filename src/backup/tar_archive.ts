// The backup container: a POSIX ustar archive, gzip-compressed, so an administrator can open a backup
// with ordinary tools. Reading is bounded (entry count, sizes, decompressed total) because a restore
// takes a file from the browser.

import { errorText } from "../log/error_text.ts";

const BLOCK = 512;
/** Compressed bytes handed to the decompressor at a time. */
const INFLATE_PIECE_BYTES = 4096;

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

/** Where the bytes of one archived file go as they are read, in pieces. */
export interface EntrySink {
  write(bytes: Uint8Array): void;
}

/**
 * Reads a ustar archive as its bytes arrive, in pieces of any size: each regular file's bytes go to the
 * sink `open` gives for it, so no file needs to be whole in memory. Other entry types are refused.
 */
export class TarParser {
  #header = new Uint8Array(BLOCK);
  #headerFill = 0;
  #sink?: EntrySink;
  #name = "";
  #left = 0;
  #skip = 0;
  #offset = 0;
  #entries = 0;
  #ended = false;

  constructor(
    private readonly limits: ReadTarLimits,
    private readonly open: (name: string, size: number, mtime: number) => EntrySink,
  ) {}

  /** True once the end marker was read; later bytes are ignored. */
  get ended(): boolean {
    return this.#ended;
  }

  push(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.#ended) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, bytes.length - i);
        this.#sink!.write(bytes.subarray(i, i + n));
        i += n;
        this.#left -= n;
      } else if (this.#skip > 0) {
        const n = Math.min(this.#skip, bytes.length - i);
        i += n;
        this.#skip -= n;
      } else {
        const n = Math.min(BLOCK - this.#headerFill, bytes.length - i);
        this.#header.set(bytes.subarray(i, i + n), this.#headerFill);
        this.#headerFill += n;
        i += n;
        if (this.#headerFill === BLOCK) this.#readHeader();
      }
    }
    this.#offset += i;
  }

  /** Throws when the archive stopped before its end marker. */
  end(): void {
    if (this.#left > 0) throw new ArchiveError(`the archive ends inside ${this.#name}`);
    if (!this.#ended) throw new ArchiveError("the archive has no end marker (truncated upload?)");
  }

  #readHeader(): void {
    this.#headerFill = 0;
    const header = this.#header;
    if (header.every((b) => b === 0)) {
      this.#ended = true;
      return;
    }
    const offset = this.#offset;
    if (!checksumMatches(header)) {
      throw new ArchiveError(`damaged archive: bad header checksum at byte ${offset}`);
    }
    const name = text(header.subarray(0, 100));
    const size = octal(header.subarray(124, 136), offset);
    const type = String.fromCharCode(header[156] || 0x30);
    if (type !== "0") {
      throw new ArchiveError(`unexpected entry ${name} (type ${type}); a backup holds plain files only`);
    }
    if (this.#entries >= this.limits.maxEntries) {
      throw new ArchiveError(`more than ${this.limits.maxEntries} files in the archive`);
    }
    if (size > this.limits.maxEntryBytes) {
      throw new ArchiveError(`${name} is larger than ${this.limits.maxEntryBytes} bytes`);
    }
    this.#entries++;
    this.#name = name;
    this.#sink = this.open(name, size, octal(header.subarray(136, 148), offset));
    this.#left = size;
    this.#skip = (BLOCK - (size % BLOCK)) % BLOCK;
  }
}

/** Reads the regular files of a ustar archive held in memory. */
export function readTar(archive: Uint8Array, limits: ReadTarLimits): TarEntry[] {
  const entries: TarEntry[] = [];
  const parser = new TarParser(limits, (name, size, mtime) => {
    const bytes = new Uint8Array(size);
    let at = 0;
    entries.push({ name, bytes, mtime });
    return {
      write(piece) {
        bytes.set(piece, at);
        at += piece.length;
      },
    };
  });
  parser.push(archive);
  parser.end();
  return entries;
}

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Decompresses into memory, refusing to produce more than `maxBytes`. */
export async function gunzip(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await inflate(bytes, maxBytes, (piece) => parts.push(piece));
  return concat(parts);
}

/**
 * Reads a .tar.gz as it inflates, into `parser`: nothing is kept whole, and the inflation stops once it
 * passes `maxBytes` (a 1 MB gzip can inflate to 1 GB).
 */
export async function readTarGz(archive: Uint8Array, maxBytes: number, parser: TarParser): Promise<void> {
  await inflate(archive, maxBytes, (piece) => {
    // The rest after the end marker is still inflated: a truncated or damaged gzip is refused whole.
    if (!parser.ended) parser.push(piece);
  });
  parser.end();
}

/** Inflates gzip data piece by piece into `take`, refusing to inflate past `maxBytes`. */
async function inflate(
  bytes: Uint8Array,
  maxBytes: number,
  take: (piece: Uint8Array) => void,
): Promise<void> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new ArchiveError("not a gzip file: a backup is the .tar.gz file the System page downloads");
  }
  // Fed in small pieces: the decompressor inflates a whole input piece at once, and deflate inflates at
  // most 1032 times, so a 4 KiB piece makes at most ~4 MiB (one 40 KB piece of a bomb made 40 MB at once).
  let fed = 0;
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (fed >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(fed, fed + INFLATE_PIECE_BYTES));
      fed += INFLATE_PIECE_BYTES;
    },
  }, { highWaterMark: 0 });
  const reader = input.pipeThrough(new DecompressionStream("gzip")).getReader();
  let total = 0;
  for (;;) {
    let piece: ReadableStreamReadResult<Uint8Array>;
    try {
      piece = await reader.read();
    } catch (error) {
      throw new ArchiveError(`damaged gzip data: ${errorText(error)}`);
    }
    if (piece.done) return;
    total += piece.value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new ArchiveError(`the backup expands to more than ${maxBytes} bytes`);
    }
    take(piece.value);
  }
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
