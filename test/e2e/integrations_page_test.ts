// The Integrations page in Debian's Chromium against a real cstabox in demo mode, a real Mosquitto and a
// real webhook receiver: MQTT switched on from the page (a wrong address shows its reason, the right one
// connects), a test message acknowledged, a webhook endpoint refused with the field named, added, tested,
// with its last deliveries shown. Screenshots under test-output/e2e/integrations-*.png.

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { freePort, startBroker, subscribe } from "../support/mosquitto.ts";
import { startReceiver } from "../support/webhook_rig.ts";
import { withBrowser, within } from "./browser.ts";

const PROVISIONED = "provisioned-Pw-1";
const CHOSEN = "chosen password 2026";

async function firstLogin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill("#f-user", "admin");
  await page.fill("#f-password", PROVISIONED);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL(`${base}/password`);
  await page.fill("#f-current", PROVISIONED);
  await page.fill("#f-password", CHOSEN);
  await page.fill("#f-repeat", CHOSEN);
  await page.click("#password-form button[type=submit]");
  await page.waitForURL(`${base}/`);
}

async function saveMqtt(page: Page, url: string): Promise<void> {
  await page.check("#mqtt-settings-enabled");
  await page.fill("#mqtt-settings-url", url);
  await page.fill("#mqtt-settings-topicPrefix", "cstabox/e2e");
  await page.fill("#mqtt-settings-reconnectMaxSeconds", "2");
  await page.click("#mqtt-settings button[type=submit]");
  await page.waitForURL(/\/integrations/);
}

Deno.test({
  name: "the Integrations page: MQTT on with its state and test message, a webhook endpoint added and tested",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const receiver = startReceiver();
    const sub = await subscribe(broker.url, "cstabox/e2e/#");
    const proc = await startCstabox([
      "--data-dir",
      await Deno.makeTempDir({ prefix: "cstabox-e2e-integrations-" }),
      "--demo",
      ...loopbackFlags,
      "--admin-password",
      PROVISIONED,
    ], { timeoutMs: 30_000 });
    const base = `http://127.0.0.1:${proc.port("http")}`;
    try {
      await within(
        withBrowser(async (run) => {
          const { page } = run;
          await firstLogin(page, base);
          await page.click("nav.menu >> text=Integrations");
          await page.waitForURL(`${base}/integrations`);
          assert.match(await page.textContent("#mqtt-state") ?? "", /off/);
          assert.match(await page.textContent("#webhooks-empty") ?? "", /No endpoint yet/);
          await run.screenshot("integrations-01-off");

          // A value that cannot work is refused with the field named.
          await page.check("#mqtt-settings-enabled");
          await page.fill("#mqtt-settings-url", "http://broker:1883");
          await page.click("#mqtt-settings button[type=submit]");
          assert.match(
            await page.textContent("#mqtt-settings .field.invalid .error") ?? "",
            /mqtt:\/\/ or mqtts:\/\//,
          );

          // A broker that is not there: the state says why, and cstabox keeps trying.
          await saveMqtt(page, `mqtt://127.0.0.1:${freePort()}`);
          await page.waitForSelector("#mqtt-error:text('connection refused')", { timeout: 15_000 });
          await run.screenshot("integrations-02-mqtt-refused");

          // The broker password is a password field: never shown, kept when left empty.
          await page.fill("#mqtt-settings-username", "e2e");
          await page.fill("#mqtt-settings-password", "broker-Secret-9");
          await saveMqtt(page, broker.url);
          await page.waitForSelector("#mqtt-state .badge:text('connected')", { timeout: 15_000 });
          assert.equal(await page.getAttribute("#mqtt-settings-password", "type"), "password");
          assert.equal(
            await page.inputValue("#mqtt-settings-password"),
            "",
            "the stored password is not sent back",
          );
          assert.doesNotMatch(await page.content(), /broker-Secret-9/);
          assert.match(
            await page.textContent("#mqtt-settings") ?? "",
            /A password is stored; leave empty to keep it/,
          );
          await saveMqtt(page, broker.url);
          // The page's own session reads the API (same cookies).
          const kept = await (await page.request.get(`${base}/api/settings/mqtt`)).json();
          assert.equal(
            kept.file.password,
            "broker-Secret-9",
            "saving with the field empty keeps the password",
          );
          await page.click("#mqtt-test");
          await page.waitForURL(/\/integrations/);
          assert.match(await page.textContent("#flash") ?? "", /broker acknowledged it in \d+ ms/);
          assert.ok(
            sub.messages.some((m) => m.topic === "cstabox/e2e/test"),
            "the test message reached the broker",
          );
          await run.screenshot("integrations-03-mqtt-connected");

          // A webhook endpoint: a bad URL is refused beside the field, a good one is added and tested.
          await page.fill("#f-name", "CRM");
          await page.fill("#f-url", "ftp://crm.example/hook");
          await page.click("#webhook-add-form button[type=submit]");
          assert.match(
            await page.textContent("#webhook-add-form .field.invalid .error") ?? "",
            /http:\/\/ or https:\/\//,
          );
          await page.fill("#f-url", receiver.url);
          await page.check("#webhook-add-form input[value=callEvent]");
          await page.click("#webhook-add-form button[type=submit]");
          await page.waitForURL(/\/integrations/);
          assert.match(await page.textContent("#flash") ?? "", /Endpoint CRM added\. Its secret.*: \S{32,}/);
          await page.click("[data-webhook=CRM] button:text('Send test')");
          await page.waitForURL(/\/integrations/);
          assert.match(await page.textContent("#flash") ?? "", /Test delivered: HTTP 200/);
          assert.ok(receiver.received.some((d) => d.headers.get("x-cstabox-event") === "test"));
          // Call events of the simulator's traffic follow; the last deliveries list shows them live.
          await page.waitForSelector("[data-webhook=CRM] td:text('callEvent')", { timeout: 30_000 });
          await run.screenshot("integrations-04-webhook-deliveries");
          assert.deepEqual(run.pageErrors, []);
        }),
        120_000,
        "the Integrations page",
      );
    } finally {
      await proc.stop();
      await sub.close();
      await receiver.close();
      await broker.stop();
    }
  },
});
