// Test harness run as a child process: an SmdrService in push mode on a data directory, fed synthetic
// call events at a steady rate, numbered on from the last record in the store, so a test can kill it
// with SIGKILL, start it again on the same directory and check what the collector received.
//
// deno run --allow-all push_harness.ts <dataDir> <pushPort> <recordsPerSecond>
// stdout: `harness ready next=<serial>`, `submitted <serial>` (every 50 ms), `harness stopped last=<serial>`

import { join } from "node:path";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import type { SmdrEvent } from "../../../src/smdr/smdr_event.ts";
import { SmdrService, type SmdrSettings } from "../../../src/smdr/smdr_service.ts";

const [dataDir, pushPort, rate] = Deno.args;
const db = openDatabase(join(dataDir, "cstabox.db"));
const settings: SmdrSettings = {
  ...defaultSettings().smdr,
  localEnabled: false,
  pushEnabled: true,
  pushHost: "127.0.0.1",
  pushPort: Number(pushPort),
};
const service = new SmdrService({
  settings: () => settings,
  db: () => db,
  log: new Logger("smdr", { format: "text" }),
  // The product's settle time; a short backoff ceiling keeps the test's outage short.
  push: { backoff: { minMs: 200, maxMs: 1_000 } },
});

const latest = service.outbox.latest(1)[0];
let serial = latest ? Number(parseRecord(latest.record).callId.slice(14)) : 0;
await service.start();
console.log(`harness ready next=${serial + 1}`);

const start = new Date();
const perTick = Number(rate) / 100;
let owed = 0;
const feeder = setInterval(() => {
  for (owed += perTick; owed >= 1; owed--) {
    const event: SmdrEvent = {
      event: "CONNECTED",
      at: new Date(),
      direction: "IN",
      callStart: start,
      callSerial: serial + 1,
      trunk: "92108",
      extension: "1843",
      callerNumber: "07968543537",
    };
    const result = service.submit(event);
    if (!result.ok) throw new Error(`submit failed: ${result.message}`);
    serial++;
  }
}, 10);
const reporter = setInterval(() => console.log(`submitted ${serial}`), 50);

Deno.addSignalListener("SIGTERM", async () => {
  clearInterval(feeder);
  clearInterval(reporter);
  await service.stop();
  db.close();
  console.log(`harness stopped last=${serial}`);
  Deno.exit(0);
});
