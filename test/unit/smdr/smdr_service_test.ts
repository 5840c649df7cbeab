import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { parseRecord } from "../../../src/smdr/record.ts";
import { SmdrService, type SmdrSettings, SmdrSettingsError } from "../../../src/smdr/smdr_service.ts";
import { collapseSpaces, seedContacts, seedDdiNames, seedScenarios } from "./seed_scenarios.ts";
import { openTempDatabase, type TempDatabase } from "../../support/temp_database.ts";

/** SMDR without sockets: records are produced and stored, no listener and no push target. */
function offline(extra: Partial<SmdrSettings> = {}): SmdrSettings {
  return { ...defaultSettings().smdr, localEnabled: false, pushEnabled: false, ...extra };
}

function setup(store: TempDatabase, settings: SmdrSettings, options: { rewrite?: boolean } = {}) {
  const lines: string[] = [];
  let current = settings;
  const service = new SmdrService({
    settings: () => current,
    db: () => store.db,
    log: new Logger("smdr", { sink: (line) => lines.push(line), format: "text" }),
    clock: new ManualClock(new Date(2026, 2, 9, 12, 0, 0).getTime()),
    rewriteNumber: options.rewrite
      ? (list, number) =>
        number.startsWith("0049") ? null : list === "incoming" ? `+44${number.slice(1)}` : `9${number}`
      : undefined,
  });
  return { service, lines, set: (next: SmdrSettings) => (current = next) };
}

const event = seedScenarios[0].events[0];

Deno.test("the seed's four scenarios go through the service and its directories to the seed's lines", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline());
  service.contacts.importEntries(seedContacts);
  service.ddiNames.importEntries(seedDdiNames);
  await service.start();
  for (const scenario of seedScenarios) {
    const records = scenario.events.map((e) => {
      const result = service.submit(e);
      assert.ok(result.ok);
      return result.record;
    });
    assert.deepEqual(records.map(collapseSpaces), scenario.expectedLines, scenario.name);
  }
  const total = seedScenarios.reduce((n, s) => n + s.events.length, 0);
  assert.equal(service.outbox.lastPosition(), total);
  await service.stop();
  await store.close();
});

Deno.test("number rules apply to the external number before the name lookup; a suppressed number is blank", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline(), { rewrite: true });
  service.contacts.importEntries([{ number: "+4479", name: "Ruled Name" }]);
  await service.start();
  const inbound = service.submit({ ...event, callerNumber: "079" });
  const outbound = service.submit({ ...event, direction: "OUT", callerNumber: "555" });
  const hidden = service.submit({ ...event, callerNumber: "00491234" });
  assert.ok(inbound.ok && outbound.ok && hidden.ok);
  assert.equal(parseRecord(inbound.record).callerNumber, "0000000000+4479");
  assert.equal(parseRecord(inbound.record).contactName, "Ruled Name");
  assert.equal(parseRecord(outbound.record).callerNumber, "000000000009555");
  assert.equal(parseRecord(hidden.record).callerNumber, "000000000000000");
  await service.stop();
  await store.close();
});

Deno.test("a name the tracker supplies wins over the directory's", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline());
  service.contacts.importEntries(seedContacts);
  await service.start();
  const result = service.submit({ ...event, contactName: "From the PBX" });
  assert.ok(result.ok);
  assert.equal(parseRecord(result.record).contactName, "From the PBX");
  await service.stop();
  await store.close();
});

Deno.test("the padding character setting pads every number field", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline({ paddingCharacter: " " }));
  await service.start();
  const result = service.submit({ ...event, accountCode: "42" });
  assert.ok(result.ok);
  const fields = parseRecord(result.record);
  assert.equal(fields.trunk, "  92108");
  assert.equal(fields.sourceExtension, "       ");
  assert.equal(fields.accountCode, "          42");
  await service.stop();
  await store.close();
});

Deno.test("an invalid event is refused, counted as lost and logged, and nothing is stored", async () => {
  const store = await openTempDatabase();
  const { service, lines } = setup(store, offline());
  await service.start();
  const result = service.submit({ ...event, callSerial: -1 });
  assert.deepEqual(result, {
    ok: false,
    reason: "invalid",
    message: "SMDR event callSerial: must be a non-negative integer, not -1",
  });
  assert.equal(service.outbox.lastPosition(), 0);
  assert.equal(service.status().details?.lost, 1);
  assert.ok(lines.some((l) => l.includes("SMDR event refused")));
  await service.stop();
  await store.close();
});

Deno.test("a record that cannot be stored is reported, not thrown at the tracker", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline());
  await service.start();
  store.db.close();
  const result = service.submit(event);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, "store");
  await service.stop();
  await store.close();
});

Deno.test("with SMDR off no record is produced and status says so", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline({ enabled: false }));
  await service.start();
  assert.deepEqual(service.submit(event), {
    ok: false,
    reason: "disabled",
    message: "SMDR is off (smdr.enabled)",
  });
  const status = service.status();
  assert.equal(status.state, "stopped");
  assert.equal(status.reason, "SMDR is off (smdr.enabled)");
  await store.close();
});

Deno.test("records submitted while the service restarts are stored and are in the history after it", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline());
  await service.start();
  service.submit(event);
  await service.stop();
  const during = service.submit({ ...event, event: "ANSWERED" });
  assert.ok(during.ok);
  await service.start();
  assert.deepEqual(service.latestRecords(10).map((r) => parseRecord(r.record).event), [
    "RINGING",
    "ANSWERED",
  ]);
  await service.stop();
  await store.close();
});

Deno.test("push mode without a target keeps a backlog, reports why, and a cap drops and counts the oldest", async () => {
  const store = await openTempDatabase();
  const { service, lines } = setup(store, offline({ pushEnabled: true, backlogLimit: 5 }));
  service.submit(event); // before push mode ran: not part of its backlog
  await service.start();
  for (let i = 0; i < 8; i++) service.submit({ ...event, callSerial: i });
  const status = service.status();
  assert.equal(status.state, "degraded");
  assert.match(status.reason!, /smdr.pushHost or smdr.pushPort is not set/);
  assert.equal(status.details?.backlog, 5);
  assert.equal(status.details?.drops, 3);
  assert.equal(status.details?.acknowledgedPosition, 4);
  assert.equal(status.details?.recordsToday, 9);
  assert.ok(lines.some((l) => l.includes("oldest undelivered records dropped")));
  await service.stop();
  await store.close();
});

Deno.test("turning push mode off clears the backlog; turning it on starts from the newest record", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline({ pushEnabled: true }));
  await service.start();
  for (let i = 0; i < 3; i++) service.submit(event);
  assert.equal(service.outbox.backlog(), 3);
  await service.reconfigure(offline({ pushEnabled: false }));
  assert.equal(service.outbox.pushCursor(), null);
  service.submit(event);
  await service.reconfigure(offline({ pushEnabled: true }));
  assert.equal(service.outbox.backlog(), 0);
  assert.equal(service.outbox.pushCursor(), 4);
  await service.stop();
  await store.close();
});

Deno.test("a settings change with an unusable value is refused and the running settings stay", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline());
  await service.start();
  await assert.rejects(
    service.reconfigure(offline({ allowedSources: ["10.0.0.0/8", "collector"] })),
    (error: unknown) =>
      error instanceof SmdrSettingsError && /"collector" is not an IP address/.test(error.message),
  );
  await assert.rejects(service.reconfigure(offline({ paddingCharacter: "ü" })), SmdrSettingsError);
  assert.deepEqual(service.settings, offline());
  assert.equal(service.status().state, "running");
  await service.stop();
  await store.close();
});

Deno.test("the live tail reads the newest historySize records; the history keeps more, by days and count", async () => {
  const store = await openTempDatabase();
  const { service } = setup(store, offline({ historySize: 10 }));
  await service.start();
  for (let i = 0; i < 200; i++) service.submit({ ...event, callSerial: i });
  assert.equal(service.outbox.storedCount(), 200, "kept by keepDays and keepRecords, not the replay size");
  const latest = service.latestRecords(1000);
  assert.equal(latest.length, 10);
  assert.deepEqual(
    latest.map((r) => Number(parseRecord(r.record).callId.slice(14))),
    [
      ...Array(10).keys(),
    ].map((i) => 190 + i),
  );
  await service.stop();
  await store.close();
});
