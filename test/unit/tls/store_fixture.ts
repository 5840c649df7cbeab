// Test helper: a CertStore in a temporary data directory with fixed appliance names and a log that
// records instead of printing, plus a snapshot of the tls/ files to prove a refusal changed nothing.

import type { Clock } from "../../../src/clock.ts";
import { type LogEntry, Logger } from "../../../src/log/logger.ts";
import { CertStore, type CertStoreOptions } from "../../../src/tls/cert_store.ts";

export const testNames = {
  hostname: "cstabox",
  fqdn: "cstabox.example.com",
  addresses: ["192.168.1.20"],
  configured: [],
};

/** The shared Logger, keeping its entries (in its ring) instead of printing them. */
export class RecordingLog extends Logger {
  constructor() {
    super("tls", { sink: () => {} });
  }

  get lines(): LogEntry[] {
    return this.ring.entries();
  }
}

export function recordingLog(): RecordingLog {
  return new RecordingLog();
}

export interface StoreFixture {
  store: CertStore;
  dataDir: string;
  log: ReturnType<typeof recordingLog>;
  /** A new store on the same directory (a restart). */
  restart(options?: Partial<CertStoreOptions>): Promise<CertStore>;
  cleanup(): Promise<void>;
}

export async function startStore(
  options: Partial<CertStoreOptions> & { clock?: Clock } = {},
): Promise<StoreFixture> {
  const dataDir = await Deno.makeTempDir({ prefix: "cstabox-certstore-" });
  const log = recordingLog();
  const make = (extra: Partial<CertStoreOptions> = {}) =>
    new CertStore({ dataDir, names: () => testNames, log, ...options, ...extra });
  const stores: CertStore[] = [];
  const store = make();
  stores.push(store);
  await store.start();
  return {
    store,
    dataDir,
    log,
    async restart(extra) {
      const again = make(extra);
      stores.push(again);
      await again.start();
      return again;
    },
    async cleanup() {
      for (const s of stores) await s.stop();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Every file in `<dataDir>/tls` with its content and mode. */
export async function snapshotTlsDir(dataDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of Deno.readDir(`${dataDir}/tls`)) {
    const path = `${dataDir}/tls/${entry.name}`;
    const mode = ((await Deno.stat(path)).mode ?? 0) & 0o777;
    out[entry.name] = `${mode.toString(8)}:${await Deno.readTextFile(path)}`;
  }
  return out;
}
