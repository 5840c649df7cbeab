import assert from "node:assert/strict";
import { isSignedBy, parseCertificatesPem } from "../../../src/tls/certificate.ts";
import { createCsr, summarizeCsr } from "../../../src/tls/csr.ts";
import { TlsRefusedError } from "../../../src/tls/problems.ts";
import { KeyUsage } from "../../../src/tls/x509_extensions.ts";
import { withOpenssl } from "./openssl_ca.ts";

const request = {
  subject: {
    commonName: "box.example.com",
    organization: "Example GmbH",
    organizationalUnit: "IT",
    country: "DE",
    email: "pbx@example.com",
  },
  dnsNames: ["box.example.com", "*.example.com"],
  ipAddresses: ["192.0.2.10", "2001:db8:0::10"],
};

Deno.test("an RSA CSR verifies in openssl and asks for the subject, names and usages of a TLS server", async () => {
  await withOpenssl(async (w) => {
    const csr = await createCsr({ ...request, keyAlgorithm: "rsa-2048" });
    const csrPath = w.path("box.csr");
    await Deno.writeTextFile(csrPath, csr.csrPem);

    const child = await new Deno.Command("openssl", {
      args: ["req", "-in", csrPath, "-noout", "-verify", "-text"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(child.stdout) + new TextDecoder().decode(child.stderr);

    assert.equal(child.success, true, said);
    assert.match(said, /verify OK/);
    assert.match(
      said,
      /Subject: CN ?= ?box\.example\.com, OU ?= ?IT, O ?= ?Example GmbH, C ?= ?DE, emailAddress ?= ?pbx@example\.com/,
    );
    assert.match(said, /Requested Extensions:/);
    assert.match(said, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    assert.match(said, /TLS Web Server Authentication/);
    assert.match(
      said,
      /DNS:box\.example\.com, DNS:\*\.example\.com, IP Address:192\.0\.2\.10, IP Address:2001:DB8:0:0:0:0:0:10/,
    );
    assert.match(said, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.deepEqual(summarizeCsr(csr.csrPem), {
      subject: "CN=box.example.com, OU=IT, O=Example GmbH, C=DE, E=pbx@example.com",
      dnsNames: ["box.example.com", "*.example.com"],
      ipAddresses: ["192.0.2.10", "2001:db8::10"],
      keyAlgorithm: "RSA 2048",
    });
  });
});

Deno.test("a CA that copies the requested extensions issues a certificate with the names and usages asked for", async () => {
  await withOpenssl(async (w) => {
    const csr = await createCsr({ ...request, keyAlgorithm: "ecdsa-p384" });
    const csrPath = w.path("box.csr");
    const certPath = w.path("box.crt");
    await Deno.writeTextFile(csrPath, csr.csrPem);
    const root = await w.rootCa();
    await w.run([
      "x509",
      "-req",
      "-in",
      csrPath,
      "-CA",
      root.certPath,
      "-CAkey",
      root.keyPath,
      "-copy_extensions",
      "copy",
      "-days",
      "30",
      "-out",
      certPath,
    ]);
    const [leaf] = parseCertificatesPem(w.read(certPath), "issued").certificates;
    const [ca] = parseCertificatesPem(root.certPem, "root").certificates;

    assert.equal(summarizeCsr(csr.csrPem).keyAlgorithm, "EC P-384");
    assert.equal(leaf.keyDescription, "EC P-384");
    assert.deepEqual(leaf.subjectAltNames.map((n) => n.value), [
      "box.example.com",
      "*.example.com",
      "192.0.2.10",
      "2001:db8::10",
    ]);
    assert.equal(leaf.keyUsage, KeyUsage.digitalSignature);
    assert.deepEqual(leaf.extendedKeyUsage, ["1.3.6.1.5.5.7.3.1"]);
    assert.equal(isSignedBy(leaf, ca), true);
  });
});

Deno.test("a subject e-mail address outside ASCII is refused before a key is made", async () => {
  await assert.rejects(
    () => createCsr({ ...request, subject: { ...request.subject, email: "pbx@bücher.example" } }),
    (error: unknown) =>
      error instanceof TlsRefusedError &&
      error.reasons.some((r) => r.code === "csr_invalid" && r.message.startsWith("subject.email:")),
  );
});
