// cstabox's CSTA side for client tests: a Switchboard over a scripted PBX, behind real TCP and TLS
// listeners on 127.0.0.1 port 0, with the log captured so tests can see why sessions ended.

import { join } from "node:path";
import { CstaUsers } from "../../../src/accounts/csta_users.ts";
import { LoginThrottle } from "../../../src/accounts/login_throttle.ts";
import { constructed, tlv } from "../../../src/csta/ber_writer.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { encodeReturnResult, NO_DATA } from "../../../src/csta/rose.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { Upstream, UpstreamOutcome } from "../../../src/pbx/upstream.ts";
import { CstaListener } from "../../../src/server/csta_listener.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { hexBytes } from "../../fixtures/protocol_examples.ts";
import { selfSignedForLocalhost } from "../../support/openssl_certificate.ts";

/** The PBX's crossRef for every monitor it starts. */
export const PBX_XREF = hexBytes("00 00 00 01");

/** How the scripted PBX treats one operation: answer with these bytes (its invoke ID is set), or never. */
export type PbxRule = ((invokeId: number) => Uint8Array) | "never";

/** Answers by opcode: MonitorStart with {@link PBX_XREF}, unknown operations with noData. */
export class ScriptedPbx implements Upstream {
  ready = true;
  rules = new Map<number, PbxRule>();
  requests: number[] = [];

  request(invoke: Uint8Array): Promise<UpstreamOutcome> {
    const opcode = (peekApdu(invoke) as { opcode: number }).opcode;
    this.requests.push(opcode);
    const rule = this.rules.get(opcode);
    if (rule === "never") return new Promise(() => {});
    const apdu = rule ? rule(1) : encodeReturnResult(1, {
      opcode,
      value: opcode === Opcode.monitorStart ? constructed(0x30, [tlv(0x55, PBX_XREF)]) : NO_DATA,
    });
    return Promise.resolve({ kind: "answer", apdu, peek: peekApdu(apdu) as ApduPeek });
  }

  send(): boolean {
    return true;
  }
}

export interface ListenerHarness {
  pbx: ScriptedPbx;
  board: Switchboard;
  tcpPort: number;
  tlsPort: number;
  caCerts: string[];
  /** Every log line written so far (text format). */
  logLines: string[];
  /** Delivers an APDU as if the PBX had sent it. */
  fromPbx(apdu: Uint8Array): void;
  close(): Promise<void>;
}

/** Starts the harness; the TLS listener requires a login (admin/admin, created by the harness). */
export async function startListeners(): Promise<ListenerHarness> {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(join(dir, "t.db"));
  const users = new CstaUsers(() => db, 1000);
  await users.ensureDefault("admin");
  const logLines: string[] = [];
  const log = new Logger("test", { format: "text", sink: (line) => logLines.push(line) });
  const pbx = new ScriptedPbx();
  const board = new Switchboard({
    upstream: pbx,
    log,
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 100,
      requestsInFlightPerApplication: 64,
      malformedFramesBeforeClose: 10,
    }),
  });
  const cert = await selfSignedForLocalhost();
  const common = {
    switchboard: board,
    users,
    throttle: new LoginThrottle(() => 10),
    log,
    limits: () => ({
      maxFrameBytes: 65535,
      outboundQueueBytes: 1 << 20,
      drainTimeoutSeconds: 5,
      frameCompletionSeconds: 30,
      writeCoalesceMs: 0,
    }),
  };
  const tcp = new CstaListener({
    ...common,
    name: "csta-tcp",
    transport: "tcp",
    listen: () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
    loginRequired: () => false,
  });
  const tls = new CstaListener({
    ...common,
    name: "csta-tls",
    transport: "tls",
    listen: () => Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: cert.certPem, key: cert.keyPem }),
    loginRequired: () => true,
  });
  await tcp.start();
  await tls.start();
  return {
    pbx,
    board,
    tcpPort: tcp.status().listeners![0].port,
    tlsPort: tls.status().listeners![0].port,
    caCerts: [cert.certPem],
    logLines,
    fromPbx: (apdu) => {
      board.fromPbx(apdu, peekApdu(apdu) as ApduPeek);
      board.pbxFramesEnd();
    },
    async close() {
      await tcp.stop();
      await tls.stop();
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Resolves with `promise`, or rejects when it takes longer than `ms` (keeps every test bounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every few milliseconds until it holds, bounded by `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
