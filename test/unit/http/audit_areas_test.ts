// The audit log covers every area an administrator changes besides settings and users: lines (add, edit,
// delete, import, load from the PBX), number rules, location, certificates, webhooks, SMDR directories, the
// CSTA trace, licence keys and one's own password; each entry names who, how and from where, secrets masked.

import assert from "node:assert/strict";
import { FrameTrace } from "../../../src/trace/frame_trace.ts";
import { ManualClock } from "../../../src/clock.ts";
import { Logger } from "../../../src/log/logger.ts";
import { LicenceRepository } from "../../../src/licensing/licence_repository.ts";
import { Licensing } from "../../../src/licensing/licensing.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { SmdrService } from "../../../src/smdr/smdr_service.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { dispatcherRig } from "../../support/webhook_rig.ts";
import { testKeys, testLicence } from "../licensing/test_keys.ts";
import { startStore } from "../tls/store_fixture.ts";
import { Browser, NEW_PASSWORD, signedIn } from "./web_fixture.ts";

function api(b: Browser, method: string, path: string, body?: unknown, type = "application/json") {
  return b.request(path, {
    method,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": type, "x-csrf-token": b.csrf, "sec-fetch-site": "same-origin" },
  });
}

interface Entry {
  user: string;
  via: string;
  address: string;
  action: string;
  object: string;
  old?: unknown;
  new?: unknown;
}

/**
 * The audit entries after the first login's password change, oldest first, after checking that none
 * carries one of `secrets`.
 */
async function entries(b: Browser, secrets: string[] = []): Promise<Entry[]> {
  const res = await b.request("/api/audit");
  const text = await res.clone().text();
  for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} is masked`);
  const list = (await res.json()).entries as Entry[];
  for (const e of list) assert.deepEqual([e.user, e.via, e.address], ["admin", "session", "127.0.0.1"]);
  const [firstLogin, ...rest] = list.reverse();
  assert.deepEqual([firstLogin.action, firstLogin.object], ["own password changed", "user admin"]);
  return rest;
}

const summary = (list: Entry[]) => list.map((e) => [e.action, e.object]);

Deno.test("line changes are audited: add, edit, delete, import and loading from the PBX, with old and new", async () => {
  const { f, b } = await signedIn({
    pbxDevices: () => Promise.resolve([{ number: "301", kind: "extension", name: "Lobby" }]),
  });
  try {
    assert.equal((await api(b, "POST", "/api/lines", { number: "201", name: "Anna" })).status, 201);
    assert.equal((await api(b, "PUT", "/api/lines/201", { name: "Anna Berg" })).status, 200);
    assert.equal(
      (await api(b, "POST", "/api/lines/import?mode=merge", "202,Bob\n", "text/plain")).status,
      200,
    );
    assert.equal((await api(b, "DELETE", "/api/lines/202")).status, 204);
    const applied = await api(b, "POST", "/api/lines/sync/apply", { removals: "flag" });
    assert.equal(applied.status, 200);
    const list = await entries(b);
    assert.deepEqual(summary(list), [
      ["line added", "line 201"],
      ["line changed", "line 201"],
      ["lines imported", "lines (merge)"],
      ["line removed", "line 202"],
      ["lines loaded from the PBX", "lines"],
    ]);
    assert.equal((list[1].old as { name: string }).name, "Anna");
    assert.equal((list[1].new as { name: string }).name, "Anna Berg");
    assert.deepEqual(list[2].new, { added: ["202"], changed: [], removed: [] });
    assert.equal((list[3].old as { name: string }).name, "Bob");
    assert.deepEqual((list[4].new as { added: string[] }).added, ["301"]);
  } finally {
    await f.close();
  }
});

Deno.test("number rules, the location and the extension ranges are audited with their old and new values", async () => {
  const { f, b } = await signedIn();
  try {
    const location = await (await b.request("/api/location")).json();
    const changed = { ...location, areaCode: "30" };
    assert.equal((await api(b, "PUT", "/api/location", changed)).status, 200);
    assert.equal((await api(b, "PUT", "/api/location/extension-ranges", { text: "100-199" })).status, 200);
    const rule = { pattern: "^0049(.*)$", regex: true, replacement: "0$1" };
    assert.equal((await api(b, "PUT", "/api/number-rules/incoming", { rules: [rule] })).status, 200);
    const list = await entries(b);
    assert.deepEqual(summary(list), [
      ["location changed", "location"],
      ["extension ranges changed", "extension ranges"],
      ["number rules changed", "incoming number rules"],
    ]);
    assert.equal((list[0].new as { areaCode: string }).areaCode, "30");
    assert.deepEqual([list[1].old, list[1].new], ["", "100-199"]);
    assert.deepEqual([list[2].old, (list[2].new as unknown[]).length], [[], 1]);
  } finally {
    await f.close();
  }
});

Deno.test("certificate changes are audited: a self-signed one, a CSR and a rollback, never key material", async () => {
  const tls = await startStore();
  const { f, b } = await signedIn({ services: { tls: tls.store } });
  try {
    const first = tls.store.overview().certificate.fingerprintSha256;
    assert.equal((await api(b, "POST", "/api/tls/generate-self-signed")).status, 200);
    const second = tls.store.overview().certificate.fingerprintSha256;
    const csr = await b.request("/api/tls/csr", {
      method: "POST",
      body: JSON.stringify({
        subject: { commonName: "cstabox.example.com" },
        dnsNames: ["cstabox.example.com"],
      }),
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-csrf-token": b.csrf,
        "sec-fetch-site": "same-origin",
      },
    });
    assert.equal(csr.status, 201, await csr.clone().text());
    assert.equal((await api(b, "POST", "/api/tls/rollback")).status, 200);
    const res = await b.request("/api/audit");
    assert.doesNotMatch(await res.text(), /PRIVATE KEY|BEGIN CERTIFICATE/);
    const list = await entries(b);
    assert.deepEqual(summary(list), [
      ["self-signed certificate generated", "certificate"],
      ["CSR created", "certificate"],
      ["certificate rolled back", "certificate"],
    ]);
    const fingerprint = (value: unknown) => (value as { fingerprintSha256: string }).fingerprintSha256;
    assert.deepEqual([fingerprint(list[0].old), fingerprint(list[0].new)], [first, second]);
    assert.match((list[1].new as { subject: string }).subject, /cstabox\.example\.com/);
    assert.deepEqual([fingerprint(list[2].old), fingerprint(list[2].new)], [second, first]);
  } finally {
    await f.close();
    await tls.cleanup();
  }
});

Deno.test({
  name: "webhook endpoints are audited when added, changed and removed, the secret masked",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const rig = await dispatcherRig();
    const { f, b } = await signedIn({
      services: { webhooks: { repository: rig.repository, dispatcher: rig.dispatcher } },
    });
    try {
      const url = "http://127.0.0.1:9/hook";
      const created = await api(b, "POST", "/api/webhooks", { name: "crm", url, kinds: ["callRecord"] });
      assert.equal(created.status, 201, await created.clone().text());
      const { webhook } = await created.json();
      const changed = await api(b, "PUT", `/api/webhooks/${webhook.id}`, {
        name: "crm2",
        url,
        kinds: ["callRecord"],
      });
      assert.equal(changed.status, 200);
      assert.equal((await api(b, "DELETE", `/api/webhooks/${webhook.id}`)).status, 204);
      const list = await entries(b, [webhook.secret]);
      assert.deepEqual(summary(list), [
        ["webhook added", `webhook ${webhook.id}`],
        ["webhook changed", `webhook ${webhook.id}`],
        ["webhook removed", `webhook ${webhook.id}`],
      ]);
      assert.equal((list[0].new as { secret: string }).secret, "(masked)");
      assert.deepEqual([(list[1].old as { name: string }).name, (list[1].new as { name: string }).name], [
        "crm",
        "crm2",
      ]);
    } finally {
      await f.close();
      await rig.close();
    }
  },
});

Deno.test("SMDR contact and DDI name imports are audited with their counts", async () => {
  const store = await openTempDatabase();
  const smdr = new SmdrService({
    settings: () => ({ ...defaultSettings().smdr, localEnabled: false, pushEnabled: false }),
    db: () => store.db,
    log: new Logger("smdr", { sink: () => {} }),
  });
  await smdr.start();
  const again = await signedIn({ services: { smdr } });
  try {
    const csv = "number,name\n0301234567,Berlin office\n";
    const res = await api(again.b, "PUT", "/api/smdr/contacts?mode=merge", csv, "text/csv");
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await api(again.b, "PUT", "/api/smdr/ddi-names", csv, "text/csv")).status, 200);
    const list = await entries(again.b);
    assert.deepEqual(summary(list), [
      ["directory imported", "SMDR contacts"],
      ["directory imported", "SMDR DDI names"],
    ]);
    assert.equal((list[0].new as { mode: string }).mode, "merge");
  } finally {
    await smdr.stop();
    await again.f.close();
    await store.close();
  }
});

Deno.test("starting and stopping the CSTA trace is audited with what was traced", async () => {
  const trace = new FrameTrace(new ManualClock(), () => ({ maxMinutes: 10, maxFrames: 100 }));
  const { f, b } = await signedIn({ trace });
  try {
    assert.equal((await api(b, "POST", "/api/trace/start", { seconds: 60, applications: [3] })).status, 200);
    assert.equal((await api(b, "POST", "/api/trace/stop")).status, 200);
    assert.equal(
      (await api(b, "POST", "/api/trace/stop")).status,
      200,
      "stopping a stopped trace changes nothing",
    );
    const list = await entries(b);
    assert.deepEqual(summary(list), [["CSTA trace started", "CSTA trace"], [
      "CSTA trace stopped",
      "CSTA trace",
    ]]);
    assert.deepEqual(list[0].new, { seconds: 60, pbx: true, applications: [3] });
  } finally {
    trace.stop();
    await f.close();
  }
});

Deno.test("a user changing their own password on the password page is audited, the password never kept", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/password");
    const next = "yet another password 2026";
    const res = await b.post("/password", { current: NEW_PASSWORD, password: next, repeat: next });
    assert.equal(res.status, 303, await res.clone().text());
    await b.page("/");
    const list = await entries(b, [next, NEW_PASSWORD]);
    assert.deepEqual(summary(list), [["own password changed", "user admin"]]);
  } finally {
    await f.close();
  }
});

Deno.test("licence keys added and removed are audited by their id, the key text never kept", async () => {
  const store = await openTempDatabase();
  const licensing = new Licensing({
    repository: new LicenceRepository(store.another()),
    publicKey: testKeys.publicKey,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    log: { warn: () => {} },
  });
  await licensing.start();
  const { f, b } = await signedIn({ services: { licences: { licensing } } });
  try {
    const key = await testLicence({ id: "AUDIT-1", lines: 5 });
    assert.equal((await api(b, "POST", "/api/licences/keys", { key })).status, 201);
    assert.equal((await api(b, "DELETE", "/api/licences/keys/AUDIT-1")).status, 204);
    const list = await entries(b, [key]);
    assert.deepEqual(summary(list), [["licence key added", "licence AUDIT-1"], [
      "licence key removed",
      "licence AUDIT-1",
    ]]);
    assert.deepEqual(list[0].new, { lines: 5 });
  } finally {
    await f.close();
    await store.close();
  }
});
