import assert from "node:assert/strict";
import { verifySignature } from "../../../src/integrations/webhooks/webhook_signature.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { dispatcherRig, record, ringing, startReceiver } from "../../support/webhook_rig.ts";

const SECRET = "a-secret-of-at-least-16";
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...opts,
  name:
    "webhooks: a record arrives signed; the documented check accepts it and refuses a changed body or an old timestamp",
  fn: async () => {
    const receiver = startReceiver();
    const rig = await dispatcherRig();
    try {
      rig.repository.create(
        { name: "crm", url: receiver.url, kinds: ["callRecord"], lines: [], secret: SECRET, enabled: true },
        "unused",
        new Date(),
      );
      rig.dispatcher.reload();
      const sent = record();
      rig.hand.record(sent);
      await waitUntil(() => receiver.received.length === 1, 5000, () => "one delivery");
      const [delivery] = receiver.received;
      const headers = {
        signature: delivery.headers.get("x-cstabox-signature"),
        timestamp: delivery.headers.get("x-cstabox-timestamp"),
      };
      const now = Math.floor(Date.now() / 1000);
      assert.ok(verifySignature(SECRET, headers, delivery.body, now));
      assert.ok(!verifySignature(SECRET, headers, delivery.body.replace("answered", "missed"), now));
      assert.ok(!verifySignature("another-secret-16chars", headers, delivery.body, now));
      assert.ok(!verifySignature(SECRET, headers, delivery.body, now + 301), "a replay after 5 minutes");
      assert.equal(delivery.headers.get("x-cstabox-event"), "callRecord");
      const body = JSON.parse(delivery.body);
      assert.equal(body.delivery, delivery.headers.get("x-cstabox-delivery"));
      assert.equal(body.event, "callRecord");
      assert.deepEqual(body.data, sent);
      await waitUntil(
        () => rig.dispatcher.endpoints()[0].lastAttempts.length === 1,
        2000,
        () => "attempt noted",
      );
      const [attempt] = rig.dispatcher.endpoints()[0].lastAttempts;
      assert.equal(attempt.status, 200);
      assert.equal(attempt.outcome, "delivered");
      assert.equal(rig.repository.pendingCount(), 0);
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "webhooks: an endpoint that never answers delays no other endpoint",
  fn: async () => {
    const dead = startReceiver(() => "hang");
    const live = startReceiver();
    const rig = await dispatcherRig({ timeoutSeconds: 30 });
    try {
      for (const [name, url] of [["dead", dead.url], ["live", live.url]]) {
        rig.repository.create(
          { name, url, kinds: ["callRecord", "callEvent"], lines: [], enabled: true },
          SECRET,
          new Date(),
        );
      }
      rig.dispatcher.reload();
      const started = Date.now();
      for (let i = 0; i < 20; i++) rig.hand.record(record());
      await waitUntil(
        () => live.received.length === 20,
        5000,
        () => `${live.received.length} of 20 at the live endpoint`,
      );
      assert.ok(Date.now() - started < 5000);
      assert.equal(
        dead.received.length,
        1,
        "the dead endpoint holds its first delivery; the rest wait in order",
      );
      assert.equal(rig.dispatcher.endpoints().find((e) => e.name === "dead")!.backlog, 20);
    } finally {
      await rig.close();
      await dead.close();
      await live.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhooks: a record refused with 500 is retried until delivered; a call event is retried briefly, then dropped and counted",
  fn: async () => {
    let refuse = true;
    const receiver = startReceiver(() => (refuse ? 500 : 200));
    const rig = await dispatcherRig({ retryMinSeconds: 0.1, retryMaxSeconds: 0.2, eventRetrySeconds: 0.5 });
    try {
      rig.repository.create(
        { name: "flaky", url: receiver.url, kinds: ["callRecord", "callEvent"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      rig.hand.view([ringing("c1")]);
      const sent = record();
      rig.hand.record(sent);
      await waitUntil(
        () => rig.dispatcher.endpoints()[0].stats.dropped.callEvent >= 2,
        5000,
        () => JSON.stringify(rig.dispatcher.endpoints()[0].stats),
      );
      const refusedRecords = receiver.received.filter((d) =>
        d.headers.get("x-cstabox-event") === "callRecord"
      ).length;
      assert.ok(refusedRecords >= 2, "the record was tried more than once");
      assert.equal(rig.repository.pendingCount(), 1, "the record still waits");
      refuse = false;
      await waitUntil(() => rig.repository.pendingCount() === 0, 5000, () => "the record delivered");
      const ids = new Set(
        receiver.received.filter((d) => d.headers.get("x-cstabox-event") === "callRecord").map((d) =>
          d.headers.get("x-cstabox-delivery")
        ),
      );
      assert.equal(ids.size, 1, "every retry is the same delivery");
      const attempts = rig.dispatcher.endpoints()[0].lastAttempts;
      assert.ok(attempts.some((a) =>
        a.status === 500 && a.outcome === "retrying" && a.error?.includes("receiver refused")
      ));
      assert.ok(attempts.some((a) =>
        a.outcome === "dropped" && a.kind === "callEvent"
      ));
      assert.equal(attempts[0].outcome, "delivered");
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "webhooks: a record still refused after the retry time is marked failed and counted",
  fn: async () => {
    const receiver = startReceiver(() => 503);
    const clock = { ms: 0 };
    const rig = await dispatcherRig(
      { retryMinSeconds: 0.1, retryMaxSeconds: 0.1, recordRetryHours: 1 },
      clock,
    );
    try {
      const hook = rig.repository.create(
        { name: "down", url: receiver.url, kinds: ["callRecord"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      rig.hand.record(record());
      await waitUntil(() => receiver.received.length >= 1, 5000, () => "first attempt");
      clock.ms = 2 * 3600_000; // two hours later
      await waitUntil(() => rig.repository.failedCount(hook.id) === 1, 5000, () => "marked failed");
      assert.equal(rig.repository.pendingCount(), 0);
      assert.equal(rig.dispatcher.stats.failed.callRecord, 1);
      assert.equal(rig.dispatcher.endpoints()[0].lastAttempts[0].outcome, "failed");
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "webhooks: an endpoint gets only the kinds and lines it asked for; a disabled one gets nothing",
  fn: async () => {
    const receiver = startReceiver();
    const rig = await dispatcherRig();
    try {
      rig.repository.create(
        { name: "101 only", url: receiver.url + "?a", kinds: ["callEvent"], lines: ["101"], enabled: true },
        SECRET,
        new Date(),
      );
      rig.repository.create(
        {
          name: "off",
          url: receiver.url + "?b",
          kinds: ["callEvent", "callRecord"],
          lines: [],
          enabled: false,
        },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      rig.hand.view([ringing("c1", "102", "103")]);
      rig.hand.view([ringing("c1", "102", "103"), ringing("c2", "101", "103")]);
      rig.hand.record(record());
      await waitUntil(() => receiver.received.length >= 1, 5000, () => "a delivery");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(receiver.received.length, 1);
      const body = JSON.parse(receiver.received[0].body);
      assert.equal(body.event, "callEvent");
      assert.equal(body.data.line, "101");
      assert.equal(body.data.state, "offering");
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

/** A dispatcher with one endpoint that takes `kind`, counting its reads of the store's pending deliveries. */
async function countingReads(kind: "callEvent" | "callRecord") {
  const receiver = startReceiver();
  const rig = await dispatcherRig();
  let reads = 0;
  const pending = rig.repository.pending.bind(rig.repository);
  rig.repository.pending = (id, limit) => (reads++, pending(id, limit));
  rig.repository.create(
    { name: kind, url: receiver.url, kinds: [kind], lines: [], enabled: true },
    SECRET,
    new Date(),
  );
  rig.dispatcher.reload();
  await new Promise((r) => setTimeout(r, 100)); // the endpoint's first read
  return { receiver, rig, reads: () => reads };
}

Deno.test({
  ...opts,
  name: "webhooks: call events go out in order without a read of the store per delivery",
  fn: async () => {
    const { receiver, rig, reads } = await countingReads("callEvent");
    try {
      const before = reads();
      for (let i = 0; i < 10; i++) {
        rig.hand.view([ringing(`c${i}`, "101", "102")]);
        rig.hand.view([]);
      }
      // Each call: ringback at 102 (the caller, the view's first party), offering at 101, then disconnected
      // and idle at both.
      await waitUntil(
        () => receiver.received.length === 60,
        10_000,
        () => `${receiver.received.length} of 60`,
      );
      const states = receiver.received.map((d) => JSON.parse(d.body).data)
        .filter((e) => e.callId === "c3").map((e) => `${e.line} ${e.state}`);
      assert.deepEqual(states, [
        "102 ringback",
        "101 offering",
        "102 disconnected",
        "102 idle",
        "101 disconnected",
        "101 idle",
      ]);
      assert.ok(reads() - before <= 1, `${reads() - before} reads of the store for 60 call events`);
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "webhooks: records go out in order without a read of the store (nor a commit) per record",
  fn: async () => {
    const { receiver, rig, reads } = await countingReads("callRecord");
    try {
      const before = reads();
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = record();
        sent.push(r.id);
        rig.hand.record(r);
        // Each one delivered before the next is made: the window is empty at every record.
        await waitUntil(() => receiver.received.length === i + 1, 10_000, () => `record ${i + 1}`);
      }
      const ids = receiver.received.map((d) => JSON.parse(d.body).data.id);
      assert.deepEqual(ids, sent);
      assert.ok(reads() - before <= 1, `${reads() - before} reads of the store for 20 records`);
      await waitUntil(() => rig.repository.pendingCount() === 0, 5_000, () => "the attempts are written");
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhooks: a backlog the store cannot count reads null (unknown), never 0, in the endpoint and the service status",
  fn: async () => {
    const receiver = startReceiver();
    const rig = await dispatcherRig();
    try {
      rig.repository.create(
        { name: "crm", url: receiver.url, kinds: ["callRecord"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      assert.equal(rig.dispatcher.endpoints()[0].backlog, 0, "counted while the store answers");
      const failing = () => {
        throw new Error("disk I/O error");
      };
      rig.repository.pendingCount = failing;
      rig.repository.failedCount = failing;
      const [endpoint] = rig.dispatcher.endpoints();
      // A 0 here once let "every backlog drained" pass while deliveries still waited.
      assert.equal(endpoint.backlog, null);
      assert.equal(endpoint.failedRecords, null);
      assert.equal((rig.dispatcher.status().details as { backlog: number | null }).backlog, null);
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});
