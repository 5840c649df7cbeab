// A hostile uploader over a real socket: a request whose body is sent with Transfer-Encoding: chunked
// (no Content-Length to refuse it by), from one reused buffer so the sender's own memory stays flat, while
// the peak RSS of the server (this process by default, or a child cstabox through /proc) is sampled.

export interface ChunkedUploadResult {
  /** The status code of the answer, or 0 when the server closed without one. */
  status: number;
  /** The answer as read (status line, headers and the start of the body). */
  head: string;
  /** Body bytes written before the server answered or closed. */
  sent: number;
  /** Highest RSS seen during the upload minus the RSS before it, in bytes. */
  peakRssGrowth: number;
}

export interface ChunkedUploadOptions {
  port: number;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Body bytes to offer in total. */
  bytes: number;
  /** Byte the body is made of (default `x`). */
  fill?: number;
  /** Give up after this long (the answer must come well before). */
  timeoutMs?: number;
  /**
   * Reads the RSS to watch, in bytes: this process's by default (the server under test runs in it). A
   * server in another process is watched through its /proc entry ({@link processRss}), which other test
   * modules running in parallel in this process cannot disturb.
   */
  rss?: () => number;
}

/** The resident set of process `pid` in bytes, from /proc/<pid>/status (Linux). */
export function processRss(pid: number): () => number {
  return () => {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
    if (!Number.isFinite(kb)) throw new Error(`no VmRSS in /proc/${pid}/status`);
    return kb * 1024;
  };
}

/** Sends the body until the server answers, closes or the body is done; reads the answer's head. */
export async function chunkedUpload(options: ChunkedUploadOptions): Promise<ChunkedUploadResult> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: options.port });
  const encoder = new TextEncoder();
  const headers = Object.entries({ host: `127.0.0.1:${options.port}`, ...options.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`).join("");
  await writeAll(
    conn,
    encoder.encode(
      `${options.method ?? "POST"} ${options.path} HTTP/1.1\r\n${headers}transfer-encoding: chunked\r\n\r\n`,
    ),
  );
  const rss = options.rss ?? (() => Deno.memoryUsage().rss);
  const before = rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 5);
  const chunk = new Uint8Array(64 * 1024).fill(options.fill ?? 0x78);
  const frame = new Uint8Array([...encoder.encode(`${chunk.length.toString(16)}\r\n`), ...chunk, 13, 10]);
  let answered = false;
  let head = "";
  const close = () => {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const reading = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while (head.length < 4096) {
        const n = await conn.read(buffer);
        if (n === null) break;
        head += new TextDecoder().decode(buffer.subarray(0, n));
        if (head.includes("\r\n\r\n")) break;
      }
    } catch {
      // A reset after the answer, or the time-out closed the socket: what was read is kept.
    }
    answered = true;
    // A server that answered without reading the rest leaves the writer blocked: closing ends it.
    close();
  })();
  const timer = setTimeout(close, options.timeoutMs ?? 30_000);
  let sent = 0;
  try {
    while (!answered && sent < options.bytes) {
      await writeAll(conn, frame);
      sent += chunk.length;
    }
    if (!answered) await writeAll(conn, encoder.encode("0\r\n\r\n"));
  } catch {
    // The server answered and the socket was closed, or the server reset it.
  }
  await reading;
  clearTimeout(timer);
  clearInterval(sampler);
  peak = Math.max(peak, rss());
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, head, sent, peakRssGrowth: peak - before };
}

/** `Conn.write` may take part of a buffer: the rest is written until none is left. */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}
