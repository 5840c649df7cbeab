// The first start as an administrator sees it on the console: where the web UI is, how to log in, and
// that the simulated PBX runs because no PBX is configured.

import assert from "node:assert/strict";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";

Deno.test("the console says where the web UI is, how to log in and that the simulated PBX runs", async () => {
  const proc = await startCstabox([
    "--data-dir",
    await Deno.makeTempDir({ prefix: "cstabox-first-" }),
    ...loopbackFlags,
    "--admin-password",
    "given-Pw-2026",
  ]);
  try {
    const http = proc.port("http");
    const https = proc.port("https");
    const lines = proc.lines;
    assert.ok(
      lines.includes(`cstabox web UI http://127.0.0.1:${http}/ and https://127.0.0.1:${https}/`),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes(
        "cstabox log in as admin with the password given with --admin-password; it must be changed at first login",
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.includes("cstabox no PBX configured (pbx.host is empty): running the simulated PBX"),
      lines.join("\n"),
    );
    assert.ok(lines.indexOf("cstabox ready") > lines.findIndex((l) => l.startsWith("cstabox web UI")));
  } finally {
    assert.equal(await proc.stop(), 0);
  }
});
