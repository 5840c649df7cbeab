import assert from "node:assert/strict";
import { parseCertificatesPem } from "../../../src/tls/certificate.ts";
import { readPrivateKeyPem } from "../../../src/tls/private_key.ts";
import { generateSelfSigned } from "../../../src/tls/self_signed.ts";
import { validateServerCertificate } from "../../../src/tls/validation.ts";
import { withOpenssl } from "./openssl_ca.ts";

const names = {
  hostname: "cstabox",
  fqdn: "cstabox.example.com",
  addresses: ["192.0.2.7", "2001:db8::7"],
  configured: [],
};

Deno.test("the self-signed certificate verifies in openssl as a TLS server certificate for every appliance name", async () => {
  await withOpenssl(async (w) => {
    const now = Date.now();
    const pair = await generateSelfSigned({ names, now });
    const certPath = w.path("self.crt");
    await Deno.writeTextFile(certPath, pair.certPem);

    const verified = await w.run([
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      certPath,
      "-verify_hostname",
      "cstabox.example.com",
      certPath,
    ]);
    const text = await w.run(["x509", "-in", certPath, "-noout", "-text"]);

    assert.equal(verified.trim(), `${certPath}: OK`);
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(text, /Subject: CN ?= ?cstabox\.example\.com, O ?= ?cstabox \(self-signed\)/);
    assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
    assert.match(text, /Extended Key Usage: ?\s+TLS Web Server Authentication\n/);
    assert.match(
      text,
      /DNS:cstabox\.example\.com, DNS:cstabox, DNS:localhost, IP Address:192\.0\.2\.7, IP Address:2001:DB8:0:0:0:0:0:7/,
    );
    assert.match(text, /Subject Key Identifier/);

    const report = validateServerCertificate({
      certificates: parseCertificatesPem(pair.certPem, "generated").certificates,
      key: await readPrivateKeyPem(pair.keyPem),
      now,
      names: ["cstabox.example.com", "cstabox", "192.0.2.7", "2001:db8::7"],
    });
    assert.deepEqual(report.refusals, []);
    assert.ok(report.coverage.every((c) => c.covered));
  });
});

Deno.test("a self-signed certificate valid past 2049 ends in GeneralizedTime, and its key usage is in DER form", async () => {
  await withOpenssl(async (w) => {
    const now = Date.UTC(2049, 6, 1, 12, 0, 0, 400);
    const pair = await generateSelfSigned({ names, now, validityDays: 825 });
    const certPath = w.path("late.crt");
    await Deno.writeTextFile(certPath, pair.certPem);
    const [cert] = parseCertificatesPem(pair.certPem, "generated").certificates;

    const dates = await w.run(["x509", "-in", certPath, "-noout", "-startdate", "-enddate"]);
    const asn1 = await w.run(["asn1parse", "-in", certPath]);

    assert.equal(dates, "notBefore=Jul  1 11:55:00 2049 GMT\nnotAfter=Oct  4 12:00:00 2051 GMT\n");
    assert.match(asn1, /UTCTIME\s+:490701115500Z/);
    assert.match(asn1, /GENERALIZEDTIME\s+:20511004120000Z/);
    // digitalSignature alone: one octet, its seven trailing zero bits marked unused (X.690 §11.2.2).
    assert.match(asn1, /X509v3 Key Usage\n.*BOOLEAN\s+:255\n.*\[HEX DUMP\]:03020780\n/);
    assert.deepEqual(cert.notAfter, new Date(Date.UTC(2051, 9, 4, 12)));
  });
});
