// Part "disk-full": cstabox's data directory on a small tmpfs, SMDR records made by simulator traffic, then
// the file system filled to the last byte. What the administrator must see (status and /healthz degraded
// with "disk full", login still working), no silent loss (every record refused counted, and named in the
// log by its call), and recovery once the space returns. Mounting needs root; elsewhere the part is skipped.

import { join } from "node:path";
import { PartReport, type PartResult, sleep, type SoakMode, until } from "./figures.ts";
import { ADMIN_PASSWORD, type CstaboxUnderTest, startRig } from "./processes.ts";

type Services = Record<string, { state: string; reason?: string }>;
interface SmdrFigures {
  lost: number;
  lastLoss: string | null;
  lastPosition?: number;
}

/** The tmpfs: room for the database and its WAL at start, and little more. */
const TMPFS_MEGABYTES = 48;
/** Calls of 2 s that ring 0.5-2 s, so records come within seconds of the traffic starting. */
const SIM_ARGS = ["--extensions", "101-160", "--trunks", "16", "--talk-time", "2", "--ring-time", "0.5-2"];

export async function diskFull(mode: SoakMode): Promise<PartResult> {
  const size = mode.quick
    ? { callsPerMinute: 1200, fullSeconds: 8 }
    : { callsPerMinute: 3000, fullSeconds: 60 };
  const report = new PartReport("disk-full");
  const mountPoint = await Deno.makeTempDir({ prefix: "cstabox-soak-tmpfs-" });
  const mounted = await run("mount", [
    "-t",
    "tmpfs",
    "-o",
    `size=${TMPFS_MEGABYTES}m,mode=0700`,
    "tmpfs",
    mountPoint,
  ]);
  if (!mounted.ok) {
    await Deno.remove(mountPoint).catch(() => {});
    const why = Deno.uid() === 0 ? `mount failed: ${mounted.output}` : "needs root to mount";
    return report.skipped(`skipped: ${why} (a tmpfs for the data directory)`);
  }
  try {
    const { sim, box } = await startRig(SIM_ARGS, {}, mountPoint);
    try {
      await exercise(report, sim, box, mountPoint, size);
    } finally {
      await box.stop();
      await sim.kill("SIGTERM");
    }
  } finally {
    await run("umount", [mountPoint]);
    await Deno.remove(mountPoint).catch(() => {});
  }
  return report.result();
}

async function exercise(
  report: PartReport,
  sim: { command(line: string): Promise<void> },
  box: CstaboxUnderTest,
  mountPoint: string,
  size: { callsPerMinute: number; fullSeconds: number },
): Promise<void> {
  const services = async () => ((await box.api("/api/status"))?.services ?? {}) as Services;
  const smdr = async () => (((await box.api("/api/smdr/status"))?.details ?? {}) as SmdrFigures);
  await until(async () => (await services())["call-tracker"]?.state === "running", 60_000);
  await sim.command(`traffic ${size.callsPerMinute}`);
  const recordsBefore = await until(async () => ((await smdr()).lastPosition ?? 0) >= 10, 60_000);
  report.expect(recordsBefore, "records stored before the disk fills", "fewer than 10 in 60 s");
  const before = (await smdr()).lastPosition ?? 0;

  // Fill the file system to its last page.
  const filler = join(mountPoint, "filler");
  const filled = await fill(filler);
  report.set("bytes written to fill the tmpfs", filled);
  const fullAt = performance.now();
  const lossSeen = await until(async () => (await smdr()).lost > 0, 60_000);
  report.set("seconds from full to the first record refused", (performance.now() - fullAt) / 1000);
  report.expect(lossSeen, "a record refused once the disk is full", "none in 60 s (was the disk full?)");
  await sleep(size.fullSeconds * 1000);

  // What the administrator sees while the disk is full.
  const whileFull = await services();
  const health = await fetchJson(box, "/healthz");
  const login = await webLogin(box);
  const full = await smdr();
  report.set("store while full", describe(whileFull.store));
  report.set("smdr while full", describe(whileFull.smdr));
  report.set("/healthz while full", `${health.status} ${JSON.stringify(health.body?.status)}`);
  report.set("web login while full (303 = signed in)", login.status);
  report.set("SMDR records refused (counted)", full.lost);
  report.set("last loss", full.lastLoss ?? "none");
  const disk = /disk full/;
  report.expect(
    whileFull.store?.state === "degraded" && disk.test(whileFull.store.reason ?? ""),
    "store degraded with the reason disk full",
    describe(whileFull.store),
  );
  report.expect(
    whileFull.smdr?.state === "degraded" && disk.test(whileFull.smdr.reason ?? ""),
    "smdr degraded with the reason disk full",
    describe(whileFull.smdr),
  );
  report.expect(
    health.status === 503 && health.body?.status === "degraded",
    "/healthz says degraded",
    `${health.status} ${JSON.stringify(health.body)}`,
  );
  report.expect(login.status === 303 && login.signedIn, "web login works on a full disk", login.detail);
  report.expect(disk.test(full.lastLoss ?? ""), "the loss is named disk full", full.lastLoss ?? "none");
  // Space returns: the store probes every 10 s, and records are stored again.
  await Deno.remove(filler);
  const freedAt = performance.now();
  const recovered = await until(async () => {
    const now = await services();
    return now.store?.state === "running" && now.smdr?.state === "running";
  }, 60_000);
  report.set("seconds from space freed to store and smdr running", (performance.now() - freedAt) / 1000);
  report.expect(
    recovered,
    "store and smdr running again once space returns",
    describe((await services()).store),
  );
  const lostAtRecovery = (await smdr()).lost;
  const positionAtRecovery = (await smdr()).lastPosition ?? 0;
  const storedAgain = await until(
    async () => ((await smdr()).lastPosition ?? 0) > positionAtRecovery,
    60_000,
  );
  await sim.command("traffic off");
  const after = await smdr();
  report.set(
    "records stored before full; at recovery; at the end",
    `${before}; ${positionAtRecovery}; ${after.lastPosition}`,
  );
  report.set("records refused after recovery", after.lost - lostAtRecovery);
  report.expect(storedAgain, "records stored again after recovery", "no new record in 60 s");
  report.expect(
    after.lost === lostAtRecovery,
    "no record refused after recovery",
    `${after.lost - lostAtRecovery}`,
  );
  report.expect(box.alive(), "cstabox alive", "it exited");
  // No silent loss: each record refused is one error line naming its call.
  const named =
    box.process.stderr().split("\n").filter((l) =>
      l.includes("SMDR record could not be stored") && /callSerial/.test(l)
    ).length;
  report.set("records refused named in the log (with their call serial)", named);
  report.expect(named === after.lost, "every refused record named in the log", `${named} of ${after.lost}`);
}

/** Writes zeros to `path` until the file system refuses; returns the bytes written. */
async function fill(path: string): Promise<number> {
  const file = await Deno.open(path, { create: true, write: true });
  let written = 0;
  try {
    for (const chunk of [1 << 20, 4096]) {
      const zeros = new Uint8Array(chunk);
      for (;;) {
        try {
          written += await file.write(zeros);
        } catch {
          break; // ENOSPC: try the smaller chunk, then stop
        }
      }
    }
  } finally {
    file.close();
  }
  return written;
}

async function webLogin(
  box: CstaboxUnderTest,
): Promise<{ status: number; signedIn: boolean; detail: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${box.port("http")}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `user=admin&password=${encodeURIComponent(ADMIN_PASSWORD)}`,
      redirect: "manual",
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    const cookie = res.headers.get("set-cookie") ?? "";
    return { status: res.status, signedIn: cookie.length > 0, detail: `${res.status} ${text.slice(0, 200)}` };
  } catch (error) {
    return { status: 0, signedIn: false, detail: String(error) };
  }
}

async function fetchJson(box: CstaboxUnderTest, path: string) {
  try {
    const res = await fetch(`http://127.0.0.1:${box.port("http")}${path}`, {
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  } catch (error) {
    return { status: 0, body: { error: String(error) } as Record<string, unknown> };
  }
}

function describe(service: { state: string; reason?: string } | undefined): string {
  return service ? `${service.state}${service.reason ? `: ${service.reason}` : ""}` : "absent";
}

async function run(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stderr).trim() || new TextDecoder().decode(out.stdout).trim();
    return { ok: out.success, output: text };
  } catch (error) {
    return { ok: false, output: String(error) };
  }
}
