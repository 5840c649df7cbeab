import assert from "node:assert/strict";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";

Deno.test("a CSTA port taken by another program fails that listener alone, with the reason in /healthz", async () => {
  const squatter = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const taken = (squatter.addr as Deno.NetAddr).port;
  const proc = await startCstabox([
    "--data-dir",
    await Deno.makeTempDir(),
    ...loopbackFlags,
    "--csta-port",
    String(taken),
  ]);
  try {
    assert.ok(proc.lines.some((l) => /^cstabox failed csta-tcp .*in use/.test(l)), proc.lines.join("\n"));
    const res = await fetch(`http://127.0.0.1:${proc.port("http")}/healthz`);
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.services["csta-tcp"].state, "failed");
    assert.match(body.services["csta-tcp"].reason, /in use/);
    for (const name of ["store", "tls", "csta-tls", "http", "https"]) {
      assert.equal(body.services[name].state, "running", name);
    }
  } finally {
    assert.equal(await proc.stop(), 0);
    squatter.close();
  }
});
