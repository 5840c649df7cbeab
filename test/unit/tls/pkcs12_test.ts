import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { parseCertificateDer } from "../../../src/tls/certificate.ts";
import { readPkcs12 } from "../../../src/tls/pkcs12.ts";
import { TlsRefusedError } from "../../../src/tls/problems.ts";
import { OpensslWorkspace } from "./openssl_ca.ts";

async function refusalCodes(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TlsRefusedError, `expected TlsRefusedError, got ${error}`);
    return error.reasons.map((r) => r.code);
  }
  throw new Error("expected a refusal");
}

for (const legacy of [false, true]) {
  const kind = legacy
    ? "legacy (RC2-40 + 3DES, SHA-1 MAC)"
    : "OpenSSL 3 default (PBES2 AES-256, SHA-256 MAC)";

  Deno.test(`readPkcs12 reads key and chain of a ${kind} file`, async () => {
    const w = await OpensslWorkspace.create();
    try {
      const { root, intermediate, leaf } = await w.chain();
      const file = await w.pkcs12({
        key: leaf.keyPath,
        cert: leaf.certPath,
        chain: [intermediate.certPath, root.certPath],
        password: "pässword",
        legacy,
      });
      const contents = await readPkcs12(file, "pässword");
      assert.equal(contents.keys.length, 1);
      assert.equal(
        contents.keys[0].pkcs8Pem,
        createPrivateKey(leaf.keyPem).export({ type: "pkcs8", format: "pem" }),
      );
      const subjects = contents.certificates.map((der) => parseCertificateDer(der).subject).sort();
      assert.deepEqual(subjects, [
        "CN=cstabox Test Intermediate CA, O=Test",
        "CN=cstabox Test Root CA, O=Test",
        "CN=localhost, O=Test",
      ]);
    } finally {
      await w.cleanup();
    }
  });

  Deno.test(`readPkcs12 refuses a wrong password for a ${kind} file`, async () => {
    const w = await OpensslWorkspace.create();
    try {
      const root = await w.rootCa();
      const file = await w.pkcs12({ key: root.keyPath, cert: root.certPath, password: "right", legacy });
      assert.deepEqual(await refusalCodes(readPkcs12(file, "wrong")), ["pkcs12_password_wrong"]);
      assert.deepEqual(await refusalCodes(readPkcs12(file, "")), ["pkcs12_password_wrong"]);
    } finally {
      await w.cleanup();
    }
  });
}

Deno.test("readPkcs12 detects a wrong password by decryption when the file has no MAC", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const file = await w.runBytes([
      "pkcs12",
      "-export",
      "-nomac",
      "-inkey",
      root.keyPath,
      "-in",
      root.certPath,
      "-passout",
      "pass:right",
    ]);
    assert.equal((await readPkcs12(file, "right")).keys.length, 1);
    assert.deepEqual(await refusalCodes(readPkcs12(file, "wrong")), ["pkcs12_password_wrong"]);
  } finally {
    await w.cleanup();
  }
});

Deno.test("readPkcs12 reads a file with an empty password", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const file = await w.pkcs12({ key: root.keyPath, cert: root.certPath, password: "" });
    const contents = await readPkcs12(file, "");
    assert.equal(contents.keys.length, 1);
    assert.equal(contents.certificates.length, 1);
  } finally {
    await w.cleanup();
  }
});

Deno.test("readPkcs12 calls a PEM text or a DER certificate malformed, not a password problem", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    assert.deepEqual(await refusalCodes(readPkcs12(new TextEncoder().encode(root.certPem), "x")), [
      "pkcs12_malformed",
    ]);
    const der = await w.runBytes(["x509", "-in", root.certPath, "-outform", "DER"]);
    assert.deepEqual(await refusalCodes(readPkcs12(der, "x")), ["pkcs12_malformed"]);
  } finally {
    await w.cleanup();
  }
});
