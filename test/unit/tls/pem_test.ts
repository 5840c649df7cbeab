import assert from "node:assert/strict";
import fc from "fast-check";
import { encodePem, parsePem, PemError } from "../../../src/tls/pem.ts";
import { OpensslWorkspace } from "./openssl_ca.ts";

Deno.test("parsePem reads every block of an openssl bundle, CRLF line ends and text between blocks", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const der = await w.runBytes(["x509", "-in", root.certPath, "-outform", "DER"]);
    const text = "Bag Attributes: from some exporter\r\n" + root.certPem.replaceAll("\n", "\r\n") +
      "\r\nnoise\r\n" +
      root.keyPem;
    const blocks = parsePem(text);
    assert.deepEqual(blocks.map((b) => b.label), ["CERTIFICATE", "PRIVATE KEY"]);
    assert.deepEqual(blocks[0].der, der);
  } finally {
    await w.cleanup();
  }
});

Deno.test("parsePem keeps the Proc-Type and DEK-Info headers of a traditional encrypted key", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const key = await w.ecKey();
    const text = await w.run(["ec", "-in", key, "-aes256", "-passout", "pass:pw"]);
    const [block] = parsePem(text);
    assert.equal(block.label, "EC PRIVATE KEY");
    assert.equal(block.headers["Proc-Type"], "4,ENCRYPTED");
    assert.match(block.headers["DEK-Info"], /^AES-256-CBC,[0-9A-F]{32}$/);
  } finally {
    await w.cleanup();
  }
});

Deno.test("parsePem names the line of a block without END and of a line that is not base64", () => {
  assert.throws(
    () => parsePem("-----BEGIN CERTIFICATE-----\nAAAA\n"),
    (e: unknown) => e instanceof PemError && /no END line/.test(e.message),
  );
  assert.throws(
    () => parsePem("x\n-----BEGIN CERTIFICATE-----\nAA!A\n-----END CERTIFICATE-----\n"),
    (e: unknown) => e instanceof PemError && e.line === 3 && /not base64/.test(e.reason),
  );
  assert.throws(
    () => parsePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n"),
    (e: unknown) => e instanceof PemError && /ends as "PRIVATE KEY"/.test(e.reason),
  );
});

Deno.test("encodePem and parsePem round-trip any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (bytes) => {
      const [block] = parsePem(encodePem("CERTIFICATE", bytes));
      assert.deepEqual(block.der, bytes);
    }),
    { numRuns: 200 },
  );
});

Deno.test("encodePem writes 64-character lines that openssl reads", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const der = await w.runBytes(["x509", "-in", root.certPath, "-outform", "DER"]);
    const pem = encodePem("CERTIFICATE", der);
    assert.ok(pem.split("\n").every((line) => line.length <= 64));
    const back = await w.runBytes(["x509", "-outform", "DER"], new TextEncoder().encode(pem));
    assert.deepEqual(back, der);
  } finally {
    await w.cleanup();
  }
});
