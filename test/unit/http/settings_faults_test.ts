// Settings file faults seen through the web UI and the settings API: a refused edit, a missing file and
// an unwritable file leave every page working on the running settings and say what is wrong.

import assert from "node:assert/strict";
import { dirname } from "node:path";
import { type Browser, signedIn } from "./web_fixture.ts";

function put(b: Browser, path: string, json: unknown): Promise<Response> {
  return b.request(path, {
    method: "PUT",
    body: JSON.stringify(json),
    headers: { "content-type": "application/json", "x-csrf-token": b.csrf, "sec-fetch-site": "same-origin" },
  });
}

const SETTINGS_PAGES = ["/pbx", "/csta-server", "/certificate", "/smdr", "/system"];

Deno.test("a refused edit in the settings file leaves every settings page and the settings API on the running settings, and shows the edit on its section", async () => {
  const { f, b } = await signedIn();
  try {
    await Deno.writeTextFile(f.settings.file, "smdr:\n  maxCollectors: lots\n");
    assert.equal(await f.settings.reload(), false);
    for (const path of SETTINGS_PAGES) {
      const { res, html } = await b.page(path);
      assert.equal(res.status, 200, `${path} answers`);
      assert.match(html, /Settings file/, `${path} names the settings problem`);
    }
    const smdr = (await b.page("/smdr")).html;
    assert.match(
      smdr,
      /id="smdr-settings-refused"[^>]*>[^]*?running settings stay[^]*?<code>smdr\.maxCollectors<\/code>: Invalid input/,
    );
    const pbx = (await b.page("/pbx")).html;
    assert.doesNotMatch(pbx, /id="pbx-settings-refused"/, "the PBX section has no refused edit");

    const res = await b.request("/api/settings/smdr");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.settings.maxCollectors, f.settings.current().smdr.maxCollectors);
    assert.equal(body.file.maxCollectors, f.settings.current().smdr.maxCollectors, "the running file values");
    assert.equal(body.refused.problems[0].field, "smdr.maxCollectors");
    assert.equal((await (await b.request("/api/settings/pbx")).json()).refused, null);
    assert.equal((await b.request("/api/settings")).status, 200);

    // A save over a refused edit would silently drop it: it is refused, saying why.
    const save = await put(b, "/api/settings/pbx", { host: "pbx.example" });
    assert.equal(save.status, 409);
    assert.match((await save.json()).error.message, /smdr\.maxCollectors/);
  } finally {
    await f.close();
  }
});

Deno.test("a deleted settings file leaves the pages and the API on the running settings; a save writes it again", async () => {
  const { f, b } = await signedIn();
  try {
    await Deno.remove(f.settings.file);
    await f.settings.reload();
    for (const path of SETTINGS_PAGES) assert.equal((await b.page(path)).res.status, 200, path);
    const res = await b.request("/api/settings/pbx");
    assert.equal(res.status, 200);
    assert.match((await res.json()).refused.message, /cannot be read/);
    const save = await put(b, "/api/settings/pbx", { host: "pbx.example" });
    assert.equal(save.status, 200);
    assert.match(await Deno.readTextFile(f.settings.file), /host: pbx\.example/);
    assert.equal(f.settings.lastError(), undefined);
  } finally {
    await f.close();
  }
});

/** Makes `file` impossible to replace: immutable when run as root (ext4), else a read-only directory. */
async function makeUnreplaceable(file: string): Promise<() => Promise<void>> {
  if (Deno.uid() === 0) {
    const chattr = await new Deno.Command("chattr", { args: ["+i", file], stderr: "null" }).output()
      .catch(() => undefined);
    if (chattr?.success) {
      return async () => void await new Deno.Command("chattr", { args: ["-i", file] }).output();
    }
    throw new Error("running as root and chattr +i is not available: cannot make the file unwritable");
  }
  await Deno.chmod(dirname(file), 0o555);
  return () => Deno.chmod(dirname(file), 0o755);
}

Deno.test("a settings file that cannot be written: the save says why, changes nothing and leaves no temp file", async () => {
  const { f, b } = await signedIn();
  const undo = await makeUnreplaceable(f.settings.file);
  try {
    await b.page("/pbx");
    const before = await Deno.readTextFile(f.settings.file);
    const save = await put(b, "/api/settings/pbx", { host: "pbx.example" });
    assert.equal(save.status, 503);
    const error = (await save.json()).error;
    assert.equal(error.code, "settings_not_saved");
    assert.match(error.message, /not saved.*(permitted|permission)/i);
    assert.equal(f.settings.current().pbx.host, "", "nothing applied");
    assert.equal(await Deno.readTextFile(f.settings.file), before);
    const left = [...Deno.readDirSync(dirname(f.settings.file))].map((e) => e.name).filter((n) =>
      n.includes(".tmp-")
    );
    assert.deepEqual(left, []);

    const page = await b.post("/pbx/settings", {
      host: "pbx.example",
      port: "33333",
      livenessTimeoutSeconds: "300",
      reconnectMinSeconds: "1",
      reconnectMaxSeconds: "60",
      requestTimeoutSeconds: "10",
    });
    assert.equal(page.status, 503);
    assert.match(await page.text(), /not saved/);
  } finally {
    await undo();
    await f.close();
  }
});

Deno.test("a settings value the service applying it would refuse is refused at save, beside its field", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/pbx");
    for (const extensions of ["101-1100", "abc", "0-5", "120-101"]) {
      const res = await put(b, "/api/settings/demo", { extensions });
      assert.equal(res.status, 400, extensions);
      assert.equal((await res.json()).error.field, "extensions", extensions);
    }
    assert.equal(f.settings.current().demo.extensions, "101-120", "nothing was saved");
    const page = await b.post("/pbx/demo", {
      enabled: "on",
      extensions: "101-1100",
      trafficCallsPerMinute: "6",
    });
    assert.equal(page.status, 400);
    assert.match(await page.text(), /class="field invalid"><label for="demo-form-extensions">/);

    const smdr = await put(b, "/api/settings/smdr", { allowedSources: ["10.0.0.300"] });
    assert.equal(smdr.status, 400);
    assert.equal((await smdr.json()).error.field, "allowedSources");
    assert.equal((await put(b, "/api/settings/demo", { extensions: "201-260" })).status, 200);
  } finally {
    await f.close();
  }
});
