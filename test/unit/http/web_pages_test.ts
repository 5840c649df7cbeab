import assert from "node:assert/strict";
import { PbxLink } from "../../../src/pbx/pbx_link.ts";
import { parseSettings } from "../../../src/settings/settings_file.ts";
import { waitUntil } from "../../support/wait_until.ts";
import { type Browser, signedIn, uploadFile } from "./web_fixture.ts";

/** Uploads a text file in the form field `file`. */
function upload(
  b: Browser,
  path: string,
  file: { name: string; text: string },
  fields: Record<string, string> = {},
) {
  return uploadFile(b, path, "file", new File([file.text], file.name, { type: "text/plain" }), fields);
}

Deno.test("the dashboard names every failed service with its reason, and shows the simulated PBX in demo mode", async () => {
  const { f, b } = await signedIn();
  try {
    f.services.smdr = {
      state: "failed",
      since: "2026-01-01T00:00:00.000Z",
      reason: "address already in use (port 2007)",
    };
    let { html } = await b.page("/");
    assert.match(html, /<strong>SMDR<\/strong>: address already in use \(port 2007\)/);
    assert.doesNotMatch(html, /id="demo-badge"/);
    assert.match(html, /id="pbx-state">connected</);
    f.mode = "demo";
    delete f.services.smdr;
    ({ html } = await b.page("/"));
    assert.match(html, /id="dash-all-ok">Every service runs/);
    assert.match(html, /id="demo-badge">simulated PBX</);
    assert.match(html, /id="pbx-simulated">simulated PBX</);
  } finally {
    await f.close();
  }
});

Deno.test("the dashboard says when the plain TCP port listens on every interface, and whether a login or an allow-list guards it", async () => {
  const { f, b } = await signedIn();
  try {
    const tcp = f.services["csta-tcp"]!;
    let { html } = await b.page("/");
    assert.match(
      html,
      /id="dash-tcp-exposed"[^>]*>listens on all interfaces, without login, from any address/,
    );
    tcp.details!.allowedSources = ["192.0.2.0/24"];
    ({ html } = await b.page("/"));
    assert.match(html, /id="dash-tcp-exposed"[^>]*>listens on all interfaces; only 1 source range allowed/);
    tcp.listeners![0] = { ...tcp.listeners![0], hostname: "192.168.1.5" };
    tcp.details!.allowedSources = [];
    ({ html } = await b.page("/"));
    assert.doesNotMatch(html, /dash-tcp-exposed/);
    assert.match(html, /port 33333 on 192\.168\.1\.5/);
  } finally {
    await f.close();
  }
});

Deno.test("disconnecting an application closes its session's port with the user named, and says so", async () => {
  const { f, b } = await signedIn();
  try {
    f.multiplexer.addApplication(7, "192.0.2.9:40001");
    const { html } = await b.page("/applications");
    assert.match(html, /data-application="7"/);
    assert.match(html, /192\.0\.2\.9:40001/);
    const res = await b.post("/applications/7/disconnect", {});
    assert.equal(res.headers.get("location"), "/applications#flash");
    assert.deepEqual(f.multiplexer.closed, [{ id: 7, reason: "disconnected by admin in the web UI" }]);
    assert.match((await b.page("/applications")).html, /Application 7 was disconnected/);
    await b.post("/applications/7/disconnect", {});
    assert.match((await b.page("/applications")).html, /Not disconnected: no application 7 is connected/);
  } finally {
    await f.close();
  }
});

Deno.test("adding a line with a bad number keeps what was typed and shows the error beside the number", async () => {
  const { f, b } = await signedIn();
  try {
    const res = await b.post("/lines", {
      number: "12a",
      name: "Front desk",
      kind: "extension",
      deviceNumber: "",
      enabled: "on",
    });
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(
      html,
      /<div class="field invalid"><label for="f-number">Number<\/label><input id="f-number" name="number" type="text" value="12a"/,
    );
    assert.match(html, /id="f-number-error">[^<]*number/);
    assert.match(html, /name="name" type="text" value="Front desk"/);
    assert.equal(
      (await b.post("/lines", { number: "120", name: "Front desk", kind: "extension" })).status,
      303,
    );
    const edit = await b.post("/lines/120/edit", { name: "Lobby", kind: "extension", deviceNumber: "x" });
    assert.equal(edit.status, 400);
    assert.match(await edit.text(), /A whole number, or empty/);
    await b.post("/lines/120/edit", {
      name: "Lobby",
      kind: "trunk",
      deviceNumber: "5",
      enabled: "on",
      missingFromPbx: "off",
    });
    const { html: list } = await b.page("/lines");
    assert.match(list, /data-number="120" data-name="Lobby" data-kind="trunk"/);
    await b.post("/lines/120/delete", {});
    assert.doesNotMatch((await b.page("/lines")).html, /data-number="120"/);
  } finally {
    await f.close();
  }
});

Deno.test("a lines import with one bad row reports that row and imports nothing; a clean file is imported", async () => {
  const { f, b } = await signedIn();
  try {
    const bad = await upload(b, "/lines/import", {
      name: "lines.txt",
      text: "100,Reception\n1x0,Broken\n101,Office\n",
    }, { mode: "merge" });
    assert.equal(bad.status, 422);
    const html = await bad.text();
    assert.match(html, /1 row refused; nothing was imported/);
    assert.match(html, /<td>2<\/td><td class="mono">1x0,Broken<\/td>/);
    assert.doesNotMatch((await b.page("/lines")).html, /data-number="100"/);
    const good = await upload(
      b,
      "/lines/import",
      { name: "lines.txt", text: "100,Reception\n101,Office\n" },
      { mode: "merge" },
    );
    assert.match(await good.text(), /Imported: 2 lines added/);
    const search = await b.page("/lines?q=office");
    assert.match(search.html, /data-number="101"/);
    assert.doesNotMatch(search.html, /data-number="100"/, "the search works without the script");
  } finally {
    await f.close();
  }
});

Deno.test("loading lines from the PBX says why when the PBX cannot be asked", async () => {
  const { f, b } = await signedIn();
  try {
    const res = await b.post("/lines/sync/preview", { readNames: "on" });
    assert.equal(res.status, 503);
    assert.match(await res.text(), /id="sync-error"[^>]*>the PBX cannot be asked for its devices/);
  } finally {
    await f.close();
  }
});

Deno.test("number rules: save, a refused pattern shown beside its field with every row kept, reorder, delete, and the Check button", async () => {
  const { f, b } = await signedIn();
  try {
    const rows = (list: [string, string][]) => {
      const fields: Record<string, string> = { rows: String(list.length) };
      list.forEach(([pattern, replacement], i) => {
        fields[`pattern.${i}`] = pattern;
        fields[`regex.${i}`] = "on";
        fields[`replacement.${i}`] = replacement;
      });
      return fields;
    };
    const refused = await b.post("/numbers/rules/incoming", {
      ...rows([["^0(\\d+)$", "+49\\1"], ["(", "x"], ["", ""]]),
      action: "save",
    });
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.match(
      html,
      /<td class="invalid" data-label="Pattern"><input name="pattern\.1" value="\("/,
      "the bad row keeps its text and is marked",
    );
    assert.match(html, /name="pattern\.0" value="\^0\(\\d\+\)\$"/, "the good row is kept too");

    assert.equal(
      (await b.post("/numbers/rules/incoming", {
        ...rows([["^0(\\d+)$", "+49\\1"], ["^9$", "nine"], ["", ""]]),
        action: "save",
      })).status,
      303,
    );
    const check = await b.post("/numbers/rules/incoming", {
      ...rows([["^0(\\d+)$", "+49\\1"], ["^9$", "nine"], ["", ""]]),
      action: "check",
      check: "0301234",
    });
    assert.match(await check.text(), /Rule 1 matches: \+49301234/);

    await b.post("/numbers/rules/incoming", {
      ...rows([["^0(\\d+)$", "+49\\1"], ["^9$", "nine"], ["", ""]]),
      action: "down:0",
    });
    let saved = await (await b.request("/api/number-rules/incoming")).json();
    assert.deepEqual(saved.rules.map((r: { pattern: string }) => r.pattern), ["^9$", "^0(\\d+)$"]);
    await b.post("/numbers/rules/incoming", {
      ...rows([["^9$", "nine"], ["^0(\\d+)$", "+49\\1"], ["", ""]]),
      action: "delete:0",
    });
    saved = await (await b.request("/api/number-rules/incoming")).json();
    assert.deepEqual(saved.rules.map((r: { pattern: string }) => r.pattern), ["^0(\\d+)$"]);
  } finally {
    await f.close();
  }
});

Deno.test("a settings form saves into the file (not the command-line overrides) and refuses a bad value beside its field", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/pbx");
    const fields = {
      host: "pbx.example",
      port: "70000",
      livenessTimeoutSeconds: "300",
      reconnectMinSeconds: "1",
      reconnectMaxSeconds: "60",
      requestTimeoutSeconds: "10",
    };
    const refused = await b.post("/pbx/settings", fields);
    assert.equal(refused.status, 400);
    const html = await refused.text();
    assert.match(html, /id="pbx-form-port" name="port" type="number" value="70000"/);
    assert.match(html, /class="field invalid"><label for="pbx-form-port">/);
    assert.match(html, /value="pbx\.example"/, "the other fields keep what was typed");
    assert.equal(f.settings.current().pbx.host, "", "nothing was saved");

    const notNumber = await b.post("/pbx/settings", { ...fields, port: "abc" });
    assert.match(await notNumber.text(), /Enter a number\./);

    assert.equal((await b.post("/pbx/settings", { ...fields, port: "33335" })).status, 303);
    assert.equal(f.settings.current().pbx.host, "pbx.example");
    const file = parseSettings(await Deno.readTextFile(f.settings.file), "x");
    assert.equal(file.pbx.port, 33335);
    assert.match((await b.page("/pbx")).html, /PBX settings saved/);
  } finally {
    await f.close();
  }
});

Deno.test("PBX test connection: the probe's report is shown step by step; while the link to that PBX is up no probe is made", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/pbx");
    const probed = await b.post("/pbx/test", { host: "10.9.9.9", port: "33333" });
    assert.match(await probed.text(), /probed \(fake\)/);
    const badPort = await b.post("/pbx/test", { host: "10.9.9.9", port: "0" });
    assert.equal(badPort.status, 400);
    assert.match(await badPort.text(), /A port is a whole number from 1 to 65535/);
    // The settings now name the PBX the link is connected to (the fixture reports it ready).
    await f.settings.save({
      ...f.settings.current(),
      pbx: { ...f.settings.current().pbx, host: "10.0.0.5" },
    });
    const linkUp = await b.post("/pbx/test", { host: "10.0.0.5", port: "33333" });
    const text = await linkUp.text();
    assert.match(text, /The link to 10\.0\.0\.5:33333 is up/);
    assert.doesNotMatch(text, /probed \(fake\)/);
  } finally {
    await f.close();
  }
});

Deno.test("CSTA users: add, set a password, remove; the last one cannot be removed", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/csta-server");
    const short = await b.post("/csta-server/users", { name: "crm", password: "abc" });
    assert.equal(short.status, 400);
    assert.match(await short.text(), /value="crm"[^]*at least 4 characters/);
    assert.equal((await b.post("/csta-server/users", { name: "crm", password: "crm-secret" })).status, 303);
    assert.ok(await f.cstaUsers.verify("crm", "crm-secret"));
    await b.post("/csta-server/users/crm/password", { password: "new-secret" });
    assert.ok(await f.cstaUsers.verify("crm", "new-secret"));
    await b.post("/csta-server/users/admin/remove", {});
    await b.post("/csta-server/users/crm/remove", {});
    const { html } = await b.page("/csta-server");
    assert.match(html, /Not removed: the last CSTA user cannot be removed/);
    assert.deepEqual(f.cstaUsers.list().map((u) => u.name), ["crm"]);
  } finally {
    await f.close();
  }
});

Deno.test("System: a service restart is awaited, a restart of the web server is answered first; a refused restore lists its reasons", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/system");
    await b.post("/system/services/store/restart", {});
    assert.deepEqual(f.system.restarted, ["store"]);
    assert.match((await b.page("/system")).html, /Database restarted: running/);
    await b.post("/system/services/nothing/restart", {});
    assert.match((await b.page("/system")).html, /Not restarted: no service named nothing/);

    f.services.http = { state: "running", since: "2026-01-01T00:00:00.000Z" };
    await b.post("/system/services/http/restart", {});
    assert.deepEqual(f.system.restarted, ["store"], "not yet: the answer goes out first");
    assert.match((await b.page("/system")).html, /Web UI \(HTTP\) restarts now/);
    f.clock.advance(199);
    assert.deepEqual(f.system.restarted, ["store"], "200 ms after the answer");
    f.clock.advance(1);
    assert.deepEqual(f.system.restarted, ["store", "http"]);

    const form = new FormData();
    form.set("_csrf", b.csrf);
    form.set("backup", new File([new Uint8Array([1, 2, 3])], "x.tar.gz"));
    const refused = await b.request("/system/restore", {
      method: "POST",
      body: form,
      headers: { "sec-fetch-site": "same-origin" },
    });
    assert.equal(refused.status, 422);
    assert.match(await refused.text(), /backup refused; nothing was replaced: not a cstabox backup/);
    assert.equal(f.system.restores.length, 1);

    const backup = await b.request("/api/system/backup");
    assert.equal(
      backup.headers.get("content-disposition"),
      'attachment; filename="cstabox-backup-test.tar.gz"',
    );
  } finally {
    await f.close();
  }
});

Deno.test("the Calls page shows the tracker's calls, or that call tracking is not running", async () => {
  const without = await signedIn();
  try {
    assert.match((await without.b.page("/calls")).html, /id="calls-unavailable"/);
  } finally {
    await without.f.close();
  }
  const calls = [{
    id: "0001",
    state: "connected",
    from: "+49301234",
    to: "101",
    startedAt: "2026-03-01T11:59:00.000Z",
    lines: ["101"],
    direction: "incoming",
  }];
  const { f, b } = await signedIn({ calls: { activeCalls: () => calls } });
  try {
    const { html } = await b.page("/calls");
    assert.match(html, /<td>\+49301234<\/td><td>101<\/td>/);
    assert.match((await b.page("/")).html, /1 call now/);
    const api = await (await b.request("/api/calls")).json();
    assert.deepEqual(api, {
      available: true,
      calls,
      total: 1,
      page: 1,
      perPage: 50,
      pages: 1,
      sort: "startedAt",
      dir: "desc",
    });
  } finally {
    await f.close();
  }
});

Deno.test("the logs page shows entries at or above the chosen level, newest first", async () => {
  const { f, b } = await signedIn();
  try {
    f.log.child("pbx-link").warn("PBX link lost", { reason: "reset by peer" });
    f.log.child("http").debug("noise");
    const { html } = await b.page("/logs?level=warn");
    assert.match(html, /PBX link lost<span class="fields mono"> reason=reset by peer<\/span>/);
    assert.doesNotMatch(html, /noise/);
    assert.match((await b.page("/logs?level=debug")).html, /noise/);
    const api = await (await b.request("/api/logs?level=warn")).json();
    assert.ok(api.entries.every((e: { level: string }) => e.level === "warn" || e.level === "error"));
  } finally {
    await f.close();
  }
});

Deno.test("the live feed sends a region's HTML again when it changes, and only then", async () => {
  const { f, b } = await signedIn();
  try {
    const res = await b.request("/live?r=applications");
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const nextRegion = async () => {
      for (let i = 0; i < 50; i++) {
        const event = /event: region\ndata: (.*)\n\n/.exec(text);
        if (event) {
          text = text.slice(event.index + event[0].length);
          return JSON.parse(event[1]) as { name: string; html: string };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += value;
      }
      throw new Error("no region event");
    };
    const first = await nextRegion();
    assert.equal(first.name, "applications");
    assert.match(first.html, /No application is connected/);
    f.multiplexer.addApplication(3, "192.0.2.3:5555");
    const second = await nextRegion();
    assert.match(second.html, /192\.0\.2\.3:5555/);
    assert.match(
      second.html,
      new RegExp(`name="_csrf" value="${b.csrf}"`),
      "its forms carry this session's token",
    );
    await reader.cancel();
    assert.equal((await b.request("/live?r=nonsense")).status, 400);
  } finally {
    await f.close();
  }
});

Deno.test("the dashboard and the PBX page show the PBX link's last error as text, from the link's own status", async () => {
  const { f, b } = await signedIn();
  // A real link to a port that refuses: its status is the exact shape the pages must read.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = closed.addr.port;
  closed.close();
  const link = new PbxLink({
    settings: () => ({
      host: "127.0.0.1",
      port,
      livenessTimeoutSeconds: 180,
      reconnectMinSeconds: 60,
      reconnectMaxSeconds: 60,
      requestTimeoutSeconds: 5,
      maxFrameBytes: 65_535,
    }),
    events: { onReady() {}, onLost() {}, onFrame() {}, onFramesEnd() {} },
    log: f.log,
  });
  try {
    await link.start();
    await waitUntil(() => link.status().details?.lastError != null, 5000, () => "no link error");
    f.services["pbx-link"] = link.status();
    const message = link.status().details!.lastError!.message;
    for (const path of ["/", "/pbx"]) {
      const { html } = await b.page(path);
      assert.doesNotMatch(html, /object Object/, path);
      const row = /<dt>Last error<\/dt><dd>([^<]*)<\/dd>/.exec(html);
      assert.ok(row, `${path} has a Last error row`);
      assert.ok(row[1].includes(message.replaceAll("&", "&amp;")), `${path}: ${row[1]}`);
      assert.match(row[1], new RegExp(String(port)), `${path} names the port`);
    }
  } finally {
    await link.stop();
    await f.close();
  }
});

Deno.test("a lost monitor is shown by device with its reason on the dashboard and the Monitors page, and applications are not told normal", async () => {
  const { f, b } = await signedIn();
  try {
    const lostSince = "2026-03-01T11:58:00.000Z";
    f.multiplexer.state.systemStatus = "partiallyDisabled";
    f.multiplexer.state.monitors = [{
      device: "n:101",
      state: "lost",
      subscribers: 2,
      lastRefusal: "the PBX did not answer in time",
      lostSince,
    }];
    f.multiplexer.state.lostMonitors = [{
      device: "n:101",
      reason: "the PBX did not answer in time",
      since: lostSince,
      subscribers: 2,
      retries: 3,
      nextRetryAt: null,
    }];
    let { html } = await b.page("/");
    assert.match(html, /1 \(0 active, 1 lost\)/);
    assert.match(html, /id="dash-system-status">SystemStatus partiallyDisabled</);
    assert.match(html, /id="dash-lost-monitors">.*101<\/a>.*lost since .*: the PBX did not answer in time/s);
    ({ html } = await b.page("/monitors"));
    assert.match(html, /the PBX did not answer in time/);
    assert.match(html, />lost</);
    const api = await (await b.request("/api/multiplexer/monitors")).json();
    assert.equal(api.systemStatus, "partiallyDisabled");
    assert.deepEqual(api.lostMonitors.map((m: { device: string; reason: string }) => [m.device, m.reason]), [
      ["n:101", "the PBX did not answer in time"],
    ]);
  } finally {
    await f.close();
  }
});
