import assert from "node:assert/strict";
import { createWebhooksApi } from "../../../src/http/api/webhooks_api.ts";
import { dispatcherRig, startReceiver } from "../../support/webhook_rig.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function call(app: ReturnType<typeof createWebhooksApi>, method: string, path: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

Deno.test({
  ...opts,
  name: "webhooks API: create shows the secret once, list hides it, change, test delivery, remove",
  fn: async () => {
    const receiver = startReceiver();
    const rig = await dispatcherRig();
    const app = createWebhooksApi({ repository: rig.repository, dispatcher: rig.dispatcher });
    try {
      const created = await call(app, "POST", "/", { name: "crm", url: receiver.url, kinds: ["callRecord"] });
      assert.equal(created.status, 201);
      const { id, secret } = created.json.webhook;
      assert.ok(secret.length >= 32, "a generated secret");
      const list = await call(app, "GET", "/");
      assert.equal(list.json.webhooks.length, 1);
      assert.equal(list.json.webhooks[0].secret, undefined);
      assert.equal(list.json.webhooks[0].secretSet, true);
      assert.deepEqual(list.json.webhooks[0].lines, []);
      const changed = await call(app, "PUT", `/${id}`, {
        name: "crm2",
        url: receiver.url,
        kinds: ["callEvent"],
        enabled: false,
      });
      assert.equal(changed.status, 200);
      assert.equal(changed.json.webhook.name, "crm2");
      assert.equal(rig.repository.get(id)!.secret, secret, "a change without a secret keeps the secret");
      const test = await call(app, "POST", `/${id}/test`);
      assert.equal(test.status, 200);
      assert.equal(test.json.attempt.status, 200);
      assert.equal(receiver.received.at(-1)!.headers.get("x-cstabox-event"), "test");
      const deliveries = await call(app, "GET", `/${id}/deliveries`);
      assert.equal(deliveries.json.attempts[0].kind, "test");
      assert.equal((await call(app, "DELETE", `/${id}`)).status, 204);
      assert.equal((await call(app, "GET", `/${id}`)).status, 404);
      assert.equal((await call(app, "DELETE", `/${id}`)).status, 404);
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "webhooks API: a value that cannot work is refused with the field named",
  fn: async () => {
    const rig = await dispatcherRig();
    const app = createWebhooksApi({ repository: rig.repository, dispatcher: rig.dispatcher });
    try {
      const refused = async (body: unknown) => (await call(app, "POST", "/", body)).json.error;
      const base = { name: "x", url: "https://crm.example/hook", kinds: ["callRecord"] };
      assert.equal((await refused({ ...base, url: "ftp://x/y" })).field, "url");
      assert.match((await refused({ ...base, url: "ftp://x/y" })).message, /http:\/\/ or https:\/\//);
      assert.equal((await refused({ ...base, kinds: ["faxes"] })).field, "kinds[0]");
      assert.equal((await refused({ ...base, kinds: [] })).field, "kinds");
      assert.equal((await refused({ ...base, lines: ["10 1"] })).field, "lines[0]");
      assert.equal((await refused({ ...base, secret: "short" })).field, "secret");
      assert.equal((await refused({ ...base, colour: "red" })).code, "invalid_request");
      assert.equal(rig.repository.list().length, 0);
    } finally {
      await rig.close();
    }
  },
});
