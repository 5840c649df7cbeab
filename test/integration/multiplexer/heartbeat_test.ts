// Issue 18 defect 2 over real sockets: applications hear SystemStatus at the PBX's rhythm, not only once
// at association, and one that leaves the set number unanswered is disconnected as the PBX would do.

import assert from "node:assert/strict";
import { panasonicAarq } from "../../../src/csta/acse.ts";
import { RawCstaPeer } from "../../support/raw_csta_peer.ts";
import { rig, waitFor } from "./multiplexer_rig.ts";

Deno.test("applications hear SystemStatus every systemStatusSeconds; a silent one is cut after 3, one that answers stays", async () => {
  const r = await rig({ cstaServer: { systemStatusSeconds: 1, systemStatusMisses: 3 } });
  const silent = await RawCstaPeer.connect(r.port);
  try {
    const client = await r.connect();
    const heard: string[] = [];
    client.onSystemStatus((status) => heard.push(String(status)));
    await silent.send(panasonicAarq());
    await silent.waitFor(2); // AARE and the greeting SystemStatus(normal)

    await silent.waitClosed(8_000);
    const statuses = silent.decoded().filter((a) => a.kind === "invoke" && a.opcode === 211);
    assert.equal(statuses.length, 3, "the greeting and two heartbeats, then the cut when the fourth was due");
    assert.equal(client.state, "open", "the application that answers stays");
    await waitFor("heartbeats answered by the client", () => client.stats().invokesAnswered >= 4);
    assert.equal(heard[0], "normal");
    const multiplexer = r.app.status().multiplexer;
    assert.equal(multiplexer?.details?.closedForMissedHeartbeats, 1);
    assert.equal(multiplexer?.state, "running");
  } finally {
    silent.close();
    await r.close();
  }
});
