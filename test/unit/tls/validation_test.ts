import assert from "node:assert/strict";
import { parseCertificatesPem, type ParsedCertificate } from "../../../src/tls/certificate.ts";
import { readPrivateKeyPem } from "../../../src/tls/private_key.ts";
import { validateServerCertificate } from "../../../src/tls/validation.ts";
import { type Issued, OpensslWorkspace, serverExtensions, utcStamp } from "./openssl_ca.ts";

const day = 86_400_000;

function certs(...issued: Issued[]): ParsedCertificate[] {
  return issued.flatMap((i) => parseCertificatesPem(i.certPem, "test").certificates);
}

async function check(leaf: Issued, chain: Issued[], names: string[] = ["localhost"]) {
  const report = validateServerCertificate({
    certificates: certs(leaf, ...chain),
    key: await readPrivateKeyPem(leaf.keyPem),
    now: Date.now(),
    names,
  });
  return {
    refusals: report.refusals.map((r) => r.code).sort(),
    warnings: report.warnings.map((w) => w.code).sort(),
    report,
  };
}

Deno.test("validation passes a leaf with its intermediate, and warns only when no chain and no issuer are given", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const { root, intermediate, leaf } = await w.chain();
    assert.deepEqual(await check(leaf, [intermediate]).then((r) => [r.refusals, r.warnings]), [[], []]);
    assert.deepEqual(await check(leaf, [intermediate, root]).then((r) => [r.refusals, r.warnings]), [[], []]);
    const alone = await check(leaf, []);
    assert.deepEqual([alone.refusals, alone.warnings], [[], ["issuer_not_included"]]);
  } finally {
    await w.cleanup();
  }
});

Deno.test("validation refuses an expired intermediate and a chain certificate that may not sign certificates", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const root = await w.rootCa();
    const oldIntermediate = await w.issue(root, {
      subject: "/CN=Old Intermediate",
      extensions: ["basicConstraints = critical,CA:TRUE", "keyUsage = critical,keyCertSign"],
      startDate: utcStamp(new Date(Date.now() - 900 * day)),
      endDate: utcStamp(new Date(Date.now() - 2 * day)),
    });
    const leafOfOld = await w.issue(oldIntermediate, { subject: "/CN=localhost" });
    assert.deepEqual((await check(leafOfOld, [oldIntermediate, root])).refusals, ["chain_expired"]);

    const notSigner = await w.issue(root, {
      subject: "/CN=Not A Signer",
      extensions: ["basicConstraints = critical,CA:TRUE", "keyUsage = critical,digitalSignature"],
    });
    const leafOfNotSigner = await w.issue(notSigner, { subject: "/CN=localhost" });
    const result = await check(leafOfNotSigner, [notSigner]);
    assert.deepEqual(result.refusals, ["chain_not_ca"]);
    assert.match(result.report.refusals[0].message, /key usage lacks keyCertSign/);

    const plainLeafAsIssuer = await w.issue(root, { subject: "/CN=Plain Server" });
    const issuedByLeaf = await w.issue(plainLeafAsIssuer, { subject: "/CN=localhost" });
    assert.ok((await check(issuedByLeaf, [plainLeafAsIssuer])).refusals.includes("chain_not_ca"));
  } finally {
    await w.cleanup();
  }
});

Deno.test("validation refuses an RSA certificate limited to keyEncipherment, and warns about SHA-1 and names not covered", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const { intermediate } = await w.chain();
    const rsaKey = await w.rsaKey(2048);
    const encipherOnly = await w.issue(intermediate, {
      subject: "/CN=localhost",
      keyPath: rsaKey,
      extensions: [
        "basicConstraints = CA:FALSE",
        "keyUsage = keyEncipherment",
        "subjectAltName = DNS:localhost",
      ],
    });
    const refused = await check(encipherOnly, [intermediate]);
    assert.deepEqual(refused.refusals, ["key_usage"]);
    assert.match(refused.report.refusals[0].message, /\(keyEncipherment\) lacks digitalSignature/);

    const key = await w.ecKey();
    const sha1Csr = await w.request(key, "/CN=localhost");
    const sha1Path = w.path("sha1.crt");
    const extFile = w.path("sha1.ext");
    await Deno.writeTextFile(extFile, ["[ ext ]", ...serverExtensions].join("\n") + "\n");
    await w.run([
      "x509",
      "-req",
      "-in",
      sha1Csr,
      "-CA",
      intermediate.certPath,
      "-CAkey",
      intermediate.keyPath,
      "-sha1",
      "-days",
      "30",
      "-extfile",
      extFile,
      "-extensions",
      "ext",
      "-set_serial",
      "7",
      "-out",
      sha1Path,
    ]);
    const sha1 = { certPath: sha1Path, keyPath: key, certPem: w.read(sha1Path), keyPem: w.read(key) };
    const warned = await check(sha1, [intermediate], ["localhost", "cstabox.example.com"]);
    assert.deepEqual(warned.refusals, []);
    assert.deepEqual(warned.warnings, ["expires_soon", "names_not_covered", "weak_signature"]);
    assert.deepEqual(warned.report.coverage, [
      { name: "localhost", covered: true, by: "localhost" },
      { name: "cstabox.example.com", covered: false },
    ]);
  } finally {
    await w.cleanup();
  }
});

Deno.test("validation names a certificate without subjectAltName", async () => {
  const w = await OpensslWorkspace.create();
  try {
    const { intermediate } = await w.chain();
    const noSan = await w.issue(intermediate, {
      subject: "/CN=localhost",
      extensions: ["basicConstraints = CA:FALSE", "extendedKeyUsage = serverAuth"],
    });
    const result = await check(noSan, [intermediate]);
    assert.deepEqual(result.refusals, []);
    assert.deepEqual(result.warnings, ["names_not_covered", "no_subject_alt_name"]);
  } finally {
    await w.cleanup();
  }
});
