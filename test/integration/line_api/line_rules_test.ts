// The number rules and the location applied both ways through the line API: a PC dialling rule changes
// the number the PBX receives, an incoming rule changes the number in callState, and the canonical form
// follows the location.

import assert from "node:assert/strict";
import { BERLIN } from "../../fixtures/berlin_location.ts";
import { callState, lineApiRig } from "./line_api_rig.ts";

Deno.test("rules both ways: PC dialling changes what the PBX dials, incoming changes callState, canonical follows the location", async () => {
  const rig = await lineApiRig();
  try {
    assert.equal((await rig.api("PUT", "/location", BERLIN)).status, 200);
    assert.equal((await rig.api("PUT", "/location/extension-ranges", { text: "100-199" })).status, 200);
    const dialling = await rig.api("PUT", "/number-rules/dialling", {
      rules: [{ pattern: "^\\*([0-9]{3})$", regex: true, replacement: "\\1" }],
    });
    assert.equal(dialling.status, 200, JSON.stringify(dialling.body));
    const incoming = await rig.api("PUT", "/number-rules/incoming", {
      rules: [{ pattern: "^(10[0-9])$", regex: true, replacement: "Ext \\1" }],
    });
    assert.equal(incoming.status, 200, JSON.stringify(incoming.body));

    for (const line of ["101", "102"]) {
      assert.equal((await rig.api("POST", `/lines/${line}/open`)).status, 200);
    }
    const ws = await rig.socket();
    ws.send({ subscribe: ["101", "102"] });

    // "*102" means nothing to the PBX: only the dialling rule makes it 102.
    const made = await rig.api("POST", "/lines/101/calls", { to: "*102" });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.dialled, "102");
    const offered = await ws.next(callState("102", "offering"), "102 rings");
    assert.deepEqual(offered.parties.caller, { number: "Ext 101", canonical: "+49(30)12345-101" });
    assert.deepEqual(offered.parties.called, { number: "102", canonical: "+49(30)12345-102" });
    // The outgoing side has no outgoing rules: numbers as reported, canonical from the location.
    const ringback = await ws.next(callState("101", "ringback"), "101 hears ringback");
    assert.deepEqual(ringback.parties.called, { number: "102", canonical: "+49(30)12345-102" });
    assert.equal((await rig.api("POST", `/calls/${made.body.callId}/drop`)).status, 204);
    await ws.next(callState("101", "idle"), "101 idle");

    // A canonical number is dialled as the extension it is.
    const canonical = await rig.api("POST", "/lines/101/calls", { to: "+49 (30) 12345-103" });
    assert.equal(canonical.status, 201, JSON.stringify(canonical.body));
    assert.equal(canonical.body.dialled, "103");
    assert.equal(rig.sim.engine.connectionsOf("103")[0]?.state, "alerting");
  } finally {
    await rig.close();
  }
});
