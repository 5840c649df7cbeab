// The web UI's acceptance tests in Debian's Chromium against a real cstabox in demo mode (the simulated
// PBX): first login with the provisioned password and the forced change, the dashboard showing the
// simulated PBX connected and an application connecting live, a number rule applied by the check box,
// a lines import with one bad row reported, a CSR generated and downloaded, an application disconnected,
// and access control: no session means a redirect to login or 401, no CSRF token means refusal, and no
// page loads anything from another origin. Each step saves a screenshot under test-output/e2e/.

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { panasonicAarq } from "../../src/csta/acse.ts";
import { type CstaboxProcess, loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { RawCstaPeer } from "../support/raw_csta_peer.ts";
import { type BrowserRun, withBrowser, within } from "./browser.ts";

const PROVISIONED = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";
const STEP_MS = 60_000;

/** Logs in; on the first login the password page comes and the password is changed there. */
async function logIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", "admin");
  await page.fill("#f-password", CHOSEN);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

/** The origin of every URL the browser asked for must be the server's own. */
function assertSameOrigin(run: BrowserRun, base: string): void {
  const foreign = run.requests.filter((url) => new URL(url).origin !== new URL(base).origin);
  assert.deepEqual(foreign, [], "every request goes to the appliance itself");
  assert.ok(run.requests.some((url) => url.includes("/static/app.css")), "the style sheet was loaded");
  assert.ok(run.requests.some((url) => url.includes("/static/app.js")), "the script was loaded");
}

Deno.test({
  name: "the web UI in Chromium against a real cstabox in demo mode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const proc: CstaboxProcess = await startCstabox([
      "--data-dir",
      await Deno.makeTempDir({ prefix: "cstabox-e2e-" }),
      "--demo",
      ...loopbackFlags,
      "--admin-password",
      PROVISIONED,
    ], { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    const peers: RawCstaPeer[] = [];
    try {
      const login = await fetch(`${base}/login`);
      await login.body?.cancel();
      assert.equal(
        login.status,
        200,
        "the web UI is served (src/app.ts passes createHttpApp its `ui` sources)",
      );
      await t.step(
        "first login with the provisioned password forces a new password; the dashboard shows the simulated PBX connected and an application connecting live",
        async () => {
          await within(
            withBrowser(async (run) => {
              const { page } = run;
              await page.goto(`${base}/`);
              assert.match(new URL(page.url()).pathname, /^\/login$/);
              await page.fill("#f-user", "admin");
              await page.fill("#f-password", PROVISIONED);
              await page.click("#login-form button[type=submit]");
              await page.waitForURL(`${base}/password`);
              assert.match(await page.textContent("#forced-change") ?? "", /first password/);
              await run.screenshot("01-forced-password-change");
              // Other pages stay closed until the password is changed.
              await page.goto(`${base}/lines`);
              assert.equal(new URL(page.url()).pathname, "/password");

              // A refused choice keeps the page and says why beside the field.
              await page.fill("#f-current", PROVISIONED);
              await page.fill("#f-password", "short");
              await page.fill("#f-repeat", "short");
              await page.click("#password-form button[type=submit]");
              assert.match(await page.textContent(".field.invalid .error") ?? "", /at least 10 characters/);

              await page.fill("#f-current", PROVISIONED);
              await page.fill("#f-password", CHOSEN);
              await page.fill("#f-repeat", CHOSEN);
              await page.click("#password-form button[type=submit]");
              await page.waitForURL(`${base}/`);
              assert.match(await page.textContent("#flash") ?? "", /Password changed/);

              await page.waitForSelector("#pbx-state:text('connected')", { timeout: 15_000 });
              assert.equal(await page.textContent("#pbx-simulated"), "simulated PBX");
              assert.equal(await page.textContent("#demo-badge"), "simulated PBX");

              // An application connects; the dashboard shows it without a reload.
              const peer = await RawCstaPeer.connect(proc.port("csta-tcp"));
              peers.push(peer);
              await peer.send(panasonicAarq());
              await peer.waitFor(1);
              const local = (peer.conn.localAddr as Deno.NetAddr).port;
              await page.waitForSelector(`#dash-applications >> text=127.0.0.1:${local}`, {
                timeout: 10_000,
              });
              assert.match(await page.textContent("#dash-app-count") ?? "", /^1 CTI \(1 TCP, 0 TLS\)/);
              await run.screenshot("02-dashboard-live-application");
              assert.deepEqual(run.pageErrors, []);
              assertSameOrigin(run, base);
            }),
            STEP_MS,
            "first login and dashboard",
          );
        },
      );

      await t.step("a number rule added in the form is applied by the check box as one types", async () => {
        await within(
          withBrowser(async (run) => {
            const { page } = run;
            await logIn(page, base);
            await page.goto(`${base}/numbers`);
            await page.fill("#rule-incoming-pattern-0", "^0(\\d+)$");
            await page.fill("#rule-incoming-replacement-0", "+49\\1");
            await page.click("#rules-save-incoming");
            await page.waitForSelector("#flash");
            assert.match(await page.textContent("#flash") ?? "", /Incoming numbers: 1 rule saved/);
            // The saved rule is row 1; a blank row follows for the next one.
            assert.equal(await page.inputValue("#rule-incoming-pattern-0"), "^0(\\d+)$");

            await page.locator("#rule-check-incoming").pressSequentially("0301234", { delay: 20 });
            // Each keystroke asks again; wait for the answer to the whole number, not the first match.
            await page.waitForSelector("#rule-check-result-incoming:text('Rule 1 matches: +49301234')");
            assert.equal(await page.textContent("#rule-check-result-incoming"), "Rule 1 matches: +49301234");
            await run.screenshot("03-number-rule-check");

            // A number the rule does not match passes unchanged.
            await page.fill("#rule-check-incoming", "");
            await page.locator("#rule-check-incoming").pressSequentially("123", { delay: 20 });
            await page.waitForSelector("#rule-check-result-incoming:text('No rule matches')");
            assertSameOrigin(run, base);
          }),
          STEP_MS,
          "number rule check",
        );
      });

      await t.step("a lines file with one bad row is refused and that row is reported", async () => {
        await within(
          withBrowser(async (run) => {
            const { page } = run;
            await logIn(page, base);
            await page.goto(`${base}/lines`);
            const text = "# lines for reception\n150,Reception\n15x,Broken row\n151,Office\n";
            await page.setInputFiles("#lines-import-form input[type=file]", {
              name: "lines.txt",
              mimeType: "text/plain",
              buffer: Buffer.from(text),
            });
            await page.click("#lines-import-form button[type=submit]");
            await page.waitForSelector("#import-report");
            const report = await page.textContent("#import-report") ?? "";
            assert.match(report, /1 row refused; nothing was imported/);
            assert.equal(await page.locator("#import-rows tbody tr").count(), 1);
            const [row, written, why] = await page.locator("#import-rows tbody tr td").allTextContents();
            assert.equal(row, "3");
            assert.equal(written, "15x,Broken row");
            assert.match(why, /number/);
            assert.equal(
              await page.locator("#lines-table tr[data-number='150']").count(),
              0,
              "nothing was imported",
            );
            await run.screenshot("04-lines-import-bad-row");

            // The same file without the bad row goes in.
            await page.setInputFiles("#lines-import-form input[type=file]", {
              name: "lines.txt",
              mimeType: "text/plain",
              buffer: Buffer.from(text.replace("15x,Broken row\n", "")),
            });
            await page.click("#lines-import-form button[type=submit]");
            await page.waitForSelector("#import-report.ok, #import-report:text('Imported')");
            assert.equal(await page.locator("#lines-table tr[data-number='150']").count(), 1);
            // The search filters the table as one types: the server's page of matches replaces the table.
            await page.fill("#lines-search", "Office");
            // The address follows once the table is in place (history.replaceState).
            await page.waitForURL(/[?&]q=Office/);
            assert.equal(await page.locator("#lines-table tbody tr").count(), 1);
            assert.equal(
              (await page.textContent("#lines-count"))?.trim(),
              "(1 match)",
              "the card's count follows",
            );
            assertSameOrigin(run, base);
          }),
          STEP_MS,
          "lines import",
        );
      });

      await t.step("a CSR is generated, shown and downloaded", async () => {
        await within(
          withBrowser(async (run) => {
            const { page } = run;
            await logIn(page, base);
            await page.goto(`${base}/certificate`);
            await page.fill("#f-commonName", "cstabox.example.com");
            await page.fill("#f-organization", "Example Hotel");
            await page.fill("#f-country", "DE");
            await page.click("#csr-form button[type=submit]");
            await page.waitForSelector("#csr-pem");
            assert.match(await page.textContent("#csr-pem") ?? "", /^-----BEGIN CERTIFICATE REQUEST-----/);
            assert.match(await page.textContent("#pending-csr") ?? "", /CN=cstabox\.example\.com/);
            const [download] = await Promise.all([
              page.waitForEvent("download"),
              page.click("#csr-download"),
            ]);
            const path = await download.path();
            const csr = await Deno.readTextFile(path);
            assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----/);
            // openssl reads it as a valid request for the name given.
            const out = await new Deno.Command("openssl", {
              args: ["req", "-noout", "-subject", "-verify"],
              stdin: "piped",
              stdout: "piped",
              stderr: "piped",
            })
              .spawn();
            const writer = out.stdin.getWriter();
            await writer.write(new TextEncoder().encode(csr));
            await writer.close();
            const result = await out.output();
            const said = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
            assert.ok(result.success, said);
            assert.match(said, /cstabox\.example\.com/);
            await run.screenshot("05-certificate-csr");
            assertSameOrigin(run, base);
          }),
          STEP_MS,
          "CSR",
        );
      });

      await t.step("an application is disconnected from the Applications page", async () => {
        await within(
          withBrowser(async (run) => {
            const { page } = run;
            const peer = await RawCstaPeer.connect(proc.port("csta-tcp"));
            peers.push(peer);
            await peer.send(panasonicAarq());
            await peer.waitFor(1);
            const local = (peer.conn.localAddr as Deno.NetAddr).port;
            await logIn(page, base);
            await page.goto(`${base}/applications`);
            const row = page.locator("#applications tbody tr", { hasText: `127.0.0.1:${local}` });
            await row.waitFor();
            await run.screenshot("06-applications-before-disconnect");
            await row.locator("button", { hasText: "Disconnect" }).click(); // the confirm dialog is accepted
            await page.waitForSelector("#flash");
            assert.match(await page.textContent("#flash") ?? "", /was disconnected/);
            await peer.waitClosed(5_000);
            assert.equal(
              await page.locator("#applications tbody tr", { hasText: `127.0.0.1:${local}` }).count(),
              0,
            );
            await run.screenshot("07-applications-after-disconnect");
            assertSameOrigin(run, base);
          }),
          STEP_MS,
          "disconnect",
        );
      });

      await t.step(
        "without a session pages lead to login and the API answers 401; without the CSRF token a change is refused",
        async () => {
          await within(
            (async () => {
              for (
                const path of ["/", "/applications", "/lines", "/system", "/certificate", "/no-such-page"]
              ) {
                const res = await fetch(`${base}${path}`, { redirect: "manual" });
                await res.body?.cancel();
                assert.equal(res.status, 303, path);
                assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
              }
              for (const path of ["/api/status", "/api/lines", "/api/system/backup", "/api/settings"]) {
                const res = await fetch(`${base}${path}`);
                assert.equal(res.status, 401, path);
                assert.equal((await res.json()).error.code, "unauthorized");
              }
              const post = await fetch(`${base}/lines`, {
                method: "POST",
                body: new URLSearchParams({ number: "999" }),
                redirect: "manual",
              });
              await post.body?.cancel();
              assert.equal(post.status, 303);
              assert.equal(post.headers.get("location"), "/login");

              await withBrowser(async (run) => {
                const { page } = run;
                await page.goto(`${base}/system`);
                assert.equal(new URL(page.url()).pathname, "/login");
                await run.screenshot("08-login-page");
                await logIn(page, base);
                await page.goto(`${base}/lines`);
                // A form whose CSRF token is wrong (as a forged form would have) is refused.
                await page.locator("#line-add-form input[name=_csrf]").evaluate((input) =>
                  input.setAttribute("value", "forged")
                );
                await page.fill("#f-number", "777");
                await page.click("#line-add-form button[type=submit]");
                assert.match(
                  await page.textContent("body") ?? "",
                  /Refused: the form was not sent by this session's page/,
                );
                await run.screenshot("09-csrf-refused");
                // The API refuses a session request without the header, and accepts it with the token.
                await page.goto(`${base}/lines`);
                const token = await page.getAttribute('meta[name="csrf-token"]', "content") ?? "";
                const answers = await page.evaluate(async (token) => {
                  const body = JSON.stringify({ number: "778" });
                  const headers = { "content-type": "application/json" };
                  const without = await fetch("/api/lines", { method: "POST", headers, body });
                  const withToken = await fetch("/api/lines", {
                    method: "POST",
                    headers: { ...headers, "x-csrf-token": token },
                    body,
                  });
                  return [without.status, (await without.json()).error.code, withToken.status];
                }, token);
                assert.deepEqual(answers, [403, "csrf_token_missing", 201]);
                await page.goto(`${base}/lines`);
                assert.equal(await page.locator("#lines-table tr[data-number='777']").count(), 0);
                assertSameOrigin(run, base);
              });
            })(),
            STEP_MS,
            "access control",
          );
        },
      );

      await t.step("every page loads only from the appliance, on a phone-sized screen too", async () => {
        await within(
          withBrowser(async (run) => {
            const { page } = run;
            await logIn(page, base);
            const pages = await page.locator("nav.menu a").evaluateAll((links) =>
              links.map((a) => a.getAttribute("href") ?? "")
            );
            assert.ok(pages.length >= 13, `navigation lists the pages: ${pages.join(" ")}`);
            for (const path of pages) {
              const res = await page.goto(`${base}${path}`);
              assert.equal(res?.status(), 200, path);
              if (path === "/lines" || path === "/numbers") {
                await run.screenshot(`11-phone${path.replace("/", "-")}`);
              }
            }
            await page.goto(`${base}/`);
            await page.waitForSelector("#pbx-state");
            await run.screenshot("10-dashboard-phone");
            assert.deepEqual(run.pageErrors, []);
            assertSameOrigin(run, base);
          }, { viewport: { width: 390, height: 844 } }),
          STEP_MS,
          "all pages",
        );
      });
    } finally {
      for (const peer of peers) peer.close();
      assert.equal(await proc.stop(), 0);
    }
  },
});
