// The webhook repository's reads on a store that kept its finished deliveries (keepDeliveries, 1,000 by
// default): the dispatcher reads an endpoint's pending deliveries after every enqueue, so that read must
// not walk the finished ones.

import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { WebhookRepository } from "../../../src/integrations/webhooks/webhook_repository.ts";
import { openTempDatabase } from "../../support/temp_database.ts";

/** The repository on a connection that notes the SQL of every statement it prepares. */
function recordingRepository(db: DatabaseSync) {
  const prepared: string[] = [];
  const recording = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") {
        return (sql: string) => {
          prepared.push(sql);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { repository: new WebhookRepository(() => recording), prepared };
}

Deno.test("an endpoint's pending deliveries are read through an index of the pending ones, not by walking its 1,000 finished ones", async () => {
  const temp = await openTempDatabase();
  try {
    const { repository, prepared } = recordingRepository(temp.db);
    const hook = repository.create(
      { name: "crm", url: "http://127.0.0.1:9/hook", kinds: ["callRecord"], lines: [], enabled: true },
      "0123456789abcdef",
      new Date(0),
    );
    const delivery = (i: number) => ({
      id: `d${i}`,
      webhookId: hook.id,
      kind: "callRecord" as const,
      payload: "x".repeat(900),
      createdAt: i,
      nextAttemptAt: i,
    });
    repository.enqueue(Array.from({ length: 1005 }, (_, i) => delivery(i)));
    repository.attempted(Array.from({ length: 1000 }, (_, i) => ({
      id: `d${i}`,
      state: "delivered" as const,
      attempts: 1,
      at: 2000,
      status: 204,
      error: null,
      nextAttemptAt: 2000,
    })));

    const pending = repository.pending(hook.id, 100);
    assert.deepEqual(pending.map((d) => d.id), ["d1000", "d1001", "d1002", "d1003", "d1004"]);
    assert.equal(repository.pendingCount(hook.id), 5);

    // The statements are prepared once per connection, whichever call came first: check each read of
    // the pending ones (the list and the count) among all the repository prepared.
    const reads = prepared.filter((sql) => sql.startsWith("SELECT") && sql.includes("state = 'pending'"));
    assert.equal(reads.length, 2, `the list and the count of the pending ones: ${reads.join("; ")}`);
    for (const sql of reads) {
      const parameters = [hook.id, 100].slice(0, sql.split("?").length - 1);
      const plan = (temp.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[])
        .map((row) => row.detail).join("; ");
      assert.match(plan, /USING (COVERING )?INDEX webhook_delivery_pending/, `${sql}\n  plan: ${plan}`);
      assert.doesNotMatch(plan, /TEMP B-TREE/, `no sort of the rows read: ${plan}`);
    }
  } finally {
    await temp.close();
  }
});

Deno.test("pruning keeps an endpoint's newest finished deliveries and its pending ones, found in the index of the finished ones", async () => {
  const temp = await openTempDatabase();
  try {
    const { repository, prepared } = recordingRepository(temp.db);
    const hook = (name: string) =>
      repository.create(
        { name, url: "http://127.0.0.1:9/hook", kinds: ["callRecord"], lines: [], enabled: true },
        "0123456789abcdef",
        new Date(0),
      );
    const [crm, billing] = [hook("crm"), hook("billing")];
    // Two deliveries share each creation time: the rowid orders them, as it orders the delivery log.
    const deliveries = (webhookId: string, prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${prefix}${i}`,
        webhookId,
        kind: "callRecord" as const,
        payload: "x".repeat(900),
        createdAt: Math.floor(i / 2),
        nextAttemptAt: 0,
      }));
    repository.enqueue(deliveries(crm.id, "c", 35));
    repository.enqueue(deliveries(billing.id, "b", 10));
    const finish = (ids: string[]) =>
      repository.attempted(ids.map((id) => ({
        id,
        state: "delivered" as const,
        attempts: 1,
        at: 100,
        status: 204,
        error: null,
        nextAttemptAt: 100,
      })));
    finish(Array.from({ length: 30 }, (_, i) => `c${i}`)); // c30…c34 stay pending
    finish(Array.from({ length: 10 }, (_, i) => `b${i}`));

    assert.equal(repository.prune(crm.id, 11), 19);
    const kept = repository.recent(crm.id, 100).map((d) => d.id).sort((a, b) =>
      Number(a.slice(1)) - Number(b.slice(1))
    );
    assert.deepEqual(
      kept,
      Array.from({ length: 16 }, (_, i) => `c${i + 19}`),
      "the newest 11 and the 5 pending",
    );
    assert.equal(repository.recent(billing.id, 100).length, 10, "another endpoint's log is untouched");
    assert.equal(repository.prune(crm.id, 11), 0, "nothing more to prune");
    assert.equal(repository.prune(billing.id, 50), 0, "fewer than kept");

    const find = prepared.find((sql) => sql.startsWith("SELECT") && sql.includes("OFFSET"));
    assert.ok(find, "the oldest kept delivery is looked up");
    const plan = (temp.db.prepare(`EXPLAIN QUERY PLAN ${find}`).all(crm.id, 10) as { detail: string }[])
      .map((row) => row.detail).join("; ");
    assert.match(plan, /USING COVERING INDEX webhook_delivery_finished/, plan);
    assert.doesNotMatch(plan, /TEMP B-TREE/, `no sort of the rows read: ${plan}`);
    const remove = prepared.find((sql) => sql.startsWith("DELETE FROM webhook_delivery"))!;
    const removal = (temp.db.prepare(`EXPLAIN QUERY PLAN ${remove}`).all(crm.id, 5, "delivered", 1) as {
      detail: string;
    }[]).map((row) => row.detail).join("; ");
    assert.match(removal, /USING (COVERING )?INDEX webhook_delivery_finished/, removal);
  } finally {
    await temp.close();
  }
});
