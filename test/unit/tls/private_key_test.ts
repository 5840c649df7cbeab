import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { keySuitability, publicKeyMatches, readPrivateKeyPem } from "../../../src/tls/private_key.ts";
import { TlsRefusedError } from "../../../src/tls/problems.ts";
import { parseCertificatesPem } from "../../../src/tls/certificate.ts";
import { OpensslWorkspace } from "./openssl_ca.ts";

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TlsRefusedError, `expected TlsRefusedError, got ${error}`);
    return error.reasons.map((r) => r.code).join(",");
  }
  throw new Error("expected a refusal");
}

Deno.test("readPrivateKeyPem reads every key form openssl writes and normalises it to PKCS#8", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const ec = await w.ecKey();
    const rsa = await w.rsaKey();
    const reference = createPrivateKey(w.read(ec)).export({ type: "pkcs8", format: "pem" });
    const forms: [string, string, string | undefined][] = [
      ["PKCS#8", w.read(ec), undefined],
      ["SEC1", await w.run(["ec", "-in", ec]), undefined],
      ["PKCS#8 PBES2 AES-256", await w.encryptedPkcs8(ec, "s3cret"), "s3cret"],
      ["PKCS#8 PBES2 AES-128", await w.encryptedPkcs8(ec, "s3cret", "aes-128-cbc"), "s3cret"],
      ["PKCS#8 PBES2 3DES", await w.encryptedPkcs8(ec, "s3cret", "des3"), "s3cret"],
      [
        "PKCS#8 PKCS#12-PBE 3DES",
        await w.run(["pkcs8", "-topk8", "-in", ec, "-v1", "PBE-SHA1-3DES", "-passout", "pass:s3cret"]),
        "s3cret",
      ],
      ["traditional AES", await w.run(["ec", "-in", ec, "-aes256", "-passout", "pass:s3cret"]), "s3cret"],
    ];
    for (const [form, text, passphrase] of forms) {
      const key = await readPrivateKeyPem(text, passphrase);
      assert.equal(key.description, "EC P-256", form);
      assert.equal(key.pkcs8Pem, reference, form);
    }
    const rsaTraditional = await w.run([
      "rsa",
      "-in",
      rsa,
      "-des3",
      "-traditional",
      "-passout",
      "pass:s3cret",
    ]);
    assert.equal((await readPrivateKeyPem(rsaTraditional, "s3cret")).description, "RSA 2048");
  } finally {
    await w.cleanup();
  }
});

Deno.test("readPrivateKeyPem refuses a missing or wrong passphrase, and text without a key", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const ec = await w.ecKey();
    const pkcs8 = await w.encryptedPkcs8(ec, "right");
    const traditional = await w.run(["ec", "-in", ec, "-aes256", "-passout", "pass:right"]);
    assert.equal(await refusalCode(readPrivateKeyPem(pkcs8)), "key_passphrase_required");
    assert.equal(await refusalCode(readPrivateKeyPem(pkcs8, "wrong")), "key_passphrase_wrong");
    assert.equal(await refusalCode(readPrivateKeyPem(traditional)), "key_passphrase_required");
    assert.equal(await refusalCode(readPrivateKeyPem(traditional, "wrong")), "key_passphrase_wrong");
    assert.equal(await refusalCode(readPrivateKeyPem("just text")), "key_missing");
    assert.equal(await refusalCode(readPrivateKeyPem(w.read(ec) + w.read(ec))), "key_unreadable");
  } finally {
    await w.cleanup();
  }
});

Deno.test("keySuitability accepts P-256, P-384 and RSA 2048 and refuses RSA 1024 and the secp256k1 curve", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const load = async (path: string) => (await readPrivateKeyPem(w.read(path))).keyObject;
    assert.equal(keySuitability(await load(await w.ecKey())), undefined);
    assert.equal(keySuitability(await load(await w.ecKey("secp384r1"))), undefined);
    assert.equal(keySuitability(await load(await w.rsaKey(2048))), undefined);
    assert.equal(keySuitability(await load(await w.rsaKey(1024)))?.code, "key_too_weak");
    assert.equal(keySuitability(await load(await w.ecKey("secp256k1")))?.code, "key_unsupported");
  } finally {
    await w.cleanup();
  }
});

Deno.test("publicKeyMatches tells the certificate's own key from another key", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const [cert] = parseCertificatesPem(root.certPem, "test").certificates;
    const own = await readPrivateKeyPem(root.keyPem);
    const other = await readPrivateKeyPem(w.read(await w.ecKey()));
    assert.equal(publicKeyMatches(own.keyObject, cert.spkiDer), true);
    assert.equal(publicKeyMatches(other.keyObject, cert.spkiDer), false);
  } finally {
    await w.cleanup();
  }
});
