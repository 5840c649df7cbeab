// Uploads that replace data say what they will do and what they did: a replace import of a file with no
// line deletes nothing, an empty file is named as empty, and a restore ends on the login page saying so.

import assert from "node:assert/strict";
import { signedIn, uploadFile } from "./web_fixture.ts";

Deno.test("a replace import of a file with no line deletes nothing and says why; an empty file is named as empty", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/lines");
    assert.equal(
      (await b.post("/lines", { number: "101", name: "Reception", kind: "extension" })).status,
      303,
    );
    await b.page("/lines");
    const blank = await uploadFile(b, "/lines/import", "file", new File(["\n\n"], "lines.txt"), {
      mode: "replace",
    });
    assert.equal(blank.status, 422);
    assert.match(
      await blank.text(),
      /lines\.txt holds no line: a replace would delete all 1 line\(s\); nothing was changed/,
    );
    assert.match((await b.page("/lines")).html, /data-number="101"/, "the line is still there");
    assert.equal(
      (await b.request("/api/lines/import?mode=replace", {
        method: "POST",
        body: "",
        headers: { "x-csrf-token": b.csrf, "sec-fetch-site": "same-origin", "content-type": "text/plain" },
      })).status,
      422,
      "the API refuses it too",
    );

    const empty = await uploadFile(b, "/lines/import", "file", new File([], "empty.txt"), { mode: "merge" });
    assert.equal(empty.status, 400);
    assert.match(await empty.text(), /empty\.txt is empty \(0 bytes\)/);
    await b.page("/system");
    const emptyBackup = await uploadFile(b, "/system/restore", "backup", new File([], "backup.tar.gz"));
    assert.match(await emptyBackup.text(), /backup\.tar\.gz is empty \(0 bytes\)/);
  } finally {
    await f.close();
  }
});

Deno.test("a successful restore lands on the login page saying the backup was restored", async () => {
  const { f, b } = await signedIn();
  try {
    f.system.restoreOutcome = {
      ok: true,
      restored: { settings: true, database: true, createdAt: "2026-02-01T10:00:00.000Z", version: "1.2.3" },
    };
    await b.page("/system");
    const res = await uploadFile(
      b,
      "/system/restore",
      "backup",
      new File([new Uint8Array([0x1f, 0x8b, 1])], "b.tar.gz"),
    );
    assert.equal(res.status, 303);
    const location = res.headers.get("location")!;
    assert.match(location, /^\/login\?/);
    // A real restore ends every session (the fake system does not): the browser arrives logged out.
    b.cookie = "";
    const login = await (await b.request(location)).text();
    assert.match(login, /id="login-notice"[^>]*>The backup was restored\. Everyone was logged out/);
    assert.doesNotMatch(
      await (await b.request("/login?notice=%3Cscript%3E")).text(),
      /login-notice/,
      "only known notices are shown",
    );
  } finally {
    await f.close();
  }
});

Deno.test("a replace import of a file with lines shows what it removes, adds and changes, and applies only when confirmed", async () => {
  const { f, b } = await signedIn();
  try {
    await b.page("/lines");
    for (const [number, name] of [["101", "Reception"], ["102", "Sales"], ["103", "Store"]]) {
      assert.equal((await b.post("/lines", { number, name, kind: "extension" })).status, 303);
    }
    await b.page("/lines");
    const file = new File(["101,Front desk\n103,Store\n104,Support\n"], "lines.txt");
    const preview = await uploadFile(b, "/lines/import", "file", file, { mode: "replace" });
    assert.equal(preview.status, 200);
    const html = await preview.text();
    assert.match(html, /id="import-preview"/);
    assert.match(html, /lines\.txt would remove 1 line, add 1, change 1/);
    assert.match(html, /− 102 Sales/);
    assert.match(html, /\+ 104 Support/);
    assert.match(html, /~ 101: Reception → Front desk/);
    assert.match(
      (await b.page("/lines")).html,
      /data-number="102"/,
      "nothing changed before the confirmation",
    );

    const text = /name="text"[^>]*>([^<]*)<\/textarea>/.exec(html)?.[1] ?? "";
    assert.match(text, /104,Support/, "the confirmation carries the file's text");
    const applied = await b.post("/lines/import", {
      mode: "replace",
      confirm: "yes",
      text: "101,Front desk\n103,Store\n104,Support\n",
    });
    assert.equal(applied.status, 200);
    assert.match(await applied.text(), /Imported: 1 line added, 1 changed, 1 unchanged, 1 removed/);
    const after = (await b.page("/lines")).html;
    assert.doesNotMatch(after, /data-number="102"/);
    assert.match(after, /data-number="104"/);
  } finally {
    await f.close();
  }
});
