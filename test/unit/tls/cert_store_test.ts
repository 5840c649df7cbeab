import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { OpensslWorkspace, serverExtensions } from "./openssl_ca.ts";
import { startStore } from "./store_fixture.ts";

const day = 86_400_000;

Deno.test("first start makes a self-signed P-256 server certificate for the appliance's names, key file mode 0600", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const status = fixture.store.certificateStatus();
    assert.equal(status.selfSigned, true);
    assert.equal(status.level, "ok");
    assert.equal(status.keyAlgorithm, "EC P-256");
    assert.equal(status.coversApplianceNames, true);
    assert.equal(fixture.store.status().state, "running");

    const text = await w.run(["x509", "-in", `${fixture.dataDir}/tls/current.crt`, "-noout", "-text"]);
    assert.match(text, /Subject: CN = cstabox.example.com, O = cstabox \(self-signed\)/);
    assert.match(text, /CA:FALSE/);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(
      text,
      /DNS:cstabox.example.com, DNS:cstabox, DNS:localhost, IP Address:192.168.1.20, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1/,
    );
    assert.equal((await Deno.stat(`${fixture.dataDir}/tls/current.pem`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${fixture.dataDir}/tls`)).mode! & 0o777, 0o700);
    // The pair file holds the key openssl can pair with the certificate.
    const pair = `${fixture.dataDir}/tls/current.pem`;
    const fromKey = await w.run(["pkey", "-in", pair, "-pubout"]);
    const fromCert = await w.run(["x509", "-in", pair, "-noout", "-pubkey"]);
    assert.equal(fromKey, fromCert);

    const restarted = await fixture.restart();
    assert.equal(restarted.certificateStatus().fingerprintSha256, status.fingerprintSha256);
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});

Deno.test("a CSR verifies with openssl, carries the subject and SANs asked for, and its signed certificate is accepted", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const { store } = fixture;
    const { csrPem, summary } = await store.createCsr({
      subject: {
        commonName: "cstabox.example.com",
        organization: "Example GmbH",
        organizationalUnit: "IT",
        country: "DE",
      },
      dnsNames: ["cstabox.example.com", "cstabox"],
      ipAddresses: ["192.168.1.20", "2001:db8::20"],
    });
    assert.equal(summary.keyAlgorithm, "EC P-256");
    const csrPath = w.path("request.csr");
    await Deno.writeTextFile(csrPath, csrPem);
    await w.run(["req", "-in", csrPath, "-verify", "-noout"]);
    const text = await w.run(["req", "-in", csrPath, "-noout", "-text"]);
    assert.match(text, /Subject: CN = cstabox.example.com, OU = IT, O = Example GmbH, C = DE/);
    assert.match(
      text,
      /DNS:cstabox.example.com, DNS:cstabox, IP Address:192.168.1.20, IP Address:2001:DB8:0:0:0:0:0:20/,
    );
    assert.equal(store.overview().pendingCsr?.subject, "CN=cstabox.example.com, OU=IT, O=Example GmbH, C=DE");
    assert.equal((await Deno.stat(`${fixture.dataDir}/tls/pending.key`)).mode! & 0o777, 0o600);

    const { root, intermediate } = await w.chain();
    // A certificate for some other key is refused and the pending key stays.
    const stranger = await w.issue(intermediate, { subject: "/CN=cstabox.example.com" });
    const wrong = await store.acceptSignedCertificate({
      certificate: stranger.certPem,
      chain: intermediate.certPem,
    });
    assert.equal(wrong.ok, false);
    assert.deepEqual(wrong.ok ? [] : wrong.reasons.map((r) => r.code), ["key_mismatch"]);
    assert.match(wrong.ok ? "" : wrong.reasons[0].message, /not issued for the pending CSR/);
    assert.notEqual(store.overview().pendingCsr, null);

    const signed = await w.issue(intermediate, {
      subject: "/CN=cstabox.example.com",
      csrPath,
      extensions: [
        ...serverExtensions.slice(0, 3),
        "subjectAltName = DNS:cstabox.example.com,DNS:cstabox,IP:192.168.1.20",
      ],
    });
    const outcome = await store.acceptSignedCertificate({
      certificate: signed.certPem,
      chain: intermediate.certPem + root.certPem,
    });
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    // openssl ca -preserveDN keeps the subject of the request.
    assert.equal(store.certificateStatus().subject, "CN=cstabox.example.com, OU=IT, O=Example GmbH, C=DE");
    assert.equal(store.certificateStatus().coversApplianceNames, true);
    assert.equal(store.overview().pendingCsr, null);
    await assert.rejects(Deno.stat(`${fixture.dataDir}/tls/pending.key`), Deno.errors.NotFound);

    const none = await store.acceptSignedCertificate({ certificate: signed.certPem });
    assert.deepEqual(none.ok ? [] : none.reasons.map((r) => r.code), ["no_pending_csr"]);
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});

Deno.test("a CSR request with a bad country, a bad name and no SAN is refused with each field named", async () => {
  const fixture = await startStore();
  try {
    await assert.rejects(
      fixture.store.createCsr({
        subject: { commonName: "", country: "Germany" },
        dnsNames: ["bad name"],
        ipAddresses: [],
      }),
      (error: Error & { reasons?: { message: string }[] }) => {
        const messages = error.reasons!.map((r) => r.message).join("\n");
        assert.match(messages, /subject.commonName: required/);
        assert.match(messages, /subject.country: two capital letters/);
        assert.match(messages, /dnsNames: "bad name" is not a DNS name/);
        return true;
      },
    );
    assert.equal(fixture.store.overview().pendingCsr, null);
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("status warns 30 days before expiry and reports an expired certificate as an error", async () => {
  const w = await OpensslWorkspace.create();
  // The certificates first: openssl stamps notBefore with the current second, which must not lie
  // ahead of the manual clock.
  const { intermediate, leaf } = await w.chain({ days: 40 });
  const clock = new ManualClock(Date.now());
  const fixture = await startStore({ clock });
  try {
    const imported = await fixture.store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key: leaf.keyPem,
    });
    assert.equal(imported.ok, true, JSON.stringify(imported));
    assert.equal(fixture.store.certificateStatus().level, "ok");

    clock.advance(12 * day);
    let status = fixture.store.certificateStatus();
    assert.equal(status.level, "warning");
    assert.equal(status.expiry, "expires_soon");
    assert.equal(status.daysLeft, 27);
    assert.equal(fixture.store.status().state, "degraded");
    assert.ok(status.warnings.some((w) => w.code === "expires_soon"));

    clock.advance(30 * day);
    status = fixture.store.certificateStatus();
    assert.equal(status.level, "error");
    assert.equal(status.expiry, "expired");
    assert.equal(fixture.store.status().state, "failed");
    assert.match(fixture.store.status().reason ?? "", /expired on/);
    // The periodic check logged each step once.
    const logged = fixture.log.lines.filter((l) => l.message.startsWith("TLS certificate:")).map((l) =>
      l.level
    );
    assert.deepEqual(logged, ["warn", "error"]);
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});

Deno.test("an expired self-signed certificate is replaced by a new one; the old stays as previous", async () => {
  const clock = new ManualClock(Date.now());
  const fixture = await startStore({ clock, selfSignedValidityDays: 10, checkIntervalMs: day });
  try {
    const first = fixture.store.certificateStatus().fingerprintSha256;
    let changes = 0;
    fixture.store.onChange(() => changes++);
    clock.advance(9 * day);
    assert.equal(fixture.store.certificateStatus().fingerprintSha256, first);
    clock.advance(2 * day);
    await fixture.store.stop(); // waits for the renewal the timer started
    const renewed = fixture.store.certificateStatus();
    assert.notEqual(renewed.fingerprintSha256, first);
    assert.equal(renewed.level, "warning", "10 days of validity is inside the 30-day warning period");
    assert.equal(fixture.store.overview().previous?.fingerprintSha256, first);
    assert.equal(changes, 1);
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("a damaged current.pem at start falls back to previous.pem and says so in status", async () => {
  const fixture = await startStore();
  try {
    const original = fixture.store.certificateStatus().fingerprintSha256;
    assert.equal((await fixture.store.generateSelfSigned()).ok, true);
    await Deno.writeTextFile(`${fixture.dataDir}/tls/current.pem`, "-----BEGIN PRIVATE KEY-----\ngarbage\n");
    const restarted = await fixture.restart();
    assert.equal(restarted.certificateStatus().fingerprintSha256, original);
    assert.match(restarted.overview().startupProblem ?? "", /current.pem: /);
    assert.equal(restarted.status().state, "running");
    assert.match(restarted.status().reason ?? "", /not used: current.pem/);
    assert.ok(fixture.log.lines.some((l) => l.level === "error" && /current.pem/.test(l.message)));
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("a change interrupted between its renames is completed at the next start", async () => {
  const fixture = await startStore();
  try {
    const dir = `${fixture.dataDir}/tls`;
    const before = fixture.store.certificateStatus().fingerprintSha256;
    assert.equal((await fixture.store.generateSelfSigned()).ok, true);
    const after = fixture.store.certificateStatus().fingerprintSha256;
    // Simulate the crash: the new pair still as incoming.pem, current.pem already moved to previous.pem.
    await Deno.rename(`${dir}/current.pem`, `${dir}/incoming.pem`);
    assert.equal((await fixture.restart()).certificateStatus().fingerprintSha256, after);

    // A crash before current.pem was moved aside leaves the old pair current and drops incoming.pem.
    await Deno.copyFile(`${dir}/previous.pem`, `${dir}/incoming.pem`);
    const again = await fixture.restart();
    assert.equal(again.certificateStatus().fingerprintSha256, after);
    assert.equal(again.overview().previous?.fingerprintSha256, before);
    await assert.rejects(Deno.stat(`${dir}/incoming.pem`), Deno.errors.NotFound);
  } finally {
    await fixture.cleanup();
  }
});

Deno.test("keys and passphrases never reach the log or the status", async () => {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  try {
    const { intermediate, leaf } = await w.chain();
    const key = await w.encryptedPkcs8(leaf.keyPath, "top-secret-passphrase");
    await fixture.store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key,
      passphrase: "wrong-passphrase",
    });
    await fixture.store.importPem({
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key,
      passphrase: "top-secret-passphrase",
    });
    await fixture.store.createCsr({
      subject: { commonName: "x.example.com" },
      dnsNames: ["x.example.com"],
      ipAddresses: [],
    });
    const exposed = JSON.stringify(fixture.log.lines) + JSON.stringify(fixture.store.status());
    assert.doesNotMatch(exposed, /PRIVATE KEY|passphrase"|top-secret|wrong-passphrase/);
    assert.match(
      JSON.stringify(fixture.store.status()),
      /CERTIFICATE REQUEST/,
      "the CSR itself is public and shown",
    );
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
});
