// The certificate page's refusals read as an administrator needs: a CSR form marks every bad field at once
// beside the field, in its own words; an import refusal lists its reasons apart from any warnings.

import assert from "node:assert/strict";
import { startStore } from "../tls/store_fixture.ts";
import { signedIn } from "./web_fixture.ts";

Deno.test("the CSR form marks every refused field at once beside the field, without internal field names", async () => {
  const tls = await startStore();
  const { f, b } = await signedIn({ services: { tls: tls.store } });
  try {
    await b.page("/certificate");
    const res = await b.post("/certificate/csr", {
      commonName: "cstabox.example.com",
      country: "Germany",
      email: "not an address",
      keyAlgorithm: "ecdsa-p256",
    });
    assert.equal(res.status, 400);
    const html = await res.text();
    const invalid = [...html.matchAll(/class="field invalid"><label for="[^"]*">([^<]*)</g)].map((m) => m[1]);
    assert.deepEqual(invalid.sort(), ["Country (two letters)", "E-mail"], "both fields are marked at once");
    assert.doesNotMatch(html, /subject\.(country|email)/, "no internal field names");
    assert.match(html, /value="Germany"/, "what was typed is kept");
  } finally {
    await f.close();
    await tls.cleanup();
  }
});

Deno.test("a refused import lists its reasons, without a count that disagrees with the list", async () => {
  const tls = await startStore();
  const { f, b } = await signedIn({ services: { tls: tls.store } });
  try {
    await b.page("/certificate");
    const form = new FormData();
    form.set("_csrf", b.csrf);
    form.set(
      "certificate",
      new File(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"], "c.pem"),
    );
    form.set("key", new File(["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"], "k.pem"));
    const refused = await b.request("/certificate/import-pem", {
      method: "POST",
      body: form,
      headers: { "sec-fetch-site": "same-origin" },
    });
    assert.equal(refused.status, 422);
    const html = await refused.text();
    assert.doesNotMatch(html, /\(\d+ reasons?\)/, "no '(1 reason)' above the list");
    assert.match(
      html,
      /id="pem-refusal"[^]*?<p><strong>Refused, nothing was changed\.<\/strong><\/p>[^]*?<ul class="reasons">\s*<li>/,
    );
  } finally {
    await f.close();
    await tls.cleanup();
  }
});
