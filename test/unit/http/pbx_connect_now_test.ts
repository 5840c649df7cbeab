// The PBX page's *Connect now*: shown while the link waits for its next attempt, it ends the wait, is
// audited, is refused to an operator, and the API says why nothing happened when the link is up.

import assert from "node:assert/strict";
import { AuditLog } from "../../../src/audit/audit_log.ts";
import type { ConnectNowOutcome } from "../../../src/pbx/pbx_link.ts";
import { Browser, signedIn } from "./web_fixture.ts";

Deno.test("Connect now shows while the link waits, ends the wait, is audited, and is refused to an operator", async () => {
  const outcomes: ConnectNowOutcome[] = [{ kind: "connecting" }, { kind: "alreadyUp" }];
  let asked = 0;
  const { f, b } = await signedIn({ connectPbx: () => outcomes[asked++] });
  try {
    const link = f.services["pbx-link"]!.details!;
    assert.doesNotMatch((await b.page("/pbx")).html, /Connect now/, "not while the link is up");
    link.state = "disconnected";
    link.nextRetryAt = "2026-03-01T12:01:00.000Z";
    const page = (await b.page("/pbx")).html;
    assert.match(page, /<button type="submit" class="primary" id="pbx-connect-now">Connect now<\/button>/);
    assert.match(page, /instead of waiting until 2026-03-01 12:01:00/);

    const res = await b.post("/pbx/connect", {});
    assert.equal(res.status, 303);
    assert.equal(asked, 1);
    assert.match((await b.page("/pbx")).html, /Connecting to the PBX now\./);
    const [entry] = new AuditLog(() => f.db).query({ text: "PBX link" });
    assert.equal(entry.action, "PBX link connected now");
    assert.equal(entry.user, "admin");

    const up = await b.request("/api/pbx/connect", {
      method: "POST",
      headers: { "x-csrf-token": b.csrf, "sec-fetch-site": "same-origin" },
    });
    assert.equal(up.status, 409);
    assert.equal((await up.json()).error.code, "link_up");

    await f.users.add("eve", "first operator password", "operator");
    await f.users.setPassword("eve", "operator password 2026");
    const eve = new Browser(f.app);
    await eve.post("/login", { user: "eve", password: "operator password 2026", next: "/pbx" }, {
      csrf: false,
    });
    await eve.page("/pbx");
    const refused = await eve.post("/pbx/connect", {});
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /operator role/);
    assert.equal(asked, 2, "the operator's request never reached the link");
  } finally {
    await f.close();
  }
});
