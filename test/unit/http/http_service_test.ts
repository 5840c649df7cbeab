import assert from "node:assert/strict";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { HttpEnv } from "../../../src/http/context.ts";
import { HttpService } from "../../../src/http/http_service.ts";
import { Logger } from "../../../src/log/logger.ts";

Deno.test("stopping the HTTP service ends open live streams first, so the stop does not wait for them", async () => {
  let aborted = false;
  const service = new HttpService({
    log: new Logger("t", { sink: () => {} }),
    address: () => ({ hostname: "127.0.0.1", port: 0 }),
    app: (closing) => {
      const app = new Hono<HttpEnv>();
      app.get("/live", (c) =>
        streamSSE(c, async (stream) => {
          await stream.writeSSE({ data: "hello" });
          await new Promise<void>((resolve) =>
            closing.addEventListener("abort", () => resolve(), { once: true })
          );
          aborted = true;
        }));
      return app;
    },
  });
  await service.start();
  const port = service.status().listeners![0].port;
  const res = await fetch(`http://127.0.0.1:${port}/live`);
  const reader = res.body!.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /data: hello/);
  // Bounded: without the closing signal the server's shutdown would wait for the stream for ever.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    service.stop().then(() => "stopped"),
    new Promise((resolve) => (timer = setTimeout(() => resolve("still waiting"), 5000))),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, "stopped");
  assert.ok(aborted, "the stream saw the closing signal");
  await reader.cancel().catch(() => {});
  assert.equal(service.status().state, "stopped");
});
