// Lost monitors and what applications are told (issue 18 defects 1, 2 and 14), with no socket: a late
// MonitorStart answer adopted or stopped, a lost monitor retried with back-off under its old crossRefs,
// SystemStatus never normal while a monitor is lost, the heartbeat and its missed answers.

import assert from "node:assert/strict";
import { ManualClock } from "../../../src/clock.ts";
import { type ApduPeek, peekApdu } from "../../../src/csta/peek.ts";
import { encodeInvoke, encodeReturnResult, NO_DATA, type RoseApdu } from "../../../src/csta/rose.ts";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { systemStatusInvoke } from "../../../src/csta/system_services.ts";
import { MultiplexerHeartbeat } from "../../../src/switchboard/heartbeat.ts";
import {
  crossRefOf,
  delivered,
  deviceByNumber,
  flush,
  hex,
  monitorStart,
  monitorStop,
  pbxRead,
  pbxXrefResult,
  setup,
} from "./board_fixture.ts";

/** The SystemStatus values among what an application was sent, in order. */
function statuses(apdus: RoseApdu[]): string[] {
  return apdus
    .filter((a) => a.kind === "invoke" && a.opcode === Opcode.systemStatus)
    .map((a) => {
      const bytes = (a as { argument: { bytes: Uint8Array } }).argument.bytes;
      return ["initializing", "enabled", "normal", "messagesLost", "disabled"][bytes.at(-1)!] ??
        (bytes.at(-1) === 8 ? "partiallyDisabled" : String(bytes.at(-1)));
    });
}

async function monitored(clock?: ManualClock) {
  const rig = setup({ clock });
  const app = rig.connect("app");
  app.send(monitorStart(1, deviceByNumber("101")));
  rig.pbx.answer(0, pbxXrefResult(hex("00000001")));
  await flush();
  const xref = crossRefOf(app.port.take()[0]);
  return { ...rig, app, xref };
}

/** The link drops and returns, and the PBX refuses to re-create the monitor: it is lost. */
async function reconnectRefused(
  board: ReturnType<typeof setup>["board"],
  pbx: ReturnType<typeof setup>["pbx"],
) {
  board.pbxLost("test");
  const ready = board.pbxReady();
  pbx.refuse(pbx.requests.length - 1);
  await ready;
}

Deno.test("a re-creation the PBX refuses leaves the monitor lost; it is retried with back-off until active, under the old crossRef", async () => {
  const clock = new ManualClock();
  const { pbx, board, app, xref } = await monitored(clock);
  await reconnectRefused(board, pbx);
  assert.deepEqual(statuses(app.port.take()), ["disabled", "partiallyDisabled"]);
  const [lost] = board.lostMonitors();
  assert.deepEqual([lost.device, lost.reason, lost.retries], ["n:101", "the PBX answered returnError", 0]);
  assert.equal(
    lost.nextRetryAt,
    new Date(clock.now() + 1_000).toISOString(),
    "first try after monitorRetry's floor",
  );
  assert.equal(board.status().systemStatus, "partiallyDisabled");

  clock.advance(1_000);
  assert.equal(pbx.requests.length, 3, "tried again after 1 s");
  pbx.refuse(2);
  await flush();
  assert.equal(board.lostMonitors()[0].retries, 1);
  clock.advance(1_500);
  assert.equal(pbx.requests.length, 3, "the second try waits longer (back-off)");
  clock.advance(500);
  assert.equal(pbx.requests.length, 4);
  pbx.answer(3, pbxXrefResult(hex("00000009")));
  await flush();
  assert.deepEqual(board.lostMonitors(), []);
  assert.deepEqual(statuses(app.port.take()), ["normal"]);

  pbxRead(board, delivered(55, hex("00000009")));
  const peek = peekApdu(app.port.delivered[0]) as { crossRef: { id: Uint8Array } };
  assert.deepEqual(peek.crossRef.id, xref, "events reach the application under the crossRef it always had");
});

Deno.test("a lost monitor the PBX keeps refusing is shown once at info level or above, naming the device as the administrator writes it", async () => {
  const clock = new ManualClock();
  const { pbx, board, shown } = await monitored(clock);
  await reconnectRefused(board, pbx);
  for (let attempt = 1; attempt <= 3; attempt++) {
    clock.advance(
      board.lostMonitors()[0].nextRetryAt
        ? Date.parse(board.lostMonitors()[0].nextRetryAt!) - clock.now()
        : 0,
    );
    pbx.refuse(pbx.requests.length - 1);
    await flush();
  }
  assert.equal(board.lostMonitors()[0].retries, 3);
  const aboutDevice = shown().filter((line) => line.includes("101"));
  assert.equal(aboutDevice.length, 1, `one line for three failed retries, got:\n${aboutDevice.join("\n")}`);
  assert.match(aboutDevice[0], /"level":"warn".*"device":"101"/);
  assert.deepEqual(shown().filter((line) => line.includes("n:101")), [], "no internal device key in the log");
});

Deno.test("a late answer to a timed-out re-creation is adopted, and a retry that was on its way is stopped at the PBX", async () => {
  const clock = new ManualClock();
  const { pbx, board, app } = await monitored(clock);
  board.pbxLost("test");
  const ready = board.pbxReady();
  pbx.requests[1].resolve({ kind: "timeout" });
  await ready;
  assert.equal(board.lostMonitors()[0].reason, "the PBX did not answer in time");
  clock.advance(1_000);
  assert.equal(pbx.requests.length, 3, "the retry is on its way");

  // The PBX carried the timed-out re-creation out after all.
  const late = encodeReturnResult(700, {
    opcode: Opcode.monitorStart,
    value: pbxXrefResult(hex("00000005")),
  });
  pbx.requests[1].options!.onLateAnswer!(late, peekApdu(late) as ApduPeek);
  assert.deepEqual(board.lostMonitors(), []);
  assert.deepEqual(statuses(app.port.take()), ["disabled", "partiallyDisabled", "normal"]);

  pbx.answer(2, pbxXrefResult(hex("00000006")));
  await flush();
  const stop = peekApdu(pbx.requests[3].apdu) as { opcode: number; crossRef: { id: Uint8Array } };
  assert.equal(stop.opcode, Opcode.monitorStop, "the second PBX monitor is not kept");
  assert.deepEqual(stop.crossRef.id, hex("00000006"));
  pbxRead(board, delivered(56, hex("00000005")));
  assert.equal(app.port.take().length, 1, "events of the adopted monitor flow");
});

Deno.test("a late answer to a MonitorStart nobody waits for any more is stopped at the PBX", async () => {
  const { pbx, board, connect } = setup();
  const app = connect("app");
  app.send(monitorStart(1, deviceByNumber("102")));
  await pbx.answerLate(0, pbxXrefResult(hex("00000003")));
  const [failure] = app.port.take();
  assert.equal(failure.kind, "returnError", "the application got the timeout");
  assert.deepEqual(board.status().monitors, [], "nothing is left in the table");
  const stop = peekApdu(pbx.requests[1].apdu) as { opcode: number; crossRef: { id: Uint8Array } };
  assert.equal(stop.opcode, Opcode.monitorStop);
  assert.deepEqual(stop.crossRef.id, hex("00000003"));
});

Deno.test("a late answer is adopted by a MonitorStart that came after the timeout, which is answered at once", async () => {
  const { pbx, board, connect } = setup();
  const first = connect("first");
  first.send(monitorStart(1, deviceByNumber("102")));
  pbx.requests[0].resolve({ kind: "timeout" });
  await flush();
  first.port.take();
  const second = connect("second");
  second.send(monitorStart(4, deviceByNumber("102")));
  assert.equal(pbx.requests.length, 2);
  const late = encodeReturnResult(700, {
    opcode: Opcode.monitorStart,
    value: pbxXrefResult(hex("00000003")),
  });
  pbx.requests[0].options!.onLateAnswer!(late, peekApdu(late) as ApduPeek);
  const [answer] = second.port.take();
  assert.equal(answer.kind, "returnResult");
  assert.equal(board.status().monitors[0].state, "active");
  // The newer request is answered by a PBX that refuses the duplicate: nothing changes.
  pbx.refuse(1);
  await flush();
  assert.equal(board.status().monitors[0].state, "active");
  assert.deepEqual(second.port.take(), []);
});

Deno.test("the last application leaving a lost monitor ends its retries, and the status no longer lists it", async () => {
  const clock = new ManualClock();
  const { pbx, board, app, xref } = await monitored(clock);
  await reconnectRefused(board, pbx);
  app.send(monitorStop(2, xref));
  assert.deepEqual(board.lostMonitors(), []);
  assert.equal(board.systemStatus(), "normal");
  clock.advance(10_000);
  assert.equal(pbx.requests.length, 2, "no retry for a monitor nobody holds");
});

Deno.test("greeting, RequestSystemStatus and the heartbeat all say partiallyDisabled while a monitor is lost", async () => {
  const clock = new ManualClock();
  const { pbx, board, connect } = await monitored(clock);
  await reconnectRefused(board, pbx);
  const late = connect("late");
  board.greet(late.session);
  late.send(encodeInvoke(3, Opcode.requestSysStat, hex("30 00")));
  const [greeting, answer] = late.port.take();
  assert.deepEqual(statuses([greeting]), ["partiallyDisabled"]);
  assert.equal(answer.kind, "returnResult");
  assert.deepEqual(
    (answer as { result: { value: { bytes: Uint8Array } } }).result.value.bytes,
    hex("30 03 0A 01 08"),
    "the multiplexer answers for itself, not the PBX",
  );
  board.heartbeat(3);
  assert.deepEqual(statuses(late.port.take()), ["partiallyDisabled"]);
});

Deno.test("the heartbeat reaches every application; one that leaves 3 unanswered is disconnected, one that answers stays", () => {
  const { board, connect } = setup();
  const silent = connect("silent");
  const polite = connect("polite");
  board.greet(silent.session);
  board.greet(polite.session);
  const answerAll = () => {
    for (const invoke of polite.port.take()) {
      if (invoke.kind !== "invoke") continue;
      polite.send(encodeReturnResult(invoke.invokeId, { opcode: Opcode.systemStatus, value: NO_DATA }));
    }
  };
  answerAll();
  for (let beat = 0; beat < 2; beat++) {
    assert.deepEqual(board.heartbeat(3), []);
    answerAll();
  }
  assert.deepEqual(statuses(silent.port.take()), ["normal", "normal", "normal"]);
  assert.deepEqual(board.heartbeat(3), [silent.session.id], "3 unanswered when the next is due");
  assert.match(silent.port.closedWith ?? "", /3 SystemStatus heartbeats left unanswered/);
  assert.equal(polite.port.closedWith, undefined);
  assert.equal(board.status().closedForMissedHeartbeats, 1);
  assert.deepEqual(board.heartbeat(0), [], "0 misses: nobody is disconnected");
});

Deno.test("the heartbeat service beats at the set rhythm and is degraded, naming device and reason, while a monitor is lost", async () => {
  const clock = new ManualClock();
  const { pbx, board, app } = await monitored(clock);
  const settings = { systemStatusSeconds: 60, systemStatusMisses: 3 };
  const heartbeat = new MultiplexerHeartbeat({ switchboard: board, settings: () => settings, clock });
  await heartbeat.start();
  clock.advance(59_999);
  assert.deepEqual(statuses(app.port.take()), []);
  clock.advance(1);
  assert.deepEqual(statuses(app.port.take()), ["normal"]);
  assert.equal(heartbeat.status().state, "running");

  await reconnectRefused(board, pbx);
  const status = heartbeat.status();
  assert.equal(status.state, "degraded");
  assert.equal(status.reason, "1 monitor lost: 101 (the PBX answered returnError)");
  assert.equal(status.details!.systemStatus, "partiallyDisabled");
  await heartbeat.stop();
});

Deno.test("a SystemStatus from the PBX with a value ECMA-285 does not define is not passed on; defined changes are", () => {
  const { board, connect } = setup();
  const app = connect("app");
  const fromPbx = (apdu: Uint8Array) => pbxRead(board, apdu);
  fromPbx(systemStatusInvoke(5, 42));
  fromPbx(hex("A1 09 02 01 06 02 02 00 D3 30 00"));
  assert.deepEqual(app.port.take(), []);
  assert.equal(board.status().pbxSystemStatusIgnored, 2);
  fromPbx(systemStatusInvoke(7, "messagesLost"));
  fromPbx(systemStatusInvoke(8, "normal"));
  assert.deepEqual(statuses(app.port.take()), ["messagesLost", "normal"]);
});
