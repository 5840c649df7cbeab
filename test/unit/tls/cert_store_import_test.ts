import assert from "node:assert/strict";
import type { ImportOutcome } from "../../../src/tls/cert_store.ts";
import { OpensslWorkspace, serverExtensions, utcStamp } from "./openssl_ca.ts";
import { snapshotTlsDir, startStore } from "./store_fixture.ts";

const day = 86_400_000;

function codes(outcome: ImportOutcome): string[] {
  assert.equal(outcome.ok, false, "expected a refusal");
  return outcome.ok ? [] : outcome.reasons.map((r) => r.code).sort();
}

/** Runs `body` with a started store and a workspace; afterwards proves the refusal changed no file. */
async function refusalCase(
  body: (w: OpensslWorkspace, fixture: Awaited<ReturnType<typeof startStore>>) => Promise<ImportOutcome>,
): Promise<ImportOutcome> {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const before = await snapshotTlsDir(fixture.dataDir);
    const served = fixture.store.current();
    let changes = 0;
    fixture.store.onChange(() => changes++);
    const outcome = await body(w, fixture);
    assert.deepEqual(await snapshotTlsDir(fixture.dataDir), before, "a refusal must not change any file");
    assert.equal(fixture.store.current(), served, "a refusal must not change what is served");
    assert.equal(changes, 0, "a refusal must not notify the listeners");
    return outcome;
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
}

Deno.test("import refuses a key that does not belong to the certificate", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate, leaf } = await w.chain();
    const other = w.read(await w.ecKey());
    return await store.importPem({ certificate: leaf.certPem, chain: intermediate.certPem, key: other });
  });
  assert.deepEqual(codes(outcome), ["key_mismatch"]);
  assert.match(outcome.ok ? "" : outcome.reasons[0].message, /does not belong to the server certificate/);
});

Deno.test("import refuses an expired certificate, saying when it expired", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate } = await w.chain();
    const leaf = await w.issue(intermediate, {
      subject: "/CN=localhost",
      startDate: utcStamp(new Date(Date.now() - 400 * day)),
      endDate: utcStamp(new Date(Date.now() - 10 * day)),
    });
    return await store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key: leaf.keyPem,
    });
  });
  assert.deepEqual(codes(outcome), ["expired"]);
  assert.match(outcome.ok ? "" : outcome.reasons[0].message, /expired on .* \(\d+ days ago\)/);
});

Deno.test("import refuses a certificate that is not valid yet", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate } = await w.chain();
    const leaf = await w.issue(intermediate, {
      subject: "/CN=localhost",
      startDate: utcStamp(new Date(Date.now() + 20 * day)),
      endDate: utcStamp(new Date(Date.now() + 400 * day)),
    });
    return await store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key: leaf.keyPem,
    });
  });
  assert.deepEqual(codes(outcome), ["not_yet_valid"]);
  assert.match(
    outcome.ok ? "" : outcome.reasons[0].message,
    /not valid before .*check the appliance's clock/,
  );
});

Deno.test("import refuses a client-only certificate (extended key usage clientAuth) and one without digitalSignature", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate } = await w.chain();
    const leaf = await w.issue(intermediate, {
      subject: "/CN=localhost",
      extensions: [
        "basicConstraints = critical,CA:FALSE",
        "keyUsage = critical,keyAgreement",
        "extendedKeyUsage = clientAuth",
        "subjectAltName = DNS:localhost",
      ],
    });
    return await store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key: leaf.keyPem,
    });
  });
  assert.deepEqual(codes(outcome), ["extended_key_usage", "key_usage"]);
  const messages = outcome.ok ? "" : outcome.reasons.map((r) => r.message).join("\n");
  assert.match(messages, /extended key usage \(clientAuth\) lacks serverAuth/);
  assert.match(messages, /key usage \(keyAgreement\) lacks digitalSignature/);
});

Deno.test("import refuses a CA certificate as the server certificate", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const root = await w.rootCa("/CN=localhost");
    return await store.importPem({ certificate: root.certPem, key: root.keyPem });
  });
  // A CA key usage (keyCertSign, cRLSign) also lacks digitalSignature: both reasons are named.
  assert.deepEqual(codes(outcome), ["key_usage", "leaf_is_ca"]);
  assert.match(
    outcome.ok ? "" : outcome.reasons.find((r) => r.code === "leaf_is_ca")!.message,
    /is a CA certificate/,
  );
});

Deno.test("import refuses a chain that does not link, one out of order, and a forged issuer", async () => {
  const unrelated = await refusalCase(async (w, { store }) => {
    const { leaf } = await w.chain();
    const stranger = await w.rootCa("/CN=Some Other CA");
    return await store.importPem({ certificate: leaf.certPem, chain: stranger.certPem, key: leaf.keyPem });
  });
  assert.deepEqual(codes(unrelated), ["chain_link"]);
  assert.match(
    unrelated.ok ? "" : unrelated.reasons[0].message,
    /was issued by "CN=cstabox Test Intermediate CA, O=Test", but chain certificate 1 is "CN=Some Other CA"/,
  );

  const misordered = await refusalCase(async (w, { store }) => {
    const { root, intermediate, leaf } = await w.chain();
    return await store.importPem({
      certificate: leaf.certPem,
      chain: root.certPem + intermediate.certPem,
      key: leaf.keyPem,
    });
  });
  assert.ok(codes(misordered).includes("chain_order"), codes(misordered).join());
  assert.match(
    misordered.ok ? "" : misordered.reasons.find((r) => r.code === "chain_order")!.message,
    /out of order: .*Give the server certificate first, then each certificate's issuer/,
  );

  const forged = await refusalCase(async (w, { store }) => {
    const { leaf } = await w.chain();
    // Same name as the real intermediate, different key: the names link, the signature cannot.
    const impostor = await w.rootCa("/CN=cstabox Test Intermediate CA/O=Test");
    return await store.importPem({ certificate: leaf.certPem, chain: impostor.certPem, key: leaf.keyPem });
  });
  assert.deepEqual(codes(forged), ["chain_signature"]);
});

Deno.test("import refuses a PKCS#12 file with the wrong password", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate, leaf } = await w.chain();
    const file = await w.pkcs12({
      key: leaf.keyPath,
      cert: leaf.certPath,
      chain: [intermediate.certPath],
      password: "right",
    });
    return await store.importPkcs12({ data: file, password: "wrong" });
  });
  assert.deepEqual(codes(outcome), ["pkcs12_password_wrong"]);
});

Deno.test("import names every problem at once: wrong passphrase, expired, client-only", async () => {
  const outcome = await refusalCase(async (w, { store }) => {
    const { intermediate } = await w.chain();
    const leaf = await w.issue(intermediate, {
      subject: "/CN=localhost",
      startDate: utcStamp(new Date(Date.now() - 400 * day)),
      endDate: utcStamp(new Date(Date.now() - day)),
      extensions: ["basicConstraints = critical,CA:FALSE", "extendedKeyUsage = clientAuth"],
    });
    const key = await w.encryptedPkcs8(leaf.keyPath, "right");
    return await store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key,
      passphrase: "wrong",
    });
  });
  assert.deepEqual(codes(outcome), ["expired", "extended_key_usage", "key_passphrase_wrong"]);
});

Deno.test("import refuses a PKCS#12 file without a certificate, and oversized uploads", async () => {
  const noCert = await refusalCase(async (w, { store }) => {
    const key = await w.ecKey();
    const file = await w.runBytes(["pkcs12", "-export", "-nocerts", "-inkey", key, "-passout", "pass:pw"]);
    return await store.importPkcs12({ data: file, password: "pw" });
  });
  assert.deepEqual(codes(noCert), ["pkcs12_no_certificate"]);
  const large = await refusalCase(async (_w, { store }) =>
    await store.importPkcs12({ data: new Uint8Array(store.maxUploadBytes + 1), password: "" })
  );
  assert.deepEqual(codes(large), ["too_large"]);
});

Deno.test("import accepts a valid chain with an encrypted key, serves it, keeps the old pair and can roll back", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const { store, dataDir } = fixture;
    const selfSigned = store.certificateStatus();
    const { root, intermediate, leaf } = await w.chain({
      extensions: [
        ...serverExtensions.slice(0, 3),
        "subjectAltName = DNS:cstabox.example.com,DNS:cstabox,IP:192.168.1.20",
      ],
    });
    const key = await w.encryptedPkcs8(leaf.keyPath, "correct horse");
    const served: string[] = [];
    store.onChange((pair) => served.push(pair.fullChainPem));

    const outcome = await store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem + root.certPem,
      key,
      passphrase: "correct horse",
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const status = store.certificateStatus();
    assert.equal(status.subject, "CN=localhost, O=Test");
    assert.equal(status.selfSigned, false);
    assert.equal(status.level, "ok");
    assert.equal(status.coversApplianceNames, true);
    assert.deepEqual(status.chain.map((c) => c.subject), [
      "CN=cstabox Test Intermediate CA, O=Test",
      "CN=cstabox Test Root CA, O=Test",
    ]);
    assert.equal(served.length, 1);
    assert.equal(served[0], store.current().fullChainPem);
    assert.doesNotMatch(store.current().keyPem, /ENCRYPTED/);
    assert.equal(store.overview().previous?.fingerprintSha256, selfSigned.fingerprintSha256);

    // openssl agrees the stored chain verifies, and the stored file holds the key unencrypted, mode 0600.
    await w.run([
      "verify",
      "-CAfile",
      root.certPath,
      "-untrusted",
      `${dataDir}/tls/current.crt`,
      `${dataDir}/tls/current.crt`,
    ]);
    assert.equal((await Deno.stat(`${dataDir}/tls/current.pem`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dataDir}/tls/previous.pem`)).mode! & 0o777, 0o600);

    const back = await store.rollback();
    assert.equal(back.ok, true);
    assert.equal(store.certificateStatus().fingerprintSha256, selfSigned.fingerprintSha256);
    assert.equal(served.length, 2);
    const forward = await store.rollback();
    assert.equal(forward.ok, true);
    assert.equal(store.certificateStatus().subject, "CN=localhost, O=Test");

    const restarted = await fixture.restart();
    assert.equal(
      restarted.certificateStatus().fingerprintSha256,
      store.certificateStatus().fingerprintSha256,
    );
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});

Deno.test("import of a legacy PKCS#12 file orders its chain by issuer and warns about names not covered", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const { root, intermediate, leaf } = await w.chain();
    const file = await w.pkcs12({
      key: leaf.keyPath,
      cert: leaf.certPath,
      chain: [root.certPath, intermediate.certPath],
      password: "pfx",
      legacy: true,
    });
    const outcome = await fixture.store.importPkcs12({ data: file, password: "pfx" });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    const status = fixture.store.certificateStatus();
    assert.deepEqual(status.chain.map((c) => c.subject), [
      "CN=cstabox Test Intermediate CA, O=Test",
      "CN=cstabox Test Root CA, O=Test",
    ]);
    assert.equal(status.coversApplianceNames, false);
    assert.deepEqual(status.coverage.filter((c) => !c.covered).map((c) => c.name), [
      "cstabox.example.com",
      "cstabox",
      "192.168.1.20",
    ]);
    assert.ok(outcome.ok && outcome.warnings.some((w) => w.code === "names_not_covered"));
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});
