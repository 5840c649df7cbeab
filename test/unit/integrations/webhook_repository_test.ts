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

    prepared.length = 0;
    const pending = repository.pending(hook.id, 100);
    assert.deepEqual(pending.map((d) => d.id), ["d1000", "d1001", "d1002", "d1003", "d1004"]);
    assert.equal(repository.pendingCount(hook.id), 5);

    for (const sql of prepared) {
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
