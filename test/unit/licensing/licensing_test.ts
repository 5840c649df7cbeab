import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { LicenceRepository } from "../../../src/licensing/licence_repository.ts";
import { Licensing, type LicensingLog } from "../../../src/licensing/licensing.ts";
import { DAY_MS } from "../../../src/licensing/trial.ts";
import { openTempDatabase, type TempDatabase } from "../../support/temp_database.ts";
import { otherKeys, testKeys, testLicence } from "./test_keys.ts";

const FIRST_START = Date.UTC(2026, 0, 1, 8);

interface Setup {
  temp: TempDatabase;
  clock: ManualClock;
  warnings: string[];
  licensing: Licensing;
  restart(publicKey?: CryptoKey): Promise<Licensing>;
}

async function setup(): Promise<Setup> {
  const temp = await openTempDatabase();
  const clock = new ManualClock(FIRST_START);
  const warnings: string[] = [];
  const log: LicensingLog = { warn: (message) => warnings.push(message) };
  const make = async (publicKey = testKeys.publicKey) => {
    const licensing = new Licensing({
      repository: new LicenceRepository(temp.another()),
      publicKey,
      clock,
      log,
    });
    await licensing.start();
    return licensing;
  };
  return { temp, clock, warnings, licensing: await make(), restart: make };
}

Deno.test("a first start begins a 45-day trial with 25 lines", async () => {
  const { temp, licensing } = await setup();
  try {
    const status = licensing.licenceStatus();
    assert.equal(status.mode, "trial");
    assert.equal(status.linesLicensed, 25);
    assert.equal(status.daysLeft, 45);
    assert.equal(status.trialStartedAt, "2026-01-01T08:00:00.000Z");
    assert.equal(status.trialEndsAt, "2026-02-15T08:00:00.000Z");
  } finally {
    await temp.close();
  }
});

Deno.test("the trial start survives restarts: a restart on day 30 does not give a new trial", async () => {
  const { temp, clock, restart } = await setup();
  try {
    clock.advance(30 * DAY_MS);
    const restarted = await restart();
    assert.equal(restarted.licenceStatus().trialStartedAt, "2026-01-01T08:00:00.000Z");
    assert.equal(restarted.licenceStatus().daysLeft, 15);
  } finally {
    await temp.close();
  }
});

Deno.test("trial expiry: monitors work until the 45th day ends, then a new device is refused with the reason", async () => {
  const { temp, clock, licensing, warnings } = await setup();
  try {
    clock.advance(45 * DAY_MS - 1);
    assert.equal(licensing.acquire("101", "app-1").ok, true);
    clock.advance(1);
    const refusal = licensing.acquire("102", "app-1");
    assert.equal(!refusal.ok && refusal.reason, "trial-ended");
    const status = licensing.licenceStatus();
    assert.equal(status.mode, "expired");
    assert.equal(status.linesLicensed, 0);
    assert.equal(status.daysLeft, 0);
    assert.deepEqual(status.lastRefusal, {
      reason: "trial-ended",
      message: "the trial has ended and no licence key is entered",
      deviceKey: "102",
      holderId: "app-1",
      linesLicensed: 0,
      linesInUse: 1,
      at: "2026-02-15T08:00:00.000Z",
    });
    assert.deepEqual(warnings, [], "refusals are logged by the caller that answers them, not twice");
    assert.equal(licensing.status().state, "degraded");
  } finally {
    await temp.close();
  }
});

Deno.test("with a 2-line key the third device is refused while two work; releasing one lets the third in", async () => {
  const { temp, licensing } = await setup();
  try {
    assert.equal((await licensing.addKey(await testLicence({ lines: 2 }))).ok, true);
    assert.equal(licensing.licenceStatus().mode, "licensed");
    assert.equal(licensing.pool.acquire("101", "app-1").ok, true);
    assert.equal(licensing.acquire("102", "line-api", "line").ok, true);
    const refusal = licensing.pool.acquire("103", "app-2");
    assert.equal(!refusal.ok && refusal.reason, "no-free-licence");
    assert.equal(licensing.licenceStatus().lastRefusal?.deviceKey, "103");
    licensing.release("102", "line-api");
    assert.equal(licensing.acquire("103", "app-2").ok, true);
    assert.equal(licensing.licenceStatus().linesInUse, 2);
  } finally {
    await temp.close();
  }
});

Deno.test("several keys add up, survive a restart, and one entered twice counts once", async () => {
  const { temp, licensing, restart } = await setup();
  try {
    const first = await testLicence({ lines: 10 });
    assert.equal((await licensing.addKey(first)).ok, true);
    assert.equal((await licensing.addKey(await testLicence({ lines: 5, expires: "2027-01-01" }))).ok, true);
    assert.deepEqual(await licensing.addKey(first), {
      ok: false,
      reason: "duplicate",
      message: `key ${licensing.licenceStatus().keys[0].id} is entered already`,
    });
    const restarted = await restart();
    assert.equal(restarted.licenceStatus().linesLicensed, 15);
    assert.equal(restarted.licenceStatus().keys.length, 2);
    assert.equal(restarted.licenceStatus().daysLeft, 366);
  } finally {
    await temp.close();
  }
});

Deno.test("keys with a bad signature, a tampered line count or a passed expiry are refused with their reason", async () => {
  const { temp, licensing, warnings } = await setup();
  try {
    const foreign = await licensing.addKey(await testLicence({ lines: 100 }, otherKeys));
    assert.equal(!foreign.ok && foreign.reason, "bad-signature");

    const genuine = await testLicence({ lines: 2 });
    const [payload, signature] = genuine.slice("CSTABOX1-".length).split(".");
    const statement = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...statement, lines: 2000 })).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
    const tampered = await licensing.addKey(`CSTABOX1-${forged}.${signature}`);
    assert.equal(!tampered.ok && tampered.reason, "bad-signature");

    const expired = await licensing.addKey(await testLicence({ expires: "2025-12-31" }));
    assert.deepEqual(expired, { ok: false, reason: "expired", message: "the key expired on 2025-12-31" });

    assert.equal(licensing.licenceStatus().mode, "trial");
    assert.deepEqual(licensing.licenceStatus().keys, []);
    assert.equal(warnings.length, 3);
  } finally {
    await temp.close();
  }
});

Deno.test("a key that expires while running stops counting and is reported; the trial does not come back", async () => {
  const { temp, clock, licensing } = await setup();
  try {
    await licensing.addKey(await testLicence({ id: "L-SHORT", lines: 3, expires: "2026-04-30" }));
    assert.equal(licensing.acquire("101", "app-1").ok, true);
    clock.advance(Date.UTC(2026, 4, 1) - clock.now());
    const status = licensing.licenceStatus();
    assert.equal(status.mode, "expired");
    assert.deepEqual(status.ignoredKeys, [{
      id: "L-SHORT",
      reason: "expired",
      message: "expired on 2026-04-30",
      customer: "Test customer",
      lines: 3,
      expires: "2026-04-30",
    }]);
    const refusal = licensing.acquire("102", "app-1");
    assert.equal(!refusal.ok && refusal.reason, "licence-expired");
    assert.equal(licensing.acquire("101", "app-2").ok, true, "a device already licensed admits more holders");
  } finally {
    await temp.close();
  }
});

Deno.test("a stored key that no longer verifies is ignored and reported at start", async () => {
  const { temp, licensing, restart, warnings } = await setup();
  try {
    await licensing.addKey(await testLicence({ id: "L-OLD" }));
    const restarted = await restart(otherKeys.publicKey);
    assert.equal(restarted.licenceStatus().mode, "trial");
    assert.deepEqual(restarted.licenceStatus().ignoredKeys.map(({ id, reason }) => ({ id, reason })), [
      { id: "L-OLD", reason: "bad-signature" },
    ]);
    assert.match(warnings.at(-1) ?? "", /licence key L-OLD ignored/);
    assert.equal(restarted.removeKey("L-OLD"), true);
    assert.deepEqual(restarted.licenceStatus().ignoredKeys, []);
  } finally {
    await temp.close();
  }
});
