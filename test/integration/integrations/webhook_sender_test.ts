// The webhook sender thread: batches go out in order, one POST in flight per endpoint, with one message to
// the thread for many deliveries; a slow endpoint keeps its order and delays no other; a thread that dies is
// replaced and every delivery still arrives (again only if it was in flight); a stop writes what was sent.

import assert from "node:assert/strict";
import type { WebhookDispatcher } from "../../../src/integrations/webhooks/webhook_dispatcher.ts";
import { WebhookHttpSender } from "../../../src/integrations/webhooks/webhook_http_sender.ts";
import { systemClock } from "../../../src/clock.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { dispatcherRig, quietLog, record, ringing, startReceiver } from "../../support/webhook_rig.ts";

const SECRET = "a-secret-of-at-least-16";
const opts = { sanitizeOps: false, sanitizeResources: false };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A receiver that answers after `ms` and notes the most POSTs it held at once. */
function slowReceiver(ms: number, status: (id: string) => number = () => 200) {
  let open = 0;
  const seen = { most: 0 };
  const receiver = startReceiver(async (d) => {
    seen.most = Math.max(seen.most, ++open);
    await sleep(ms);
    open--;
    return status(d.headers.get("x-cstabox-delivery")!);
  });
  return { ...receiver, seen };
}

const ids = (r: { received: { headers: Headers }[] }) =>
  r.received.map((d) => d.headers.get("x-cstabox-delivery")!);
const details = (rig: { dispatcher: WebhookDispatcher }) =>
  rig.dispatcher.status().details as { senderMessages: number; senderRestarts: number; senderEvents: number };
const kinds = (r: { received: { headers: Headers }[] }) =>
  r.received.map((d) => d.headers.get("x-cstabox-event"));

/** Endpoints that take every call event, one per receiver, named by its key. */
function callEventEndpoints(
  rig: Awaited<ReturnType<typeof dispatcherRig>>,
  receivers: Record<string, { url: string }>,
): void {
  for (const [name, { url }] of Object.entries(receivers)) {
    rig.repository.create({ name, url, kinds: ["callEvent"], lines: [], enabled: true }, SECRET, new Date());
  }
  rig.dispatcher.reload();
}

/** An endpoint that takes line 101's call events and every record. */
function recordsAndEventsOf101(rig: Awaited<ReturnType<typeof dispatcherRig>>, url: string): void {
  rig.repository.create(
    { name: "crm", url, kinds: ["callEvent", "callRecord"], lines: ["101"], enabled: true },
    SECRET,
    new Date(),
  );
  rig.dispatcher.reload();
}

/** A rig whose sender thread dies once, at its first batch of stored deliveries (dying_webhook_worker.ts). */
async function withDyingThread<R extends { close(): Promise<void> }>(
  receiver: R,
  test: (rig: Awaited<ReturnType<typeof dispatcherRig>>, receiver: R) => Promise<void>,
): Promise<void> {
  const flag = await Deno.makeTempFile();
  await Deno.remove(flag);
  Deno.env.set("CSTABOX_TEST_DIE_FLAG", flag);
  const dying = new URL("../../support/dying_webhook_worker.ts", import.meta.url);
  const rig = await dispatcherRig({}, { ms: 0 }, dying);
  try {
    await test(rig, receiver);
  } finally {
    Deno.env.delete("CSTABOX_TEST_DIE_FLAG");
    await rig.close();
    await receiver.close();
    await Deno.remove(flag).catch(() => {});
  }
}

Deno.test({
  ...opts,
  name:
    "webhook sender: batches made in one turn go to the thread in one message; each is sent in order, one at a time, up to its first failure",
  fn: async () => {
    const a = slowReceiver(5);
    const b = slowReceiver(5, (id) => (id === "b3" ? 500 : 200));
    const sender = new WebhookHttpSender({ log: quietLog(), clock: systemClock });
    try {
      const batch = (url: string, prefix: string) => ({
        url,
        secret: SECRET,
        userAgent: "test",
        timeoutMs: 5000,
        handedAt: Date.now(),
        items: [1, 2, 3, 4, 5].map((n) => ({
          id: `${prefix}${n}`,
          kind: "callEvent",
          body: `{"n":${n}}`,
          createdAt: n,
        })),
      });
      const first = sender.send(batch(a.url, "a"));
      const second = sender.send(batch(b.url, "b"));
      const [outA, outB] = await Promise.all([first.outcomes, second.outcomes]);
      assert.equal(sender.messages, 1, "both batches in one message");
      assert.deepEqual(outA.map((o) => o.status), [200, 200, 200, 200, 200]);
      assert.deepEqual(ids(a), ["a1", "a2", "a3", "a4", "a5"]);
      assert.deepEqual(outB.map((o) => o.status), [200, 200, 500], "nothing after the failure");
      assert.equal(outB[2].ok, false);
      assert.match(outB[2].error!, /HTTP 500/);
      assert.deepEqual(ids(b), ["b1", "b2", "b3"]);
      assert.equal(a.seen.most, 1, "one POST in flight per endpoint");
      assert.equal(b.seen.most, 1);
    } finally {
      sender.stop();
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: a slow endpoint gets every call event in order, one at a time, and delays no other endpoint; few messages to the thread",
  fn: async () => {
    const slow = slowReceiver(15);
    const fast = slowReceiver(0);
    const rig = await dispatcherRig();
    try {
      callEventEndpoints(rig, { slow, fast });
      await sleep(100);
      for (let i = 0; i < 10; i++) {
        rig.hand.view([ringing(`c${i}`, "101", "102")]);
        rig.hand.view([]);
      }
      await waitUntil(
        () => fast.received.length === 60,
        10_000,
        () => `${fast.received.length} of 60 (fast)`,
      );
      assert.ok(
        slow.received.length < 60,
        `the slow endpoint had ${slow.received.length} when the fast one was done`,
      );
      await waitUntil(
        () => slow.received.length === 60,
        10_000,
        () => `${slow.received.length} of 60 (slow)`,
      );
      const events = (r: { received: { body: string }[] }) =>
        r.received.map((d) => JSON.parse(d.body).data).map((e) => `${e.callId} ${e.line} ${e.state}`);
      assert.deepEqual(events(slow), events(fast), "the same events in the same order");
      assert.equal(slow.seen.most, 1, "one POST in flight");
      const messages = details(rig).senderMessages;
      assert.ok(messages <= 30, `${messages} messages to the thread for 120 deliveries`);
    } finally {
      await rig.close();
      await slow.close();
      await fast.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: a thread that dies is replaced; every record arrives, twice only if it was in flight when it died",
  fn: async () => {
    await withDyingThread(slowReceiver(10), async (rig, receiver) => {
      const hook = rig.repository.create(
        { name: "crm", url: receiver.url, kinds: ["callRecord"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      for (let i = 0; i < 20; i++) rig.hand.record(record());
      await waitUntil(() => details(rig).senderRestarts === 1, 5000, () => "the thread died");
      const beforeDeath = new Set(ids(receiver));
      await waitUntil(() => rig.repository.pendingCount(hook.id) === 0, 10_000, () => "all delivered");
      const stored = rig.store.db.prepare("SELECT id, state FROM webhook_delivery").all() as {
        id: string;
        state: string;
      }[];
      assert.equal(stored.length, 20);
      assert.ok(stored.every((d) => d.state === "delivered"));
      const got = ids(receiver);
      for (const d of stored) assert.ok(got.includes(d.id), `${d.id} arrived`);
      const twice = got.filter((id, i) => got.indexOf(id) !== i);
      assert.ok(twice.every((id) => beforeDeath.has(id)), "only deliveries sent before the death come again");
      assert.ok(beforeDeath.size < 20, "the thread died with deliveries still to send");
      assert.equal(details(rig).senderRestarts, 1);
    });
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: a stop writes every answered delivery; after a start only the rest (and the one cut short) is sent",
  fn: async () => {
    const receiver = slowReceiver(20);
    const rig = await dispatcherRig();
    try {
      const hook = rig.repository.create(
        { name: "crm", url: receiver.url, kinds: ["callRecord"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      for (let i = 0; i < 20; i++) rig.hand.record(record());
      await waitUntil(() => receiver.received.length >= 5, 5000, () => "five sent");
      const started = Date.now();
      await rig.dispatcher.stop();
      assert.ok(Date.now() - started < 1000, "the stop does not wait for the batch");
      const sentBeforeStop = ids(receiver);
      const delivered = (rig.store.db.prepare("SELECT id FROM webhook_delivery WHERE state = 'delivered'")
        .all() as { id: string }[]).map((d) => d.id);
      assert.ok(delivered.length >= 4, `${delivered.length} written as delivered`);
      assert.ok(delivered.every((id) => sentBeforeStop.includes(id)));
      assert.ok(sentBeforeStop.length - delivered.length <= 1, "at most the one in flight is not written");
      assert.equal(rig.repository.pendingCount(hook.id), 20 - delivered.length);
      await rig.dispatcher.start();
      await waitUntil(() => rig.repository.pendingCount(hook.id) === 0, 10_000, () => "the rest delivered");
      const got = ids(receiver);
      const twice = got.filter((id, i) => got.indexOf(id) !== i);
      assert.ok(twice.length <= 1, `sent twice: ${twice.join(", ")}`);
      assert.equal(new Set(got).size, 20);
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: a call event goes to the thread once for all the endpoints that want it; each endpoint gets its own delivery",
  fn: async () => {
    const a = slowReceiver(0);
    const b = slowReceiver(0);
    const rig = await dispatcherRig();
    try {
      callEventEndpoints(rig, { a, b });
      for (let i = 0; i < 5; i++) {
        rig.hand.view([ringing(`c${i}`, "101", "102")]);
        rig.hand.view([]);
      }
      await waitUntil(
        () => a.received.length === 30 && b.received.length === 30,
        10_000,
        () => `${a.received.length} and ${b.received.length} of 30`,
      );
      assert.equal(details(rig).senderEvents, 30, "30 call events handed over once each, not 60");
      const both = new Set([...ids(a), ...ids(b)]);
      assert.equal(both.size, 60, "every delivery its own id");
      await waitUntil(
        () => rig.dispatcher.endpoints().every((e) => e.stats.delivered.callEvent === 30),
        2000,
        () => JSON.stringify(rig.dispatcher.endpoints().map((e) => e.stats.delivered)),
      );
      const [first] = rig.dispatcher.endpoints();
      assert.equal(first.queued, 0);
      assert.equal(first.lastAttempts[0].outcome, "delivered");
      assert.ok(first.stats.latencyMs.p50! >= 0, "latency from the event to the delivery");
    } finally {
      await rig.close();
      await a.close();
      await b.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: one endpoint's call events and records go out oldest first, one at a time, though handed over apart",
  fn: async () => {
    const receiver = slowReceiver(30);
    const rig = await dispatcherRig();
    try {
      recordsAndEventsOf101(rig, receiver.url);
      rig.hand.view([ringing("c1", "101", "102")]);
      await sleep(5);
      rig.hand.record(record());
      await sleep(5);
      rig.hand.view([]);
      await waitUntil(() => receiver.received.length === 3, 5000, () => `${receiver.received.length} of 3`);
      assert.deepEqual(kinds(receiver), ["callEvent", "callRecord", "callEvent"]);
      assert.equal(receiver.seen.most, 1, "one POST in flight");
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: call events a dying thread held are counted as dropped; every one is delivered or counted",
  fn: async () => {
    await withDyingThread(slowReceiver(20), async (rig, receiver) => {
      rig.repository.create(
        { name: "crm", url: receiver.url, kinds: ["callEvent", "callRecord"], lines: [], enabled: true },
        SECRET,
        new Date(),
      );
      rig.dispatcher.reload();
      for (let i = 0; i < 10; i++) {
        rig.hand.view([ringing(`c${i}`, "101", "102")]);
        rig.hand.view([]);
      }
      rig.hand.record(record());
      await waitUntil(() => details(rig).senderRestarts === 1, 5000, () => "the thread died");
      await waitUntil(() => rig.repository.pendingCount() === 0, 10_000, () => "the record delivered");
      const handed = details(rig).senderEvents;
      const endpoint = () => rig.dispatcher.endpoints()[0];
      await waitUntil(
        () => endpoint().stats.delivered.callEvent + endpoint().stats.dropped.callEvent === handed,
        5000,
        () => `${handed} handed: ${JSON.stringify(endpoint().stats)}`,
      );
      assert.ok(endpoint().stats.dropped.callEvent > 0, "the dying thread held call events");
      assert.equal(endpoint().queued, 0);
    });
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: call events of separate turns within webhooks.handoverMs go to the thread in one message; with 0, one per turn",
  fn: async () => {
    const messagesFor = async (handoverMs: number) => {
      const receiver = slowReceiver(0);
      const rig = await dispatcherRig({ handoverMs });
      try {
        callEventEndpoints(rig, { crm: receiver });
        for (let i = 0; i < 5; i++) {
          rig.hand.view([ringing(`c${i}`, "101", "102")]);
          await sleep(5);
          rig.hand.view([]);
          await sleep(5);
        }
        await waitUntil(
          () => receiver.received.length === 30,
          5000,
          () => `${receiver.received.length} of 30`,
        );
        return details(rig).senderMessages;
      } finally {
        await rig.close();
        await receiver.close();
      }
    };
    const windowed = await messagesFor(500);
    const eachTurn = await messagesFor(0);
    assert.ok(windowed <= 2, `${windowed} messages with a 500 ms window`);
    assert.ok(eachTurn >= 10, `${eachTurn} messages with none`);
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: an endpoint deleted while a call event's POST is in flight leaves the thread running for the others",
  fn: async () => {
    const doomed = slowReceiver(150);
    const other = slowReceiver(0);
    const rig = await dispatcherRig();
    try {
      callEventEndpoints(rig, { doomed, other });
      rig.hand.view([ringing("c1", "101", "102")]);
      await waitUntil(() => doomed.received.length >= 1, 5000, () => "the doomed endpoint's POST in flight");
      const id = rig.dispatcher.endpoints().find((e) => e.name === "doomed")!.id;
      rig.repository.remove(id);
      rig.dispatcher.reload();
      const doomedAtRemoval = doomed.received.length;
      await sleep(300);
      rig.hand.view([]);
      // Every call event was for both endpoints: the other one gets each that was handed over.
      const handed = details(rig).senderEvents;
      await waitUntil(
        () => other.received.length === handed,
        5000,
        () => `${other.received.length} of ${handed}`,
      );
      assert.equal(details(rig).senderRestarts, 0, "the sender thread did not die");
      assert.equal(doomed.received.length, doomedAtRemoval, "nothing more for the deleted endpoint");
    } finally {
      await rig.close();
      await doomed.close();
      await other.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "webhook sender: the delivery log lists attempts newest first by when each ended, a call event sent between two records of one batch between them",
  fn: async () => {
    const receiver = slowReceiver(20);
    const clock = { ms: 0 };
    const rig = await dispatcherRig({}, clock);
    try {
      recordsAndEventsOf101(rig, receiver.url);
      await sleep(50);
      // One turn, four ages (the dispatcher's clock moved between them): a call event, which the thread
      // sends at once (20 ms), then a record, a call event and a record. The records go to the thread as
      // one batch while the first POST is on the wire; the second call event is sent between them.
      rig.hand.view([ringing("c1", "101", "102")]);
      clock.ms += 10;
      rig.hand.record(record());
      clock.ms += 10;
      rig.hand.view([]);
      clock.ms += 10;
      rig.hand.record(record());
      const records = () => kinds(receiver).filter((k) => k === "callRecord").length;
      await waitUntil(() => records() === 2, 5000, () => `${kinds(receiver)}`);
      await sleep(300); // the last call events and the thread's report
      const sent = kinds(receiver);
      const [first, last] = [sent.indexOf("callRecord"), sent.lastIndexOf("callRecord")];
      assert.ok(sent.slice(first, last).includes("callEvent"), `a call event between the records: ${sent}`);
      const attempts = rig.dispatcher.endpoints()[0].lastAttempts;
      assert.deepEqual(attempts.map((a) => a.kind), sent.toReversed(), "newest first");
      const times = attempts.map((a) => Date.parse(a.at));
      assert.deepEqual(times, times.toSorted((a, b) => b - a), JSON.stringify(attempts));
    } finally {
      await rig.close();
      await receiver.close();
    }
  },
});
