// Test collectors on real sockets: a local-mode client that connects to cstabox and reads records, and a
// push-mode server that cstabox connects to, each splitting what arrives into CR LF records.

/** Splits a byte stream into CR LF terminated lines; keeps a partial line until the rest arrives. */
export class LineSplitter {
  #decoder = new TextDecoder();
  #partial = "";
  push(bytes: Uint8Array): string[] {
    const text = this.#partial + this.#decoder.decode(bytes, { stream: true });
    const parts = text.split("\r\n");
    this.#partial = parts.pop()!;
    return parts;
  }
}

export interface LocalCollector {
  conn: Deno.TcpConn;
  lines: string[];
  /** Resolves when cstabox (or the test) ends the connection. */
  ended: Promise<void>;
  /** Waits until `count` lines arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** Connects to the SMDR listener and records every line, optionally handing each to `onLine`. */
export async function connectCollector(
  port: number,
  onLine?: (line: string) => void,
): Promise<LocalCollector> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines: string[] = [];
  const splitter = new LineSplitter();
  let waiter: { count: number; resolve: () => void } | undefined;
  const ended = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const line of splitter.push(buffer.subarray(0, n))) {
          lines.push(line);
          onLine?.(line);
        }
        if (waiter && lines.length >= waiter.count) waiter.resolve();
      }
    } catch {
      // reset by the peer: ended all the same
    }
  })();
  return {
    conn,
    lines,
    ended,
    waitFor(count, timeoutMs = 10_000) {
      if (lines.length >= count) return Promise.resolve();
      return withTimeout(
        new Promise<void>((resolve) => (waiter = { count, resolve })),
        timeoutMs,
        () => `collector has ${lines.length} of ${count} lines`,
      );
    },
    close() {
      try {
        conn.close();
      } catch {
        // closed already
      }
    },
  };
}

/** A push-mode collector: a listener on 127.0.0.1 that records each accepted connection's lines. */
export class PushCollector {
  /** Lines received, one array per connection, in the order connections came. */
  connections: string[][] = [];
  port = 0;
  #listener?: Deno.TcpListener;
  #conns = new Set<Deno.TcpConn>();
  #acceptLoop?: Promise<void>;
  #changed = Promise.withResolvers<void>();
  /** Set while the collector is hung: its connections stay open but nothing more is read. */
  #hung?: PromiseWithResolvers<void>;

  /** Starts listening (on `port`, or any free port the first time). */
  up(port = this.port): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#acceptLoop = this.#accept(this.#listener);
  }

  /** Stops listening and closes every connection, as a collector that goes away. */
  async down(): Promise<void> {
    this.#listener?.close();
    // The port is released only once the pending accept has ended.
    await this.#acceptLoop;
    this.#listener = undefined;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
    this.#conns.clear();
    this.#hung?.resolve();
    this.#hung = undefined;
  }

  /**
   * Stops reading while keeping every connection open, as a hung collector process: what cstabox writes
   * from now on stays in the kernel's buffers. `down()` then closes with it unread, as a kill does.
   */
  hang(): void {
    this.#hung ??= Promise.withResolvers<void>();
  }

  /** Every line over all connections, in arrival order. */
  all(): string[] {
    return this.connections.flat();
  }

  /** Waits until `test` holds, checking whenever lines arrive; rejects after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out: ${what()}`);
      await Promise.race([this.#changed.promise, new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
    }
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      this.#conns.add(conn);
      const lines: string[] = [];
      this.connections.push(lines);
      void this.#read(conn, lines);
    }
  }

  async #read(conn: Deno.TcpConn, lines: string[]): Promise<void> {
    const splitter = new LineSplitter();
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        // A read that ends after the hang is what the hung process never took: dropped, and no more reads.
        if (this.#hung) {
          await this.#hung.promise;
          break;
        }
        lines.push(...splitter.push(buffer.subarray(0, n)));
        const changed = this.#changed;
        this.#changed = Promise.withResolvers<void>();
        changed.resolve();
      }
    } catch {
      // closed by down()
    }
    this.#conns.delete(conn);
  }
}

/** Rejects with `what()` if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
