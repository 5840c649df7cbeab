// The live feed follows a change of mode: after a switch from the simulated PBX to a real one, an open
// page loses its "simulated PBX" badges without a reload.

import assert from "node:assert/strict";
import { Browser, webFixture } from "./web_fixture.ts";

Deno.test('an open dashboard drops the simulated PBX badges when the appliance switches to a real PBX, leaving the header empty (no "null")', async () => {
  const f = await webFixture();
  f.mode = "demo";
  const b = new Browser(f.app);
  await b.loginAndChangePassword();
  try {
    const page = (await b.page("/")).html;
    assert.match(page, /data-live="mode"[^>]*>[^]*?id="demo-badge"/, "the header badge is a live region");
    const res = await b.request("/live?r=dashboard,mode");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const latest = new Map<string, string>();
    const until = async (test: () => boolean) => {
      for (let i = 0; i < 100 && !test(); i++) {
        for (let event; (event = /event: region\ndata: (.*)\n\n/.exec(text));) {
          text = text.slice(event.index + event[0].length);
          const { name, html } = JSON.parse(event[1]);
          latest.set(name, html);
        }
        if (test()) break;
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += value;
      }
      assert.ok(test(), "the awaited region never came");
    };
    await until(() => /simulated PBX/.test(latest.get("dashboard") ?? "") && latest.has("mode"));
    assert.match(latest.get("mode")!, /simulated PBX/);
    f.mode = "pbx";
    await until(() => !/simulated PBX/.test(latest.get("dashboard") ?? "x"));
    await until(() => !/simulated PBX/.test(latest.get("mode") ?? "x"));
    // The empty badge is sent as nothing: the header beside the brand once read "null".
    assert.equal(
      latest.get("mode"),
      "",
      "the header's mode region on a real PBX is empty, not the word null",
    );
    await reader.cancel();
  } finally {
    await f.close();
  }
});
