// Issue 22's acceptance walk in Debian's Chromium against a real cstabox with the simulated PBX: the first
// login and password change, a second user with the operator role refused a settings change, lines loaded
// from the PBX with preview and apply, a refused edit of cstabox.yaml while every page still works, SMDR
// history searched and downloaded as CSV, a trace of an application's MonitorStart, and the audit entries
// of all that. Each step saves screenshots at 1366 and 390 px as test-output/e2e/walk-<step>-<width>.png.

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { panasonicAarq } from "../../src/csta/acse.ts";
import { dialingNumber } from "../../src/csta/device_id.ts";
import { encodeTypedInvoke } from "../../src/csta/operations.ts";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { RawCstaPeer } from "../support/raw_csta_peer.ts";
import { waitUntil } from "../support/wait_until.ts";
import { type BrowserRun, firstLogin, withBrowser, within } from "./browser.ts";

const PROVISIONED = "walk-provisioned-1";
const ADMIN_PASSWORD = "walk admin password 2026";
const OPERATOR_FIRST = "first operator password";
const OPERATOR_PASSWORD = "walk operator password 2026";
/** Random calls of the simulated PBX, so the SMDR history fills within seconds. */
const SETTINGS = "demo:\n  trafficCallsPerMinute: 240\n";

/** Full-page screenshots of `page` at 1366 and at 390 px wide. */
async function screenshots(run: BrowserRun, page: Page, step: string): Promise<void> {
  for (const [width, height] of [[1366, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await run.screenshot(`walk-${step}-${width}`, page);
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

Deno.test({
  name:
    "the acceptance walk: users and roles, lines from the PBX, a refused settings edit, SMDR history, a trace, the audit",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cstabox-walk-" });
    const settingsFile = join(dataDir, "cstabox.yaml");
    await Deno.writeTextFile(settingsFile, SETTINGS);
    const proc: CstaboxProcess = await startCstabox([
      "--data-dir",
      dataDir,
      "--demo",
      ...loopbackFlags,
      "--admin-password",
      PROVISIONED,
    ], { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    let peer: RawCstaPeer | undefined;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;

          // 1. The first login asks for a new password before anything else opens.
          await page.goto(`${base}/`);
          await page.fill("#f-user", "admin");
          await page.fill("#f-password", PROVISIONED);
          await page.click("#login-form button[type=submit]");
          await page.waitForURL(`${base}/password`);
          assert.match(await page.textContent("#forced-change") ?? "", /first password/);
          await screenshots(run, page, "01-first-login");
          await page.fill("#f-current", PROVISIONED);
          await page.fill("#f-password", ADMIN_PASSWORD);
          await page.fill("#f-repeat", ADMIN_PASSWORD);
          await page.click("#password-form button[type=submit]");
          await page.waitForURL(`${base}/`);
          assert.match(await page.textContent("#flash") ?? "", /Password changed/);
          await screenshots(run, page, "02-password-changed");

          // 2. A second user with the operator role: read-only forms, and a settings change refused.
          await page.goto(`${base}/system#users`);
          await page.fill("#user-form [name=name]", "eve");
          await page.fill("#user-form [name=password]", OPERATOR_FIRST);
          await page.selectOption("#user-form [name=role]", "operator");
          await page.click("#user-form button[type=submit]");
          await page.waitForSelector("#flash:has-text('User eve added as operator')");
          await withBrowser(async (operator) => {
            const eve = operator.page;
            await firstLogin(eve, base, OPERATOR_FIRST, OPERATOR_PASSWORD, "eve");
            await eve.goto(`${base}/smdr#smdr-settings`);
            const form = "#smdr-settings form[data-admin-only]";
            assert.match(await eve.textContent(form) ?? "", /Administrators only/);
            assert.ok(await eve.isDisabled(`${form} button[type=submit]`), "the save button is disabled");
            await screenshots(operator, eve, "03-operator-read-only");
            // A script (or an enabled form) is refused all the same, by the API and by the page.
            const csrf = await eve.getAttribute("meta[name=csrf-token]", "content");
            const put = await eve.request.put(`${base}/api/settings/smdr`, {
              headers: { "x-csrf-token": csrf!, origin: base },
              data: { maxCollectors: 3 },
            });
            const refused = { status: put.status(), body: await put.json() };
            assert.equal(refused.status, 403);
            assert.equal(refused.body.error.code, "role_forbidden");
            assert.match(refused.body.error.message, /user eve has the operator role/);
            await eve.evaluate(`document.querySelector("${form} fieldset").disabled = false`);
            const [answer] = await Promise.all([
              eve.waitForResponse((res) => res.url().includes("/smdr/settings")),
              eve.click(`${form} button[type=submit]`),
            ]);
            assert.equal(answer.status(), 403);
            assert.match(await eve.textContent("#refused") ?? "", /user eve has the operator role/);
            await screenshots(operator, eve, "04-operator-refused");
            // The System page: users and settings read-only; the support bundle and backup for administrators.
            await eve.goto(`${base}/system`);
            assert.ok(await eve.isDisabled("#user-form button[type=submit]"), "adding users is disabled");
            assert.equal(await eve.locator("#support-bundle-download").count(), 0);
            assert.match(
              await eve.textContent("#support-bundle-download-admin-only") ?? "",
              /Administrators only/,
            );
            await screenshots(operator, eve, "04b-operator-system");
            assert.deepEqual(operator.pageErrors, []);
          });

          // 3. Lines from the PBX: one line gone from the store comes back through preview and apply.
          await page.goto(`${base}/lines`);
          const first = page.locator("#lines-table tbody tr").first();
          const number = (await first.locator("td").first().textContent())!.trim();
          await first.locator("form[action$='/delete'] button").click();
          await page.waitForSelector("#flash");
          await page.click("#lines-sync-preview button[type=submit]");
          await page.waitForSelector("#sync-plan");
          assert.match(await page.textContent("#sync-plan") ?? "", new RegExp(`\\+ ${number}\\b`));
          await screenshots(run, page, "05-lines-preview");
          await page.click("#sync-plan button[type=submit]");
          await page.waitForSelector("#flash:has-text('Loaded from the PBX: 1 added')");
          assert.ok(await page.locator(`#lines-table tbody tr:has-text('${number}')`).count() > 0);
          await screenshots(run, page, "06-lines-applied");

          // 4. A value the schema refuses in cstabox.yaml: every page still works, the section says why.
          const good = await Deno.readTextFile(settingsFile);
          assert.doesNotMatch(good, /^smdr:/m, "the file has no smdr section yet");
          await Deno.writeTextFile(settingsFile, `${good}smdr:\n  maxCollectors: lots\n`);
          // The file is watched; its refusal shows once the edit has settled (200 ms).
          await waitUntil(
            async () => {
              await page.goto(`${base}/lines`);
              return await page.locator("#settings-problem").count() > 0;
            },
            10_000,
            () => "the refused edit noticed",
            250,
          );
          const pages = await page.locator("nav a[href^='/']").evaluateAll((links) =>
            links.map((a) => a.getAttribute("href") ?? "")
          );
          assert.ok(pages.length >= 13, pages.join(" "));
          for (const path of pages) {
            const res = await page.goto(`${base}${path}`);
            assert.equal(res?.status(), 200, path);
            if (path !== "/") {
              assert.match(await page.textContent("#settings-problem") ?? "", /maxCollectors/);
            }
          }
          await page.goto(`${base}/smdr#smdr-settings`);
          assert.match(await page.textContent("#smdr-settings-refused") ?? "", /maxCollectors/);
          await screenshots(run, page, "07-settings-file-refused");
          await Deno.writeTextFile(settingsFile, good);

          // 5. SMDR history from the simulated PBX's calls: search by extension, download as CSV.
          await waitUntil(
            async () => {
              await page.goto(`${base}/smdr#smdr-history`);
              return await page.locator("#smdr-history-table tbody tr td.mono").count() > 0;
            },
            40_000,
            () => "SMDR records in the history",
            1000,
          );
          // The extension filter finds a record by its extension or its source extension (columns 6, 7).
          const column = (n: number) =>
            page.locator(`#smdr-history-table tbody tr td:nth-child(${n})`).allTextContents();
          const extension = (await column(6)).map((e) => e.trim()).find((e) => !/^0*$/.test(e))!;
          assert.ok(extension, "a record with an extension");
          await page.fill("#smdr-history-form [name=extension]", extension);
          await page.click("#smdr-history-form button[type=submit]");
          await page.waitForURL(new RegExp(`extension=${extension}`));
          await page.waitForLoadState("load");
          const [extensions, sources] = [await column(6), await column(7)];
          assert.ok(extensions.length > 0, "the search finds the record");
          extensions.forEach((e, i) =>
            assert.ok([e.trim(), sources[i].trim()].includes(extension), `row ${i}: ${e} ${sources[i]}`)
          );
          await screenshots(run, page, "08-smdr-history");
          const [download] = await Promise.all([
            page.waitForEvent("download"),
            page.click("#smdr-download-csv"),
          ]);
          const csv = (await Deno.readTextFile(await download.path())).trim().split("\n");
          assert.ok(csv.length >= 2, "a header and at least one record");
          assert.ok(csv.slice(1).every((row) => row.includes(extension)), csv.join("\n"));

          // 6. A trace of an application's MonitorStart, decoded live.
          await page.goto(`${base}/trace`);
          await page.fill("#f-minutes", "2");
          await page.click("#trace-start-button");
          await page.waitForSelector("#trace-state:text('recording')");
          peer = await RawCstaPeer.connect(proc.port("csta-tcp"));
          await peer.send(panasonicAarq());
          await peer.waitFor(1);
          await peer.send(encodeTypedInvoke(4711, "monitorStart", {
            monitorObject: { kind: "deviceObject", value: dialingNumber(number) },
          }));
          const row = "#trace-table tbody tr:has-text('monitorStart (invoke)'):has-text('invokeId=4711')";
          await page.waitForSelector(row);
          assert.match(await page.textContent(row) ?? "", new RegExp(`devices=${number}`));
          await page.waitForSelector("#trace-table tbody tr:has-text('monitorStart result')");
          await screenshots(run, page, "09-trace-monitor-start");
          await page.click("#trace-stop");
          await page.waitForSelector("#trace-state:text('stopped')");

          // 7. The audit log holds what the walk changed, by whom; the operator's refusals changed nothing.
          await page.goto(`${base}/system#audit`);
          const audit = await page.textContent("#audit") ?? "";
          for (
            const expected of [
              /own password changed: user admin/,
              /user added: user eve/,
              /own password changed: user eve/,
              new RegExp(`line removed: line ${number}`),
              /lines loaded from the PBX/,
              /CSTA trace started/,
              /CSTA trace stopped/,
            ]
          ) assert.match(audit, expected);
          assert.doesNotMatch(
            audit,
            /smdr\.maxCollectors/,
            "the operator's refused change is not in the log",
          );
          await screenshots(run, page, "10-audit");
          assert.deepEqual(run.pageErrors, []);
        }),
        240_000,
        "the acceptance walk",
      );
    } finally {
      peer?.close();
      assert.equal(await proc.stop(), 0);
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
