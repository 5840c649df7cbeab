import assert from "node:assert/strict";
import { isSignedBy, parseCertificatesPem, type ParsedCertificate } from "../../../src/tls/certificate.ts";
import { parsePem } from "../../../src/tls/pem.ts";
import { KeyUsage } from "../../../src/tls/x509_extensions.ts";
import { OpensslWorkspace, withOpenssl } from "./openssl_ca.ts";

function only(pem: string): ParsedCertificate {
  const { certificates, refusals } = parseCertificatesPem(pem, "test");
  assert.deepEqual(refusals, []);
  assert.equal(certificates.length, 1);
  return certificates[0];
}

/** `notAfter=Dec 23 18:57:25 2026 GMT` as openssl prints it, as a Date. */
function opensslDate(line: string): Date {
  return new Date(line.slice(line.indexOf("=") + 1).replace(" GMT", "Z").replace(/ +/g, " "));
}

async function selfSigned(w: OpensslWorkspace, name: string, args: string[]): Promise<string> {
  const certPath = w.path(`${name}.crt`);
  await w.run(["req", "-x509", "-nodes", "-keyout", w.path(`${name}.key`), "-out", certPath, ...args]);
  return w.read(certPath);
}

Deno.test("a certificate is read with the subject, names, usages, serial, dates and fingerprint openssl reports", async () => {
  await withOpenssl(async (w) => {
    const pem = await selfSigned(w, "rich", [
      "-utf8",
      "-newkey",
      "rsa:2048",
      "-sha384",
      "-days",
      "30",
      "-subj",
      '/CN=box.example.com/O=Müller, Söhne "GmbH"/OU=IT+L=Bonn/C=DE/emailAddress=pbx@example.com',
      "-addext",
      "subjectAltName=DNS:box.example.com,DNS:*.example.com,IP:192.0.2.10,IP:2001:db8:0:0:0:0:0:10," +
      "email:pbx@example.com,URI:https://box.example.com/",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "-addext",
      "extendedKeyUsage=serverAuth,clientAuth",
    ]);
    const cert = only(pem);
    const path = w.path("rich.crt");
    const [serial, fingerprint, notBefore, notAfter] = (await w.run([
      "x509",
      "-in",
      path,
      "-noout",
      "-serial",
      "-fingerprint",
      "-sha256",
      "-startdate",
      "-enddate",
    ])).trim().split("\n");

    assert.equal(
      cert.subject,
      'CN=box.example.com, O=Müller\\, Söhne \\"GmbH\\", OU=IT+L=Bonn, C=DE, E=pbx@example.com',
    );
    assert.equal(cert.issuer, cert.subject);
    assert.equal(cert.selfIssued, true);
    assert.deepEqual(cert.subjectAltNames, [
      { type: "dns", value: "box.example.com" },
      { type: "dns", value: "*.example.com" },
      { type: "ip", value: "192.0.2.10" },
      { type: "ip", value: "2001:db8::10" },
      { type: "email", value: "pbx@example.com" },
      { type: "url", value: "https://box.example.com/" },
    ]);
    assert.equal(cert.keyUsage, KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
    assert.deepEqual(cert.extendedKeyUsage, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    assert.equal(cert.isCa, true, "openssl req -x509 marks its certificate as a CA");
    assert.equal(`serial=${cert.serialNumber}`, serial);
    assert.equal(`sha256 Fingerprint=${cert.fingerprintSha256}`, fingerprint);
    assert.deepEqual(cert.notBefore, opensslDate(notBefore));
    assert.deepEqual(cert.notAfter, opensslDate(notAfter));
    assert.equal(cert.keyDescription, "RSA 2048");
    assert.equal(cert.signatureAlgorithm, "RSA with SHA-384");
    assert.equal(cert.signatureHash, "SHA-384");
    assert.equal(isSignedBy(cert, cert), true);
  });
});

Deno.test("a version 1 certificate has no extensions, and a date after 2049 is read from GeneralizedTime", async () => {
  await withOpenssl(async (w) => {
    const key = await w.ecKey();
    const csr = await w.request(key, "/CN=Legacy Root");
    const certPath = w.path("v1.crt");
    await w.run(["x509", "-req", "-in", csr, "-signkey", key, "-days", "12000", "-out", certPath]);
    const cert = only(w.read(certPath));
    const notAfter = (await w.run(["x509", "-in", certPath, "-noout", "-enddate"])).trim();

    assert.equal(cert.extensionCount, 0);
    assert.equal(cert.isCa, undefined);
    assert.equal(cert.keyUsage, undefined);
    assert.equal(cert.extendedKeyUsage, undefined);
    assert.ok(cert.notAfter.getUTCFullYear() > 2050);
    assert.deepEqual(cert.notAfter, opensslDate(notAfter));
  });
});

Deno.test("signatures by RSA-PSS, Ed25519 and ECDSA keys verify with the signer's key and no other", async () => {
  await withOpenssl(async (w) => {
    const pss = only(
      await selfSigned(w, "pss", [
        "-newkey",
        "rsa:2048",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
        "-subj",
        "/CN=pss",
      ]),
    );
    const ed = only(await selfSigned(w, "ed", ["-newkey", "ed25519", "-subj", "/CN=ed"]));
    const ec = only(
      await selfSigned(w, "ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-subj", "/CN=ec"]),
    );

    assert.equal(pss.signatureAlgorithm, "RSA-PSS with SHA-256");
    assert.equal(ed.signatureAlgorithm, "Ed25519");
    assert.equal(ec.signatureAlgorithm, "ECDSA with SHA-256");
    for (const cert of [pss, ed, ec]) {
      assert.equal(isSignedBy(cert, cert), true, `${cert.subject} by its own key`);
      for (const other of [pss, ed, ec].filter((o) => o !== cert)) {
        let verified: boolean;
        try {
          verified = isSignedBy(cert, other);
        } catch {
          verified = false; // a key of the wrong type cannot even be tried
        }
        assert.equal(verified, false, `${cert.subject} by the key of ${other.subject}`);
      }
    }
  });
});

Deno.test("a damaged certificate is refused with the field that is wrong, and the others in the file are read", async () => {
  await withOpenssl(async (w) => {
    const pem = await selfSigned(w, "good", [
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-subj",
      "/CN=good",
    ]);
    const der = parsePem(pem)[0].der;
    const truncated = der.slice(0, der.length - 10);
    const notACertificate = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
    const text = [truncated, der, notACertificate].map((bytes) =>
      `-----BEGIN CERTIFICATE-----\n${btoa(String.fromCharCode(...bytes))}\n-----END CERTIFICATE-----\n`
    ).join("");

    const { certificates, refusals } = parseCertificatesPem(text, "upload");

    assert.deepEqual(certificates.map((c) => c.subject), ["CN=good"]);
    assert.deepEqual(refusals.map((r) => r.code), ["certificate_unreadable", "certificate_unreadable"]);
    assert.match(
      refusals[0].message,
      /^upload, certificate 1: not a readable X\.509 certificate \(certificate: not BER/,
    );
    assert.match(
      refusals[1].message,
      /^upload, certificate 3: .*\(tbsCertificate: expected SEQUENCE, found INTEGER\)$/,
    );
  });
});
