// The webhook sender thread that crashes once: the real thread (webhook_http_worker.ts) which, at the first
// batch it is handed while the file named by CSTABOX_TEST_DIE_FLAG does not exist, creates it and throws
// 50 ms later with the batch's POSTs in flight. Its replacement finds the file and lives.

import "../../src/integrations/webhooks/webhook_http_worker.ts";

const flag = Deno.env.get("CSTABOX_TEST_DIE_FLAG")!;

globalThis.addEventListener("message", (event) => {
  if (!(event as MessageEvent<{ send?: unknown[] }>).data.send) return;
  try {
    Deno.statSync(flag);
    return;
  } catch {
    Deno.writeTextFileSync(flag, "died");
  }
  setTimeout(() => {
    throw new Error("the webhook sender thread crashed (test)");
  }, 50);
});
