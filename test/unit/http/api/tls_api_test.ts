import assert from "node:assert/strict";
import { Hono } from "hono";
import { createTlsApi } from "../../../../src/http/api/tls_api.ts";
import type { HttpEnv } from "../../../../src/http/context.ts";
import { OpensslWorkspace, serverExtensions, utcStamp } from "../../tls/openssl_ca.ts";
import { startStore } from "../../tls/store_fixture.ts";

type Fixture = Awaited<ReturnType<typeof startStore>>;

async function withApi(
  body: (api: Hono<HttpEnv>, w: OpensslWorkspace, fixture: Fixture) => Promise<void>,
): Promise<void> {
  const w = await OpensslWorkspace.create();
  const fixture = await startStore();
  const api = new Hono<HttpEnv>().route("/api/tls", createTlsApi(fixture.store));
  try {
    await body(api, w, fixture);
  } finally {
    await fixture.cleanup();
    await w.cleanup();
  }
}

function postJson(api: Hono<HttpEnv>, path: string, body: unknown): Promise<Response> {
  return Promise.resolve(api.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }));
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

Deno.test("GET /api/tls/status describes the certificate and never contains a key", async () => {
  await withApi(async (api) => {
    const response = await api.request("/api/tls/status");
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.doesNotMatch(text, /PRIVATE KEY/);
    const status = JSON.parse(text);
    assert.equal(status.certificate.selfSigned, true);
    assert.equal(status.certificate.level, "ok");
    assert.equal(status.previous, null);
    assert.equal(status.pendingCsr, null);
  });
});

Deno.test("POST /api/tls/import/pem accepts a chain with an encrypted key and refuses an expired one with its reason", async () => {
  await withApi(async (api, w) => {
    const { intermediate, leaf } = await w.chain();
    const key = await w.encryptedPkcs8(leaf.keyPath, "pw");
    const accepted = await postJson(api, "/api/tls/import/pem", {
      certificate: leaf.certPem,
      chain: intermediate.certPem,
      key,
      passphrase: "pw",
    });
    const acceptedText = await accepted.text();
    assert.equal(accepted.status, 200, acceptedText);
    assert.doesNotMatch(acceptedText, /PRIVATE KEY/);
    assert.equal(JSON.parse(acceptedText).certificate.subject, "CN=localhost, O=Test");

    const expired = await w.issue(intermediate, {
      subject: "/CN=localhost",
      startDate: utcStamp(new Date(Date.now() - 100 * 86_400_000)),
      endDate: utcStamp(new Date(Date.now() - 86_400_000)),
    });
    const refused = await postJson(api, "/api/tls/import/pem", {
      certificate: expired.certPem,
      chain: intermediate.certPem,
      key: expired.keyPem,
    });
    assert.equal(refused.status, 422);
    const { error } = await refused.json();
    assert.equal(error.code, "certificate_refused");
    assert.match(error.message, /nothing was changed/);
    assert.deepEqual(error.reasons.map((r: { code: string }) => r.code), ["expired"]);
    assert.equal(error.reasons[0].certificate.index, 0);
  });
});

Deno.test("POST /api/tls/import/pem names a missing field; other content types are refused", async () => {
  await withApi(async (api, w) => {
    const root = await w.rootCa();
    const missing = await postJson(api, "/api/tls/import/pem", { certificate: root.certPem });
    assert.equal(missing.status, 400);
    const { error } = await missing.json();
    assert.equal(error.code, "invalid_request");
    assert.equal(error.field, "key");
    const text = await api.request("/api/tls/import/pem", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: root.certPem,
    });
    assert.equal(text.status, 415);
    const huge = await postJson(api, "/api/tls/import/pem", { certificate: "x".repeat(2_000_000), key: "y" });
    assert.equal(huge.status, 413);
  });
});

Deno.test("POST /api/tls/import/pkcs12 takes a multipart upload or base64 JSON and names a wrong password", async () => {
  await withApi(async (api, w, { store }) => {
    const { intermediate, leaf } = await w.chain();
    const file = await w.pkcs12({
      key: leaf.keyPath,
      cert: leaf.certPath,
      chain: [intermediate.certPath],
      password: "p12",
    });

    const wrong = new FormData();
    wrong.append("pkcs12", new Blob([file.slice()]), "cstabox.pfx");
    wrong.append("password", "nope");
    const refused = await api.request("/api/tls/import/pkcs12", { method: "POST", body: wrong });
    assert.equal(refused.status, 422);
    assert.deepEqual((await refused.json()).error.reasons.map((r: { code: string }) => r.code), [
      "pkcs12_password_wrong",
    ]);

    const right = new FormData();
    right.append("pkcs12", new Blob([file.slice()]), "cstabox.pfx");
    right.append("password", "p12");
    const accepted = await api.request("/api/tls/import/pkcs12", { method: "POST", body: right });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.equal(store.certificateStatus().subject, "CN=localhost, O=Test");

    const viaJson = await postJson(api, "/api/tls/import/pkcs12", {
      pkcs12: toBase64(file),
      password: "p12",
    });
    assert.equal(viaJson.status, 200);
    const notBase64 = await postJson(api, "/api/tls/import/pkcs12", { pkcs12: "***", password: "p12" });
    assert.equal(notBase64.status, 400);
    assert.equal((await notBase64.json()).error.field, "pkcs12");
  });
});

Deno.test("POST /api/tls/csr downloads a CSR openssl verifies; its signed certificate is accepted at /csr/certificate", async () => {
  await withApi(async (api, w, { store }) => {
    const created = await postJson(api, "/api/tls/csr", {
      subject: { commonName: "cstabox.example.com", organization: "Example GmbH", country: "DE" },
      dnsNames: ["cstabox.example.com"],
      ipAddresses: ["192.168.1.20"],
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("content-type"), "application/pkcs10");
    assert.match(created.headers.get("content-disposition") ?? "", /cstabox.csr/);
    const csrPem = await created.text();
    const csrPath = w.path("api.csr");
    await Deno.writeTextFile(csrPath, csrPem);
    await w.run(["req", "-in", csrPath, "-verify", "-noout"]);
    assert.equal(await (await api.request("/api/tls/csr")).text(), csrPem);

    const { intermediate } = await w.chain();
    const signed = await w.issue(intermediate, {
      subject: "/CN=cstabox.example.com",
      csrPath,
      extensions: [
        ...serverExtensions.slice(0, 3),
        "subjectAltName = DNS:cstabox.example.com,IP:192.168.1.20",
      ],
    });
    const accepted = await postJson(api, "/api/tls/csr/certificate", {
      certificate: signed.certPem,
      chain: intermediate.certPem,
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    assert.equal(store.certificateStatus().issuer, "CN=cstabox Test Intermediate CA, O=Test");
    assert.equal((await api.request("/api/tls/csr")).status, 404);
    const again = await postJson(api, "/api/tls/csr/certificate", { certificate: signed.certPem });
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, "no_pending_csr");
  });
});

Deno.test("POST /api/tls/csr refuses a bad country and a bad DNS name, naming each", async () => {
  await withApi(async (api) => {
    const badCountry = await postJson(api, "/api/tls/csr", {
      subject: { commonName: "x", country: "Germany" },
      dnsNames: ["x.example.com"],
    });
    assert.equal(badCountry.status, 400);
    assert.equal((await badCountry.json()).error.field, "subject.country");
    const badName = await postJson(api, "/api/tls/csr", {
      subject: { commonName: "x" },
      dnsNames: ["not a name"],
    });
    assert.equal(badName.status, 400);
    assert.match((await badName.json()).error.reasons[0].message, /"not a name" is not a DNS name/);
  });
});

Deno.test("POST generate-self-signed replaces the certificate and rollback returns to the one before", async () => {
  await withApi(async (api, _w, { store }) => {
    const first = store.certificateStatus().fingerprintSha256;
    const none = await api.request("/api/tls/rollback", { method: "POST" });
    assert.equal(none.status, 409);
    assert.equal((await none.json()).error.code, "no_previous");

    const generated = await api.request("/api/tls/generate-self-signed", { method: "POST" });
    assert.equal(generated.status, 200);
    const second = (await generated.json()).certificate.fingerprintSha256;
    assert.notEqual(second, first);

    const back = await api.request("/api/tls/rollback", { method: "POST" });
    assert.equal(back.status, 200);
    assert.equal((await back.json()).certificate.fingerprintSha256, first);

    const download = await api.request("/api/tls/certificate");
    assert.equal(download.status, 200);
    const pem = await download.text();
    assert.match(pem, /BEGIN CERTIFICATE/);
    assert.doesNotMatch(pem, /PRIVATE KEY/);
  });
});
