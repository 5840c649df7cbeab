import assert from "node:assert/strict";
import { join } from "node:path";
import { callRecordSchema } from "../../../src/calls/call_record.ts";
import { loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";
import { parseExposition } from "../../support/prometheus_text.ts";
import { waitUntil } from "../../support/wait_until.ts";

const value = (
  families: ReturnType<typeof parseExposition>,
  name: string,
  labels: Record<string, string> = {},
) =>
  families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

Deno.test({
  name:
    "/metrics: strict exposition format, protected like the API, and its values move with simulator traffic",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "cstabox-metrics-" });
    await Deno.writeTextFile(
      join(dir, "cstabox.yaml"),
      JSON.stringify({ demo: { enabled: true, trafficCallsPerMinute: 600 } }) + "\n",
    );
    const box = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--admin-password", "metrics-pw-1"]);
    try {
      const url = `http://127.0.0.1:${box.port("http")}/metrics`;
      const anonymous = await fetch(url);
      await anonymous.body?.cancel();
      assert.equal(anonymous.status, 401, "protected like the API by default");
      const scrape = async () => {
        const response = await fetch(url, {
          headers: { authorization: `Basic ${btoa("admin:metrics-pw-1")}` },
        });
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
        return parseExposition(await response.text());
      };
      let first = await scrape();
      await waitUntil(
        async () => {
          first = await scrape();
          return value(first, "cstabox_pbx_link_up") === 1 &&
            (value(first, "cstabox_call_records_total") ?? 0) > 0;
        },
        30_000,
        () => "link up and a first call record",
      );
      for (
        const name of [
          "cstabox_applications",
          "cstabox_monitors",
          "cstabox_events_in_total",
          "cstabox_events_out_total",
          "cstabox_applications_cut_off_total",
          "cstabox_queued_bytes",
          "cstabox_smdr_records_total",
          "cstabox_smdr_collectors",
          "cstabox_licence_seats_used",
          "cstabox_licence_seats_licensed",
          "cstabox_licence_days_left",
          "cstabox_certificate_days_left",
          "cstabox_mqtt_delivered_total",
          "cstabox_webhook_delivered_total",
          "cstabox_webhook_backlog_deliveries",
          "cstabox_process_resident_memory_bytes",
          "cstabox_event_loop_delay_seconds",
        ]
      ) {
        assert.ok(first.has(name), `${name} is exposed`);
      }
      assert.ok(value(first, "cstabox_licence_seats_licensed")! > 0, "the trial's seats");
      await new Promise((r) => setTimeout(r, 2500));
      const second = await scrape();
      assert.ok(
        value(second, "cstabox_events_in_total")! > value(first, "cstabox_events_in_total")!,
        "events in move",
      );
      assert.ok(value(second, "cstabox_call_records_total")! > value(first, "cstabox_call_records_total")!);
      assert.ok(value(second, "cstabox_smdr_records_total")! >= value(first, "cstabox_smdr_records_total")!);

      // The JSON API reports records with the same schema MQTT and webhooks use.
      const records = await fetch(`http://127.0.0.1:${box.port("http")}/api/call-records?limit=5`, {
        headers: { authorization: `Basic ${btoa("admin:metrics-pw-1")}` },
      });
      const body = await records.json();
      assert.ok(body.records.length > 0 && body.records.length <= 5);
      for (const record of body.records) callRecordSchema.parse(record);

      // Open on loopback by the setting, changed through the API and applied without a restart.
      const put = await fetch(`http://127.0.0.1:${box.port("http")}/api/settings/metrics`, {
        method: "PUT",
        headers: { authorization: `Basic ${btoa("admin:metrics-pw-1")}`, "content-type": "application/json" },
        body: JSON.stringify({ openOnLoopback: true }),
      });
      assert.equal(put.status, 200, await put.text());
      await waitUntil(
        async () => {
          const response = await fetch(url);
          await response.body?.cancel();
          return response.status === 200;
        },
        10_000,
        () => "/metrics open on loopback after the settings change",
      );
    } finally {
      await box.stop();
    }
  },
});
