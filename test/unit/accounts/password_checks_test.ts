// Issue 18 defects 4 and 5: an unknown user costs the same PBKDF2 work as a known one with a wrong
// password (timing told names apart: 1-2 ms against 77-93 ms), and password checks run a few at a time
// behind a short queue, refusing past it, so a login flood cannot take every core from CTI traffic.

import assert from "node:assert/strict";
import { join } from "node:path";
import { CstaUsers } from "../../../src/accounts/csta_users.ts";
import { PasswordChecks, PasswordChecksBusyError } from "../../../src/accounts/password_checks.ts";
import { WebUsers } from "../../../src/accounts/web_users.ts";
import { openDatabase } from "../../../src/store/database.ts";

/** The configured cost of a check; the dummy hash must be derived with the same. */
const ITERATIONS = 2_000;

/**
 * Runs `work` while recording the iteration count of every PBKDF2 derivation it makes. The work a refusal
 * costs is what tells names apart, so the test compares the work itself, not the wall clock, which a
 * loaded 2-core machine makes too noisy to judge (the first version of this test timed it and failed
 * under load while the code was right).
 */
async function derivations(work: () => Promise<unknown>): Promise<number[]> {
  const seen: number[] = [];
  const original = crypto.subtle.deriveBits;
  crypto.subtle.deriveBits = function (this: SubtleCrypto, algorithm, key, length) {
    if (typeof algorithm === "object" && algorithm.name === "PBKDF2") {
      seen.push((algorithm as Pbkdf2Params).iterations);
    }
    return original.call(this, algorithm, key, length);
  } as typeof original;
  try {
    await work();
  } finally {
    crypto.subtle.deriveBits = original;
  }
  return seen;
}

Deno.test("an unknown web or CSTA user costs the same PBKDF2 work as a known user with a wrong password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-checks-" });
  const db = openDatabase(join(dir, "t.db"));
  try {
    const web = new WebUsers(() => db, ITERATIONS);
    await web.ensureAdmin("right password");
    const csta = new CstaUsers(() => db, ITERATIONS);
    await csta.set("app", "right password");
    // The dummy hash is made once per iteration count; make it before counting.
    await web.authenticate("nobody", "warm up");
    await csta.verify("nobody", "warm up");
    const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      ["web", () => web.authenticate("admin", "wrong"), () => web.authenticate("nobody", "wrong")],
      ["CSTA", () => csta.verify("app", "wrong"), () => csta.verify("nobody", "wrong")],
    ];
    for (const [what, known, unknown] of cases) {
      assert.equal(await unknown(), what === "web" ? undefined : false);
      const knownWork = await derivations(known);
      const unknownWork = await derivations(unknown);
      assert.deepEqual(knownWork, [ITERATIONS], `${what}: a known user's wrong password is one full check`);
      assert.deepEqual(unknownWork, knownWork, `${what}: an unknown user costs the same derivation`);
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
