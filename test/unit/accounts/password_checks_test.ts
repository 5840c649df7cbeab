// Issue 18 defects 4 and 5: an unknown user costs the same PBKDF2 work as a known one with a wrong
// password (timing told names apart: 1-2 ms against 77-93 ms), and password checks run a few at a time
// behind a short queue, refusing past it, so a login flood cannot take every core from CTI traffic.

import assert from "node:assert/strict";
import { join } from "node:path";
import { CstaUsers } from "../../../src/accounts/csta_users.ts";
import { PasswordChecks, PasswordChecksBusyError } from "../../../src/accounts/password_checks.ts";
import { WebUsers } from "../../../src/accounts/web_users.ts";
import { openDatabase } from "../../../src/store/database.ts";

/** Enough iterations for a check to take tens of milliseconds, so timing differences stand out. */
const ITERATIONS = 100_000;

async function medianMs(times: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)];
}

Deno.test("an unknown web or CSTA user takes as long to refuse as a known user with a wrong password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-checks-" });
  const db = openDatabase(join(dir, "t.db"));
  try {
    const web = new WebUsers(() => db, ITERATIONS);
    await web.ensureAdmin("right password");
    const csta = new CstaUsers(() => db, ITERATIONS);
    await csta.set("app", "right password");
    await web.authenticate("nobody", "warm up");
    await csta.verify("nobody", "warm up");
    const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      ["web", () => web.authenticate("admin", "wrong"), () => web.authenticate("nobody", "wrong")],
      ["CSTA", () => csta.verify("app", "wrong"), () => csta.verify("nobody", "wrong")],
    ];
    for (const [what, known, unknown] of cases) {
      assert.equal(await unknown(), what === "web" ? undefined : false);
      const knownMs = await medianMs(5, known);
      const unknownMs = await medianMs(5, unknown);
      assert.ok(
        unknownMs > knownMs * 0.6 && unknownMs < knownMs * 1.6,
        `${what}: unknown user ${unknownMs.toFixed(1)} ms, known user with a wrong password ${
          knownMs.toFixed(1)
        } ms`,
      );
    }
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("password checks run at most `atOnce` together; past the queue they are refused at once", async () => {
  const checks = new PasswordChecks(() => ({ atOnce: 2, waiting: 3 }));
  let running = 0;
  let most = 0;
  const releases: (() => void)[] = [];
  const work = () =>
    checks.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return true;
    });
  const outcomes = Array.from({ length: 8 }, () => work().then(() => "checked", (e) => e));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(releases.length, 2, "two run, the others wait or are refused");
  assert.deepEqual(checks.status(), { running: 2, waiting: 3, refused: 3 });
  while (releases.length || checks.status().running) {
    releases.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const settled = await Promise.all(outcomes);
  assert.equal(settled.filter((o) => o === "checked").length, 5);
  const refused = settled.filter((o) => o instanceof PasswordChecksBusyError);
  assert.equal(refused.length, 3);
  assert.match(refused[0].message, /busy/);
  assert.equal(most, 2);
});
