// Bad input to the line API: every route answers 400 naming the field, unknown lines and calls 404, and
// nothing a client sends crashes the service or leaks a seat. Token scopes: 403 naming the line.

import assert from "node:assert/strict";
import { lineApiRig, newToken } from "./line_api_rig.ts";

Deno.test("bad input is refused with 400 and the field; unknown lines and calls with 404", async () => {
  const rig = await lineApiRig();
  try {
    assert.equal((await rig.api("POST", "/lines/101/open")).status, 200);
    const cases: [string, string, unknown, number, string, string | undefined][] = [
      ["POST", "/lines/1x1/open", undefined, 400, "LINEERR_INVALPARAM", "line"],
      ["POST", "/lines/999/open", undefined, 404, "LINEERR_BADDEVICEID", undefined],
      ["POST", "/lines/101/calls", {}, 400, "LINEERR_INVALPARAM", "to"],
      ["POST", "/lines/101/calls", { to: 102 }, 400, "LINEERR_INVALPARAM", "to"],
      ["POST", "/lines/101/calls", { to: "102", extra: 1 }, 400, "LINEERR_INVALPARAM", "extra"],
      ["POST", "/lines/101/calls", "{not json", 400, "LINEERR_INVALPARAM", undefined],
      ["POST", "/lines/101/calls", { to: "call me" }, 400, "LINEERR_INVALADDRESS", "to"],
      ["POST", "/lines/101/calls", { to: "102", address: 1 }, 400, "LINEERR_INVALPARAM", "address"],
      ["POST", "/lines/102/calls", { to: "103" }, 409, "LINEERR_INVALLINEHANDLE", undefined],
      ["POST", "/calls/nope/answer", undefined, 400, "LINEERR_INVALPARAM", "callId"],
      ["POST", "/calls/abcd-99/answer", undefined, 404, "LINEERR_INVALCALLHANDLE", undefined],
      ["POST", "/calls/abcd-99/answer", { x: 1 }, 400, "LINEERR_INVALPARAM", undefined],
      ["POST", "/calls/abcd-99/digits", { digits: "12x" }, 400, "LINEERR_INVALPARAM", "digits"],
      ["POST", "/calls/abcd-99/complete", { mode: "later" }, 400, "LINEERR_INVALPARAM", "mode"],
      [
        "POST",
        "/calls/abcd-99/complete-transfer",
        { consultationCallId: "abcd-1", mode: "x" },
        400,
        "LINEERR_INVALPARAM",
        "mode",
      ],
      ["PUT", "/lines/101/forwarding", { mode: "always", to: "104" }, 400, "LINEERR_INVALPARAM", "mode"],
      ["PUT", "/lines/101/do-not-disturb", { on: "yes" }, 400, "LINEERR_INVALPARAM", "on"],
      ["POST", "/lines/101/pickup", { from: "" }, 400, "LINEERR_INVALPARAM", "from"],
    ];
    for (const [method, path, body, status, code, field] of cases) {
      const answer = await rig.api(method, path, body);
      const what = `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`;
      assert.equal(answer.status, status, what);
      assert.equal(answer.body.error.code, code, what);
      if (field) assert.equal(answer.body.error.field, field, what);
      assert.ok(answer.body.error.message.length > 10, what);
    }
    // Nothing leaked, nothing broke: one seat, the service runs, the line works.
    assert.equal((await rig.api("GET", "/licences")).body.linesInUse, 1);
    assert.equal(rig.app.lineApi.status().state, "running");
    assert.equal((await rig.api("POST", "/lines/101/calls", { to: "102" })).status, 201);
    // The event socket answers nonsense with an error message and stays open.
    const ws = await rig.socket();
    ws.send("garbage");
    const error = await ws.next((m) => m.type === "error", "error message");
    assert.equal(error.code, "LINEERR_INVALPARAM");
    ws.send({ subscribe: ["1x"] });
    await ws.next((m) => m.type === "error", "bad line refused");
    ws.send({ subscribe: ["101"] });
    await ws.next((m) => m.type === "snapshot" && m.line === "101", "still serving");
  } finally {
    await rig.close();
  }
});

Deno.test("token scopes: a token sees only its lines, a read-only token cannot control, and only the line API", async () => {
  const rig = await lineApiRig();
  try {
    const reader = await newToken(rig, "wallboard");
    const agent = await newToken(rig, "agent-101");
    assert.equal(
      (await rig.api("PUT", `/line-scopes/${reader.id}`, { lines: "101-103", access: "read" })).status,
      200,
    );
    assert.equal(
      (await rig.api("PUT", `/line-scopes/${agent.id}`, { lines: "101", access: "control" })).status,
      200,
    );
    const badScope = await rig.api("PUT", `/line-scopes/${agent.id}`, {
      lines: "105-101",
      access: "control",
    });
    assert.equal(badScope.status, 400);
    assert.equal(badScope.body.error.field, "lines");

    // Read-only: may open (to hear events) and read status, not make calls.
    assert.equal((await rig.api("POST", "/lines/102/open", undefined, reader.auth)).status, 200);
    assert.equal((await rig.api("GET", "/lines/102/status", undefined, reader.auth)).status, 200);
    const call = await rig.api("POST", "/lines/102/calls", { to: "103" }, reader.auth);
    assert.equal(call.status, 403);
    assert.equal(call.body.error.code, "LINEERR_NOTOWNER");
    assert.match(call.body.error.message, /token "wallboard" may only read line 102/);
    const outside = await rig.api("POST", "/lines/104/open", undefined, reader.auth);
    assert.equal(outside.status, 403);
    assert.equal(outside.body.error.message, 'token "wallboard" has no right to line 104');
    // Kept to the line API.
    const settings = await rig.api("GET", "/settings", undefined, reader.auth);
    assert.equal(settings.status, 403);

    // Control of its one line.
    assert.equal((await rig.api("POST", "/lines/101/open", undefined, agent.auth)).status, 200);
    assert.equal((await rig.api("POST", "/lines/101/calls", { to: "103" }, agent.auth)).status, 201);
    assert.equal((await rig.api("POST", "/lines/102/open", undefined, agent.auth)).status, 403);
    // The event socket refuses lines outside the scope.
    const ws = await rig.socket(agent.auth);
    ws.send({ subscribe: ["101", "102"] });
    const refused = await ws.next((m) => m.type === "error", "102 refused");
    assert.match(refused.message, /no right to line 102/);
    await ws.next((m) => m.type === "snapshot" && m.line === "101", "101 served");
    assert.equal(ws.messages.some((m) => m.type === "snapshot" && m.line === "102"), false);
    // Web users keep their access.
    assert.equal((await rig.api("POST", "/lines/104/open")).status, 200);
  } finally {
    await rig.close();
  }
});
