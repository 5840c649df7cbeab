// Licence seats of the line API: taken on lineOpen, freed on lineClose, on lease expiry and when the last
// event WebSocket holding the line goes; one seat for a device a CSTA application monitors too; the 26th
// line of a trial refused with the reason.

import assert from "node:assert/strict";
import { CstaClient } from "../../../src/client/csta_client.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { type LineApiRig, lineApiRig, newToken } from "./line_api_rig.ts";

async function seatsInUse(rig: LineApiRig): Promise<number> {
  return (await rig.api("GET", "/licences")).body.linesInUse;
}

Deno.test("a seat is taken on lineOpen and freed on lineClose; two clients of one line share it", async () => {
  const rig = await lineApiRig();
  try {
    const crm = await newToken(rig, "crm");
    assert.equal(await seatsInUse(rig), 0);
    assert.equal((await rig.api("POST", "/lines/101/open")).status, 200);
    assert.equal(await seatsInUse(rig), 1);
    assert.equal((await rig.api("POST", "/lines/101/open", undefined, crm.auth)).status, 200);
    assert.equal(await seatsInUse(rig), 1);
    const holders = rig.app.lineApi.openLines()[0].holders.map((h) => h.client).sort();
    assert.deepEqual(holders, ['token "crm"', "user admin"]);
    assert.equal((await rig.api("POST", "/lines/101/close")).status, 204);
    assert.equal(await seatsInUse(rig), 1, "the token still holds the line");
    assert.equal((await rig.api("POST", "/lines/101/close", undefined, crm.auth)).status, 204);
    assert.equal(await seatsInUse(rig), 0);
    const again = await rig.api("POST", "/lines/101/close");
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "LINEERR_INVALLINEHANDLE");
  } finally {
    await rig.close();
  }
});

Deno.test("a line whose lease runs out closes itself, says why, and frees its seat; a WebSocket holds it", async () => {
  const rig = await lineApiRig({ overrides: { lineApi: { leaseSeconds: 1 } } });
  try {
    const observer = await newToken(rig, "observer");
    const watch = await rig.socket(observer.auth);
    watch.send({ subscribe: "all" });
    await watch.next((m) => m.type === "subscribed", "subscribed");

    // Opened without a WebSocket: closed when the lease runs out.
    assert.equal((await rig.api("POST", "/lines/102/open")).status, 200);
    assert.equal(await seatsInUse(rig), 1);
    const closed = await watch.next(
      (m) => m.type === "lineState" && m.line === "102" && m.state === "closed",
      "closed",
      8_000,
    );
    assert.equal(closed.reason, "lease expired: no renewal for 1 s and no event WebSocket");
    assert.equal(closed.by, "user admin");
    assert.equal(await seatsInUse(rig), 0);

    // Opened by a client whose WebSocket subscribes to it: open past the lease, closed when the socket goes.
    const phone = await newToken(rig, "phone");
    assert.equal((await rig.api("POST", "/lines/103/open", undefined, phone.auth)).status, 200);
    const held = await rig.socket(phone.auth);
    held.send({ subscribe: ["103"] });
    await held.next((m) => m.type === "snapshot", "snapshot");
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(await seatsInUse(rig), 1, "held by the WebSocket past its lease");
    await held.close();
    const lost = await watch.next(
      (m) => m.type === "lineState" && m.line === "103" && m.state === "closed",
      "closed after the socket went",
      8_000,
    );
    assert.match(lost.reason, /lease expired/);
    assert.equal(await seatsInUse(rig), 0);
  } finally {
    await rig.close();
  }
});

Deno.test("a device opened as a line and monitored by a CSTA application holds one seat", async () => {
  const rig = await lineApiRig();
  let client: CstaClient | undefined;
  try {
    client = await CstaClient.connect({ hostname: "127.0.0.1", port: rig.cstaPort, requestTimeoutMs: 5_000 });
    const crossRef = await client.monitorStart("104");
    assert.equal(await seatsInUse(rig), 1);
    assert.equal((await rig.api("POST", "/lines/104/open")).status, 200);
    assert.equal(await seatsInUse(rig), 1, "line and application share the device's seat");
    const seats = (await rig.api("GET", "/licences/seats")).body.seats;
    assert.equal(seats.length, 1);
    assert.deepEqual(seats[0].holders.map((h: { kind: string }) => h.kind).sort(), ["application", "line"]);
    assert.equal((await rig.api("POST", "/lines/104/close")).status, 204);
    assert.equal(await seatsInUse(rig), 1, "the application still monitors");
    await client.monitorStop(crossRef);
    await waitUntil(async () => (await seatsInUse(rig)) === 0, 5_000, () => "seat freed");
  } finally {
    await client?.close();
    await rig.close();
  }
});

Deno.test("the 26th line of a trial is refused, saying that all 25 licensed lines are in use", async () => {
  const rig = await lineApiRig({
    simulator: { plan: { extensions: "101-126", trunks: 1, firstTrunkNumber: "801" } },
  });
  try {
    for (let n = 101; n <= 125; n++) {
      const open = await rig.api("POST", `/lines/${n}/open`);
      assert.equal(open.status, 200, `line ${n}: ${JSON.stringify(open.body)}`);
    }
    const refused = await rig.api("POST", "/lines/126/open");
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "LINEERR_RESOURCEUNAVAIL");
    assert.equal(
      refused.body.error.message,
      "line 126 cannot be opened: all 25 licensed lines are in use (25 of 25)",
    );
    assert.equal(await seatsInUse(rig), 25);
    // Freeing one lets the 26th in.
    assert.equal((await rig.api("POST", "/lines/101/close")).status, 204);
    assert.equal((await rig.api("POST", "/lines/126/open")).status, 200);
    // A disabled line is refused in words too.
    assert.equal((await rig.api("PUT", "/lines/102", { enabled: false })).status, 200);
    assert.equal((await rig.api("POST", "/lines/102/close")).status, 204);
    const disabled = await rig.api("POST", "/lines/102/open");
    assert.equal(disabled.status, 403);
    assert.equal(disabled.body.error.message, "line 102 is disabled in the line list; enable it first");
  } finally {
    await rig.close();
  }
});
