// The Phone page in Debian's Chromium against cstabox and the simulated PBX on real sockets: open a line,
// dial through the dialling rules (the number dialled is shown), answer, hold and retrieve, consult and
// conference, blind transfer, group pickup, digits, forwarding and do not disturb, every change arriving
// over the event WebSocket. Screenshots are saved under test-output/e2e/phone-*.png.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ADMIN_PASSWORD, type LineApiRig, lineApiRig } from "../integration/line_api/line_api_rig.ts";
import { withBrowser, within } from "./browser.ts";

const CHOSEN = "phone page password 2026";

/** The row of a call in a state (the table is rebuilt from WebSocket messages). */
const row = (state: string) => `#phone-calls tbody tr[data-state="${state}"]`;

async function click(page: Page, state: string, action: string): Promise<void> {
  await page.click(`${row(state)} button[data-action="${action}"]`);
}

function answerAt(rig: LineApiRig, device: string): void {
  const conn = rig.sim.engine.connectionsOf(device).find((c) => c.state === "alerting");
  assert.ok(conn, `nothing rings at ${device}`);
  assert.ok(rig.sim.engine.answerCall(conn).ok);
}

Deno.test({
  name: "the Phone page controls a line through the line API in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rig = await lineApiRig();
    try {
      const rule = await rig.api("PUT", "/number-rules/dialling", {
        rules: [{ pattern: "^\\*([0-9]{3})$", regex: true, replacement: "\\1" }],
      });
      assert.equal(rule.status, 200);
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          const base = rig.base;
          await page.goto(`${base}/login`);
          await page.fill("#f-user", "admin");
          await page.fill("#f-password", ADMIN_PASSWORD);
          await page.click("#login-form button[type=submit]");
          await page.waitForURL(`${base}/password`);
          await page.fill("#f-current", ADMIN_PASSWORD);
          await page.fill("#f-password", CHOSEN);
          await page.fill("#f-repeat", CHOSEN);
          await page.click("#password-form button[type=submit]");
          await page.waitForURL(`${base}/`);

          // Open line 101 from the navigation.
          await page.click("nav a[href='/phone']");
          await page.selectOption("#phone-line", "101");
          await page.click("#phone-open-button");
          await page.waitForSelector("#phone-status:text('Line 101 is open')");
          await run.screenshot("phone-01-line-open");

          // Dial *102: the dialling rule makes it 102, and the page says so.
          await page.fill("#phone-to", "*102");
          await page.click("#phone-dial-button");
          await page.waitForSelector("#phone-dialled:text('Dialled 102 (for *102).')");
          await page.waitForSelector(row("ringback"));
          answerAt(rig, "102");
          await page.waitForSelector(row("connected"));
          assert.match(await page.textContent(row("connected")) ?? "", /102/);
          await run.screenshot("phone-02-connected");

          await click(page, "connected", "hold");
          await page.waitForSelector(row("onhold"));
          await click(page, "onhold", "unhold");
          await page.waitForSelector(row("connected"));
          await page.fill("#phone-target", "12#");
          await click(page, "connected", "digits");

          // Consult 103 and join everyone in a conference.
          await page.fill("#phone-target", "103");
          await click(page, "connected", "setup-transfer");
          await page.waitForSelector(row("onholdpendtransfer"));
          await page.waitForSelector(row("ringback"));
          answerAt(rig, "103");
          await page.waitForSelector(row("connected"));
          await click(page, "onholdpendtransfer", "conference");
          await page.waitForSelector(row("conferenced"));
          await run.screenshot("phone-03-conference");
          await click(page, "conferenced", "drop");
          await page.waitForSelector("#phone-no-calls:not([hidden])");

          // A call comes in; answer it and hand it on blind.
          assert.ok(rig.sim.engine.makeCall("104", "101").ok);
          await page.waitForSelector(row("offering"));
          await click(page, "offering", "answer");
          await page.waitForSelector(row("connected"));
          await page.fill("#phone-target", "105");
          await click(page, "connected", "blind-transfer");
          await page.waitForSelector("#phone-no-calls:not([hidden])");
          assert.equal(rig.sim.engine.connectionsOf("105")[0]?.state, "alerting");

          // Group pickup of a call ringing at 106 (104 gives up on 105 first).
          assert.ok(rig.sim.engine.clearConnection(rig.sim.engine.connectionsOf("104")[0]).ok);
          assert.ok(rig.sim.engine.makeCall("104", "106").ok);
          await page.click("#phone-pickup-button");
          await page.waitForSelector(row("connected"));
          await click(page, "connected", "drop");
          await page.waitForSelector("#phone-no-calls:not([hidden])");

          // Forwarding and do not disturb.
          await page.selectOption("#phone-forward-mode", "busy");
          await page.fill("#phone-forward-to", "106");
          await page.click("#phone-forward-button");
          await page.waitForSelector("#phone-address:text('Forwarding busy (all) to 106')");
          await page.check("#phone-dnd");
          await page.waitForSelector("#phone-dnd:checked");
          assert.equal(rig.sim.engine.getDoNotDisturb("101").ok, true);
          await run.screenshot("phone-04-forwarding-dnd");
          await page.click("#phone-unforward-button");
          await page.waitForSelector("#phone-address:text('No forwarding')");
          assert.equal(
            await page.isHidden("#phone-error"),
            true,
            await page.textContent("#phone-error") ?? "",
          );

          // The line API's settings are on the page.
          await page.fill("#line-api-settings-form [name=leaseSeconds]", "300");
          await page.click("#line-api-settings-form button[type=submit]");
          await page.waitForSelector("#flash:text('Line API settings saved.')");
          assert.equal(rig.app.settings.current().lineApi.leaseSeconds, 300);
          await page.selectOption("#phone-line", "101");
          await page.click("#phone-open-button");
          await page.waitForSelector("#phone-status:text('Line 101 is open')");

          // The Lines page says who holds the line open; the Licences page which seat it takes.
          const phone = page;
          const admin = await run.context.newPage();
          await admin.goto(`${base}/lines`);
          assert.match(
            await admin.textContent('#lines-table tr[data-number="101"] .line-open') ?? "",
            /open by user admin \(web session\) \(live\)/,
          );
          await run.screenshot("phone-05-lines-page", admin);
          await admin.goto(`${base}/licences`);
          assert.match(
            await admin.textContent('#licence-seats tr[data-device="101"]') ?? "",
            /line API: user admin \(web session\)/,
          );
          await run.screenshot("phone-06-licences-seats", admin);
          await admin.close();
          await phone.click("#phone-close-button");
          await phone.waitForSelector("#phone-status:text('Line 101 closed.')");

          assert.deepEqual(run.pageErrors, []);
          const foreign = run.requests.filter((url) => new URL(url).origin !== new URL(base).origin);
          assert.deepEqual(foreign, []);
        }),
        120_000,
        "the Phone page walk-through",
      );
    } finally {
      await rig.close();
    }
  },
});
