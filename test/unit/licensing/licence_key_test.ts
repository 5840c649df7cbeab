import assert from "node:assert/strict";
import fc from "fast-check";
import { issueLicenceKey } from "../../../src/licensing/licence_issuer.ts";
import {
  base64url,
  fromBase64Url,
  licenceExpired,
  type LicenceStatement,
  readLicenceKey,
} from "../../../src/licensing/licence_key.ts";
import { otherKeys, testKeys, testLicence } from "./test_keys.ts";

Deno.test("an issued key reads back to its statement, even when wrapped over lines by an e-mail", async () => {
  const key = await testLicence({ id: "L-1", customer: "Müller GmbH", lines: 40, expires: "2027-06-30" });
  assert.match(key, /^CSTABOX1-[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
  const wrapped = `  ${key.slice(0, 60)}\r\n${key.slice(60, 130)}\n ${key.slice(130)}\n`;
  assert.deepEqual(await readLicenceKey(wrapped, testKeys.publicKey), {
    ok: true,
    text: key,
    statement: {
      v: 1,
      id: "L-1",
      customer: "Müller GmbH",
      lines: 40,
      issued: "2026-01-01",
      expires: "2027-06-30",
    },
  });
});

Deno.test("a key signed with another private key is refused as a bad signature", async () => {
  const key = await testLicence({}, otherKeys);
  const check = await readLicenceKey(key, testKeys.publicKey);
  assert.equal(check.ok, false);
  assert.equal(!check.ok && check.reason, "bad-signature");
});

Deno.test("a key whose line count was edited is refused as a bad signature", async () => {
  const key = await testLicence({ lines: 2 });
  const [payload, signature] = key.slice("CSTABOX1-".length).split(".");
  const statement = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  assert.equal(statement.lines, 2);
  const tampered = new TextEncoder().encode(JSON.stringify({ ...statement, lines: 200 })).toBase64(base64url);
  const check = await readLicenceKey(`CSTABOX1-${tampered}.${signature}`, testKeys.publicKey);
  assert.deepEqual(check, {
    ok: false,
    reason: "bad-signature",
    message: "the signature does not match: the key was altered or was not issued for cstabox",
  });
});

Deno.test("text that is no key is refused as malformed, saying what is wrong", async () => {
  const key = await testLicence();
  const table: [string, RegExp][] = [
    ["", /starts with CSTABOX1-/],
    [key.replace("CSTABOX1-", "ESTOS-"), /starts with CSTABOX1-/],
    [key.split(".")[0], /incomplete or damaged/],
    [key.replace(".", ".!"), /incomplete or damaged/],
    [key + ".x", /incomplete or damaged/],
    [key + "A".repeat(2048), /longer than 2048/],
  ];
  for (const [text, message] of table) {
    const check = await readLicenceKey(text, testKeys.publicKey);
    assert.equal(!check.ok && check.reason, "malformed", text.slice(0, 30));
    assert.match(!check.ok ? check.message : "", message);
  }
});

Deno.test("a correctly signed statement the appliance does not understand is refused", async () => {
  const sign = async (json: string) => {
    const payload = new TextEncoder().encode(json);
    const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", testKeys.privateKey, payload));
    return `CSTABOX1-${payload.toBase64(base64url)}.${signature.toBase64(base64url)}`;
  };
  const table: [string, RegExp][] = [
    ["not json", /not JSON/],
    [JSON.stringify({ v: 2, id: "a", customer: "c", lines: 1, issued: "2026-01-01" }), /^v: /],
    [JSON.stringify({ v: 1, id: "a", customer: "c", lines: 0, issued: "2026-01-01" }), /^lines: /],
    [
      JSON.stringify({ v: 1, id: "a", customer: "c", lines: 1, issued: "2026-02-30" }),
      /issued: not a calendar date/,
    ],
    [
      JSON.stringify({ v: 1, id: "a", customer: "c", lines: 1, issued: "2026-13-01" }),
      /issued: not a calendar date/,
    ],
  ];
  for (const [json, message] of table) {
    const check = await readLicenceKey(await sign(json), testKeys.publicKey);
    assert.equal(!check.ok && check.reason, "invalid-statement", json);
    assert.match(
      !check.ok ? check.message.replace("the signed statement is not understood: ", "") : "",
      message,
    );
  }
});

Deno.test("a key counts through the whole of its expiry date (UTC) and not a millisecond longer", () => {
  const statement: LicenceStatement = {
    v: 1,
    id: "x",
    customer: "c",
    lines: 1,
    issued: "2026-01-01",
    expires: "2026-03-31",
  };
  assert.equal(licenceExpired(statement, Date.UTC(2026, 2, 31, 23, 59, 59, 999)), false);
  assert.equal(licenceExpired(statement, Date.UTC(2026, 3, 1)), true);
  assert.equal(licenceExpired({ ...statement, expires: undefined }, Date.UTC(2999, 0, 1)), false);
});

Deno.test("every valid statement survives issue and read unchanged (property)", async () => {
  const day = fc.date({ min: new Date("2020-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
    .map((date) => date.toISOString().slice(0, 10));
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        id: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
        customer: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() === s && s !== ""),
        lines: fc.integer({ min: 1, max: 100_000 }),
        issued: day,
        expires: fc.option(day, { nil: undefined }),
      }),
      async (fields) => {
        const statement: LicenceStatement = { v: 1, ...fields };
        if (statement.expires === undefined) delete statement.expires;
        const check = await readLicenceKey(
          await issueLicenceKey(testKeys.privateKey, statement),
          testKeys.publicKey,
        );
        assert.deepEqual(check.ok && check.statement, statement);
      },
    ),
    { numRuns: 100 },
  );
});
