import assert from "node:assert/strict";
import { join } from "node:path";
import { MqttOutbox } from "../../../src/integrations/mqtt/mqtt_outbox.ts";
import { openDatabase } from "../../../src/store/database.ts";

async function tempDb() {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-mqtt-outbox-" });
  return join(dir, "cstabox.db");
}

Deno.test("the MQTT outbox keeps messages in order across a reopen until they are acknowledged", async () => {
  const path = await tempDb();
  let db = openDatabase(path);
  let outbox = new MqttOutbox(() => db);
  const a = outbox.append("p/call/record", '{"id":"a"}', 0);
  const b = outbox.append("p/smdr", '{"raw":"b"}', 0);
  assert.ok(b.position > a.position);
  db.close();
  db = openDatabase(path);
  outbox = new MqttOutbox(() => db);
  assert.deepEqual(outbox.after(0, 10).map((m) => m.payload), ['{"id":"a"}', '{"raw":"b"}']);
  outbox.acknowledge(a.position);
  assert.deepEqual(outbox.after(0, 10).map((m) => m.topic), ["p/smdr"]);
  assert.equal(outbox.size(), 1);
  outbox.acknowledge(b.position);
  assert.equal(outbox.size(), 0);
  assert.equal(outbox.oldestAt(), null);
  const c = outbox.append("p/smdr", "c", 0);
  assert.ok(c.position > b.position, "positions are never reused");
  db.close();
});

Deno.test("the backlog limit drops the oldest messages and counts them, across a reopen", async () => {
  const path = await tempDb();
  let db = openDatabase(path);
  let outbox = new MqttOutbox(() => db);
  for (let i = 0; i < 5; i++) outbox.append("t", String(i), 3);
  assert.deepEqual(outbox.after(0, 10).map((m) => m.payload), ["2", "3", "4"]);
  assert.equal(outbox.dropped(), 2);
  db.close();
  db = openDatabase(path);
  outbox = new MqttOutbox(() => db);
  outbox.append("t", "5", 3);
  assert.equal(outbox.dropped(), 3);
  assert.equal(outbox.size(), 3);
  db.close();
});
