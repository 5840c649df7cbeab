import assert from "node:assert/strict";
import { encodeLoginAarq } from "../../src/csta/acse.ts";
import { Opcode } from "../../src/csta/opcodes.ts";
import { encodeInvoke } from "../../src/csta/rose.ts";
import { loopbackFlags, startCstabox } from "../support/cstabox_process.ts";
import { selfSignedForLocalhost } from "../support/openssl_certificate.ts";
import { hex, RawCstaPeer, toHex } from "../support/raw_csta_peer.ts";

/** The subject line `openssl s_client` shows for a port. */
async function servedSubject(port: number): Promise<string> {
  const out = await new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.close();
  const text = new TextDecoder().decode((await out.output()).stdout);
  return text.split("\n").find((l) => l.startsWith("subject="))?.trim() ?? "";
}

Deno.test("a certificate imported through the API is served to new TLS connections on the CSTA and HTTPS ports while an open CSTA session keeps working", async () => {
  const proc = await startCstabox([
    "--data-dir",
    await Deno.makeTempDir(),
    ...loopbackFlags,
    "--admin-password",
    "pw",
    "--csta-admin-password",
    "admin",
  ]);
  const cstaTls = proc.port("csta-tls");
  const https = proc.port("https");
  let session: RawCstaPeer | undefined;
  try {
    assert.match(await servedSubject(cstaTls), /cstabox \(self-signed\)/);
    assert.match(await servedSubject(https), /cstabox \(self-signed\)/);

    // A CSTA application logged in over TLS before the change.
    const auth = { authorization: `Basic ${btoa("admin:pw")}` };
    const served =
      await (await fetch(`http://127.0.0.1:${proc.port("http")}/api/tls/certificate`, { headers: auth }))
        .text();
    session = await RawCstaPeer.connect(cstaTls, { caCerts: [served] });
    await session.send(encodeLoginAarq("admin", "admin"));
    await session.waitFor(2);

    const next = await selfSignedForLocalhost("imported.example");
    const res = await fetch(`http://127.0.0.1:${proc.port("http")}/api/tls/import/pem`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ certificate: next.certPem, key: next.keyPem }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.text();
    assert.ok(!body.includes("PRIVATE KEY"), "the key never comes back");

    for (let i = 0; i < 50 && !(await servedSubject(https)).includes("imported.example"); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(await servedSubject(cstaTls), /CN = imported\.example/);
    assert.match(await servedSubject(https), /CN = imported\.example/);

    // The session opened before the import still works.
    await session.send(encodeInvoke(9, Opcode.systemStatus, hex("30 03 0A 01 02")));
    const answers = await session.waitFor(3);
    assert.equal(toHex(answers[2]), "A2 0B 02 01 09 30 06 02 02 00 D3 05 00");
  } finally {
    session?.close();
    assert.equal(await proc.stop(), 0);
  }
});
