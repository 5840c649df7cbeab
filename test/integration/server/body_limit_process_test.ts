// Issue 18 defect 0, as an administrator would see it: a real cstabox process gets chunked bodies far
// larger than any limit (600 MB once made Deno panic and the appliance exit) and refuses each with 413
// while it streams; its own RSS, read from /proc, grows by a small part of the body and it keeps serving.
// Measured in a child process so that test modules running in parallel in this one cannot blur the figure.

import assert from "node:assert/strict";
import { chunkedUpload, processRss } from "../../support/chunked_upload.ts";
import { loopbackFlags, startCstabox } from "../../support/cstabox_process.ts";

/** 256 MB offered: cut at the 16 KiB login limit or the 8 MiB API limit long before its end. */
const BODY = 256 * 1024 * 1024;
/**
 * A body read whole grows RSS by more than its size (159 MB for 48 MB before the fix); one cut at the
 * 8 MiB API limit grew a real process by 0 to 43 MB (measured by hand, 200 MB offered, load 12-27).
 */
const RSS_BUDGET = 64 * 1024 * 1024;

Deno.test("a real cstabox refuses 256 MB chunked login and API bodies with 413 while they stream, its RSS far below the body", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-bodylimit-" });
  const proc = await startCstabox(["--data-dir", dir, ...loopbackFlags, "--admin-password", "body-limit-pw"]);
  try {
    const port = proc.port("http");
    const rss = processRss(proc.child.pid);
    const basic = `Basic ${btoa("admin:body-limit-pw")}`;
    for (
      const [path, headers, status] of [
        ["/login", { "content-type": "application/x-www-form-urlencoded" }, 413],
        ["/api/lines", { "content-type": "application/json", authorization: basic }, 413],
        ["/api/lines", { "content-type": "application/json" }, 401],
      ] as const
    ) {
      const result = await chunkedUpload({ port, path, headers, bytes: BODY, rss, timeoutMs: 60_000 });
      assert.equal(result.status, status, `${path}: ${result.head}`);
      assert.ok(result.sent < BODY, `${path}: answered before the body ended (sent ${result.sent} bytes)`);
      assert.ok(result.peakRssGrowth < RSS_BUDGET, `${path}: RSS grew by ${result.peakRssGrowth} bytes`);
    }
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    await health.body?.cancel();
    assert.notEqual(health.status, 0, "still serving after the uploads");
  } finally {
    await proc.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
