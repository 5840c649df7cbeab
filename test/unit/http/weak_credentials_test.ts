// Weak credentials: a web or CSTA password equal to (a repetition of) the user name or in a short list of
// common ones is refused when set, and one already in place is flagged on the dashboard until changed.

import assert from "node:assert/strict";
import { WeakCredentialAudit } from "../../../src/accounts/weak_credential_audit.ts";
import { weakPasswordReason } from "../../../src/accounts/weak_passwords.ts";
import { NEW_PASSWORD, signedIn } from "./web_fixture.ts";

Deno.test("a password equal to the user name, its repetition or a common one is weak; others are not", () => {
  for (
    const [user, password] of [["admin", "adminadmin"], ["crm", "crm"], ["x", "Password"], [
      "ops",
      "1234567890",
    ]]
  ) {
    assert.ok(weakPasswordReason(user, password), `${user}/${password}`);
  }
  assert.equal(weakPasswordReason("admin", "a much better password"), undefined);
});

Deno.test("the web password adminadmin and a CSTA password equal to its user are refused when set", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/password");
    const web = await b.post("/password", {
      current: NEW_PASSWORD,
      password: "adminadmin",
      repeat: "adminadmin",
    });
    assert.equal(web.status, 400);
    assert.match(await web.text(), /The new password: [^<]*user name/);
    await b.page("/csta-server");
    const csta = await b.request("/api/csta-users/crm", {
      method: "PUT",
      body: JSON.stringify({ password: "crm" }),
      headers: {
        "content-type": "application/json",
        "x-csrf-token": b.csrf,
        "sec-fetch-site": "same-origin",
      },
    });
    assert.equal(csta.status, 400);
    assert.equal((await csta.json()).error.field, "password");
  } finally {
    await f.close();
  }
});

Deno.test("a weak CSTA or web password already in place is flagged on the dashboard until it is changed", async () => {
  const { f, b } = await signedIn();
  try {
    // The fixture's CSTA user is admin/admin, as installations from before generated passwords have.
    const audit = new WeakCredentialAudit({ cstaUsers: f.cstaUsers, webUsers: f.users });
    await audit.run();
    assert.deepEqual(audit.findings().map((w) => `${w.kind} ${w.user}`), ["CSTA user admin"]);
    f.weakCredentials.current = audit;
    const { html } = await b.page("/");
    assert.match(
      html,
      /<strong>CSTA user admin<\/strong>: the password is weak \(the user name or a common password\)/,
    );
    await f.cstaUsers.set("admin", "a much better secret");
    await audit.run();
    assert.deepEqual(audit.findings(), []);
    assert.doesNotMatch((await b.page("/")).html, /the password is weak/);
  } finally {
    await f.close();
  }
});
