import assert from "node:assert/strict";
import {
  CALL_STATE_TABLE,
  type CallStateInput,
  type CallStateRow,
  nextCallState,
  snapshotCallState,
} from "../../../src/calls/call_state_table.ts";
import type { LineCallState } from "../../../src/calls/call_event.ts";

/** Plays events on one call from `idle` and returns the states it went through. */
function play(steps: Omit<CallStateInput, "previous">[]): LineCallState[] {
  let state: LineCallState = "idle";
  const seen: LineCallState[] = [];
  for (const step of steps) {
    const next = nextCallState({ ...step, previous: state });
    if (next !== null) state = next;
    seen.push(state);
  }
  return seen;
}

Deno.test("a call the line places: dialtone, dialing, ringback, connected, hold, back, far end hangs up", () => {
  assert.deepEqual(
    play([
      { event: "serviceInitiated", role: "self", own: "initiated" },
      { event: "originated", role: "self", own: "connected" },
      { event: "delivered", role: "other", own: "connected" },
      { event: "established", role: "other", own: "connected" },
      { event: "held", role: "self", own: "hold" },
      { event: "retrieved", role: "self", own: "connected" },
      { event: "connectionCleared", role: "other", own: "connected" },
      { event: "connectionCleared", role: "self", own: "null" },
    ]),
    ["dialtone", "dialing", "ringback", "connected", "onhold", "connected", "disconnected", "idle"],
  );
});

Deno.test("a call offered to the line: offering, connected, idle when the line hangs up", () => {
  assert.deepEqual(
    play([
      { event: "delivered", role: "self", own: "alerting" },
      { event: "established", role: "self", own: "connected" },
      { event: "connectionCleared", role: "self", own: "null" },
    ]),
    ["offering", "connected", "idle"],
  );
});

Deno.test("a call offered in ECMA-269's offered mode: offering, accepted once it rings, connected", () => {
  assert.deepEqual(
    play([
      { event: "offered", role: "self", own: "alerting" },
      { event: "delivered", role: "self", own: "alerting", offered: true },
      { event: "established", role: "self", own: "connected", offered: true },
      { event: "connectionCleared", role: "self", own: "null", offered: true },
    ]),
    ["offering", "accepted", "connected", "idle"],
  );
  // Without an Offered event first, a Delivered is the call ringing, never an acceptance.
  assert.equal(nextCallState({ event: "delivered", role: "self", previous: "offering" }), "offering");
});

Deno.test("busy, trunk and failure causes", () => {
  assert.equal(nextCallState({ event: "failed", role: "other", previous: "dialing", cause: "busy" }), "busy");
  assert.equal(
    nextCallState({ event: "failed", role: "other", previous: "dialing", cause: "destNotObtainable" }),
    "disconnected",
  );
  assert.equal(nextCallState({ event: "networkReached", role: "other", previous: "dialing" }), "proceeding");
  assert.equal(nextCallState({ event: "callCleared", role: "other", previous: "connected" }), "idle");
});

Deno.test("events about other parties leave the line's state where the line is not concerned", () => {
  // Another group member answered while the call still rings here: the ConnectionCleared follows.
  assert.equal(
    nextCallState({ event: "established", role: "other", previous: "offering", own: "alerting" }),
    null,
  );
  // A third party leaves a conference.
  assert.equal(
    nextCallState({ event: "connectionCleared", role: "other", previous: "conferenced", othersRemain: true }),
    null,
  );
  assert.equal(nextCallState({ event: "held", role: "other", previous: "connected" }), null);
  // Delivered of another party while the call rings here (group) is no ringback.
  assert.equal(nextCallState({ event: "delivered", role: "other", previous: "offering" }), null);
  // Whatever the event, a line whose own connection is gone is idle.
  assert.equal(
    nextCallState({ event: "diverted", role: "other", previous: "offering", own: "null" }),
    "idle",
  );
});

Deno.test("holds of a consultation are onholdpendtransfer or onholdpendconf", () => {
  assert.equal(
    nextCallState({ event: "held", role: "self", previous: "connected", pending: "transfer" }),
    "onholdpendtransfer",
  );
  assert.equal(
    nextCallState({ event: "held", role: "self", previous: "connected", pending: "conference" }),
    "onholdpendconf",
  );
  assert.equal(
    nextCallState({ event: "conferenced", role: "self", previous: "onholdpendconf" }),
    "conferenced",
  );
  assert.equal(nextCallState({ event: "transferred", role: "self", previous: "onholdpendtransfer" }), "idle");
  assert.equal(
    nextCallState({ event: "transferred", role: "other", previous: "idle", own: "alerting" }),
    "offering",
  );
});

Deno.test("snapshot states: the line's own connection first, the far end's alerting as ringback", () => {
  assert.equal(snapshotCallState("alerting"), "offering");
  assert.equal(snapshotCallState("connected", ["alerting"]), "ringback");
  assert.equal(snapshotCallState("connected", ["connected"]), "connected");
  assert.equal(snapshotCallState("hold", ["connected"], "transfer"), "onholdpendtransfer");
  assert.equal(snapshotCallState("initiated"), "dialtone");
  assert.equal(snapshotCallState(undefined), "unknown");
});

/** The table as docs/line-api.md shows it. */
function markdownRow(row: CallStateRow): string {
  const when = [
    row.own ? `own connection ${row.own.join("/")}` : "",
    row.previous ? `was ${row.previous.join("/")}` : "",
    row.cause ? `cause ${row.cause.join("/")}` : "",
    row.pending ? `${row.pending} pending` : "",
    row.othersRemain ? "others remain" : "",
    row.offered ? "came in the offered mode" : "",
  ].filter((s) => s !== "").join("; ");
  return `| ${row.event === "*" ? "any" : row.event} | ${row.role ?? "any"} | ${when} | ${
    row.state === null ? "unchanged" : `\`${row.state}\``
  } | ${row.note} |`;
}

Deno.test("docs/line-api.md shows the state table exactly as the code has it", async () => {
  const doc = await Deno.readTextFile(new URL("../../../docs/line-api.md", import.meta.url));
  const spaced = (line: string) => line.replace(/\s+\|/g, " |").replace(/\|\s+/g, "| ").trim();
  const lines = doc.split("\n").map(spaced);
  const rows = CALL_STATE_TABLE.map((row) => spaced(markdownRow(row)));
  const start = lines.indexOf(rows[0]);
  assert.notEqual(start, -1, `first row missing from docs/line-api.md: ${rows[0]}`);
  assert.deepEqual(lines.slice(start, start + rows.length), rows);
});
