// The support bundle from a real cstabox against the simulator: one tar.gz with status, settings, log,
// the last trace and versions, in which none of the secrets the test set appears.

import assert from "node:assert/strict";
import { encodeLoginAarq } from "../../../src/csta/acse.ts";
import { dialingNumber } from "../../../src/csta/device_id.ts";
import { encodeTypedInvoke } from "../../../src/csta/operations.ts";
import { gunzip, readTar } from "../../../src/backup/tar_archive.ts";
import { ADMIN_PASSWORD, lineApiRig, newToken } from "../line_api/line_api_rig.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";
import { waitUntil } from "../../support/wait_until.ts";

const MQTT_PASSWORD = "Mqtt-Broker-Secret-913";
const URL_PASSWORD = "Url-Embedded-Secret-274";
const CSTA_PASSWORD = "Csta-User-Secret-558";

Deno.test("the support bundle holds status, masked settings, the log, the last trace and versions, and no secret", async () => {
  const rig = await lineApiRig();
  try {
    const mqtt = await rig.api("PUT", "/settings/mqtt", {
      url: `mqtt://bundle:${URL_PASSWORD}@127.0.0.1:1`,
      username: "bundle",
      password: MQTT_PASSWORD,
    });
    assert.equal(mqtt.status, 200, JSON.stringify(mqtt.body));
    assert.equal((await rig.api("PUT", "/csta-users/bob", { password: CSTA_PASSWORD })).status, 201);
    const token = await newToken(rig, "bundle test");

    // A trace with an AARQ that carries the CSTA password, then a MonitorStart.
    assert.equal((await rig.api("POST", "/trace/start", { seconds: 60 })).status, 200);
    const peer = await RawCstaPeer.connect(rig.cstaPort);
    await peer.send(encodeLoginAarq("bob", CSTA_PASSWORD));
    await peer.waitFor(2);
    await peer.send(encodeTypedInvoke(21, "monitorStart", {
      monitorObject: { kind: "deviceObject", value: dialingNumber("104") },
    }));
    await waitUntil(() => peer.received.length >= 3, 5_000, () => "the MonitorStart answer");
    peer.close();

    const response = await fetch(`${rig.base}/api/support-bundle`, {
      headers: { authorization: token.auth },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/gzip");
    assert.match(response.headers.get("content-disposition") ?? "", /cstabox-support-\d{8}-\d{6}\.tar\.gz/);
    const gz = new Uint8Array(await response.arrayBuffer());
    const tar = await gunzip(gz, 64 * 1024 * 1024);

    const secrets = [
      MQTT_PASSWORD,
      URL_PASSWORD,
      CSTA_PASSWORD,
      ADMIN_PASSWORD,
      token.auth.slice("Bearer ".length),
    ];
    const tarText = new TextDecoder("latin1").decode(tar);
    const gzText = new TextDecoder("latin1").decode(gz);
    for (const secret of secrets) {
      assert.ok(!tarText.includes(secret), `${secret} is in the bundle`);
      assert.ok(!gzText.includes(secret), `${secret} is in the compressed bytes`);
      const hex = new TextEncoder().encode(secret).toHex();
      assert.ok(!tar.toHex().includes(hex), `${secret} is in the bundle as bytes`);
    }

    const files = Object.fromEntries(
      readTar(tar, { maxEntries: 20, maxEntryBytes: 32 * 1024 * 1024 }).map((e) => [
        e.name,
        new TextDecoder().decode(e.bytes),
      ]),
    );
    assert.deepEqual(Object.keys(files).sort(), [
      "README.txt",
      "log.txt",
      "settings.json",
      "status.json",
      "trace.txt",
      "versions.json",
    ]);
    const settings = JSON.parse(files["settings.json"]);
    assert.equal(settings.mqtt.password, "(masked)");
    assert.equal(settings.mqtt.url, "mqtt://(masked)@127.0.0.1:1");
    assert.equal(settings.mqtt.username, "bundle");
    const status = JSON.parse(files["status.json"]);
    assert.equal(status.services["pbx-link"].state, "running");
    assert.equal(JSON.parse(files["versions.json"]).deno, Deno.version.deno);
    assert.match(files["trace.txt"], /monitorStart \(invoke\) {2}invokeId=21 {2}devices=104/);
    assert.match(files["trace.txt"], /user=bob password=\(masked\)/);
    assert.match(files["log.txt"], /CSTA trace started/);
  } finally {
    await rig.close();
  }
});
