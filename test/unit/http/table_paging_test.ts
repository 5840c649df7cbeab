// The lists held in memory (applications, monitors, calls, the log) page, sort and filter as every list does,
// through the whole web app: the API's page edges (empty, one page, last page partial, out of range), a
// wrong parameter answered 400 naming it, the pages' pagers and their friendly note for a refused filter.

import assert from "node:assert/strict";
import type { LiveCall } from "../../../src/http/web_ui_sources.ts";
import { signedIn } from "./web_fixture.ts";

type Page = { total: number; page: number; perPage: number; pages: number; sort: string; dir: string };

Deno.test("the application list pages at its edges: empty, one page, last page partial, out of range", async () => {
  const { f, b } = await signedIn();
  try {
    const get = async (query: string) => {
      const response = await b.request(`/api/multiplexer/applications${query}`);
      assert.equal(response.status, 200, query);
      return await response.json() as Page & { applications: { id: number; remote: string }[] };
    };
    const empty = await get("");
    assert.deepEqual([empty.applications.length, empty.total, empty.pages], [0, 0, 0]);
    for (let id = 1; id <= 3; id++) f.multiplexer.addApplication(id, `10.0.0.${id}:5000`);
    const one = await get("?perPage=10");
    assert.deepEqual([one.applications.map((a) => a.id), one.pages], [[1, 2, 3], 1]);
    for (let id = 4; id <= 25; id++) {
      f.multiplexer.addApplication(id, `10.0.1.${id}:5000`, id % 2 ? "tls" : "tcp");
    }
    const last = await get("?perPage=10&page=3");
    assert.deepEqual([last.applications.map((a) => a.id), last.total, last.pages], [
      [21, 22, 23, 24, 25],
      25,
      3,
    ]);
    const past = await get("?perPage=10&page=9");
    assert.deepEqual([past.applications.length, past.total, past.page], [0, 25, 9]);
    const down = await get("?sort=id&dir=desc&perPage=2");
    assert.deepEqual(down.applications.map((a) => a.id), [25, 24]);
    assert.equal((await get("?transport=tls")).total, 11);
    assert.equal((await get("?q=10.0.0.")).total, 3);
    assert.equal((await get("?q=admin&transport=tls")).total, 11, "TLS applications log in as admin here");
    const refused = await b.request("/api/multiplexer/applications?sort=colour");
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error.field, "sort");
  } finally {
    await f.close();
  }
});

Deno.test("the Applications page pages with plain links and says so when a filter is refused", async () => {
  const { f, b } = await signedIn();
  try {
    for (let id = 1; id <= 60; id++) f.multiplexer.addApplication(id, `10.0.0.${id}:5000`);
    const first = await b.page("/applications");
    assert.equal(first.res.status, 200);
    assert.match(first.html, /Applications 1–50 of 60 \(page 1 of 2\)/);
    const next = /href="([^"]+)" id="applications-pager-next"/.exec(first.html)![1].replaceAll("&amp;", "&");
    assert.equal(next, "/applications?page=2");
    const second = await b.page(next);
    assert.match(second.html, /Applications 51–60 of 60 \(page 2 of 2\)/);
    assert.match(second.html, /data-live="applications:page%3D2"/, "the live region keeps the page");
    const sorted = await b.page("/applications?sort=remote&dir=desc");
    assert.match(sorted.html, /aria-sort="descending"/);
    const empty = await b.page("/applications?q=nobody&page=3");
    assert.match(empty.html, /No applications\./);
    assert.doesNotMatch(empty.html, /page=0/, "past the end of nothing, no link leads to page 0");
    assert.match(empty.html, /href="\/applications\?q=nobody" id="applications-pager-first"/);
    const bad = await b.page("/applications?perPage=5000");
    assert.equal(bad.res.status, 200);
    assert.match(bad.html, /id="applications-refused"[^>]*>This filter cannot be used: perPage: /);
  } finally {
    await f.close();
  }
});

Deno.test("the monitor list pages and filters by state; a wrong state is a 400 naming it", async () => {
  const { f, b } = await signedIn();
  try {
    const monitors = Array.from({ length: 7 }, (_, i) => ({
      device: `n:${200 + i}`,
      state: i < 5 ? "active" : "lost",
      subscribers: i,
      lastRefusal: i < 5 ? null : "PBX refused",
      lostSince: i < 5 ? null : "2026-03-01T11:00:00.000Z",
    }));
    f.multiplexer.state = { ...f.multiplexer.state, monitors } as typeof f.multiplexer.state;
    const get = async (query: string) =>
      await (await b.request(`/api/multiplexer/monitors${query}`)).json() as Page & {
        monitors: { device: string }[];
      };
    const last = await get("?perPage=3&page=3");
    assert.deepEqual([last.monitors.map((m) => m.device), last.pages], [["n:206"], 3]);
    assert.equal((await get("?state=lost")).total, 2);
    assert.deepEqual((await get("?sort=subscribers&dir=desc&perPage=1")).monitors.map((m) => m.device), [
      "n:206",
    ]);
    const refused = await b.request("/api/multiplexer/monitors?state=gone");
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error.field, "state");
    const page = await b.page("/monitors?state=lost");
    assert.match(page.html, /Monitors 1–2 of 2/);
  } finally {
    await f.close();
  }
});

Deno.test("the call list is newest first, pages and filters by direction and text", async () => {
  const calls: LiveCall[] = Array.from({ length: 12 }, (_, i) => ({
    id: `c${i}`,
    state: "connected",
    from: `+4930${i}`,
    to: String(100 + i),
    startedAt: new Date(Date.UTC(2026, 2, 1, 12, i)).toISOString(),
    lines: [String(100 + i)],
    direction: i % 3 ? "incoming" : "outgoing",
  }));
  const { f, b } = await signedIn({ calls: { activeCalls: () => calls } });
  try {
    const get = async (query: string) =>
      await (await b.request(`/api/calls${query}`)).json() as Page & { calls: LiveCall[] };
    const first = await get("?perPage=5");
    assert.deepEqual(first.calls.map((c) => c.id), ["c11", "c10", "c9", "c8", "c7"]);
    assert.deepEqual((await get("?perPage=5&page=3")).calls.map((c) => c.id), ["c1", "c0"]);
    assert.equal((await get("?direction=outgoing")).total, 4);
    assert.deepEqual((await get("?q=105")).calls.map((c) => c.id), ["c5"]);
    assert.equal((await b.request("/api/calls?page=-1")).status, 400);
    const page = await b.page("/calls?direction=outgoing");
    assert.match(page.html, /Calls 1–4 of 4/);
  } finally {
    await f.close();
  }
});

Deno.test("the log is searched by level, text, source and time, paged newest first, and downloaded", async () => {
  const { f, b } = await signedIn();
  try {
    for (let i = 0; i < 30; i++) f.log.child(i % 2 ? "pbx-link" : "smdr").warn(`link event ${i}`, { n: i });
    f.log.child("http").error("disk full", { path: "/var/lib/cstabox" });
    const get = async (query: string) => {
      const response = await b.request(`/api/logs${query}`);
      assert.equal(response.status, 200, query);
      return await response.json() as Page & { entries: { message: string; source: string; seq: number }[] };
    };
    const newest = await get("?level=warn&perPage=10");
    assert.equal(newest.entries[0].message, "disk full");
    assert.equal(newest.total, 31);
    const last = await get("?level=warn&perPage=10&page=4");
    assert.deepEqual(last.entries.map((e) => e.message), ["link event 0"]);
    assert.equal((await get("?level=error")).total, 1);
    assert.equal((await get("?q=EVENT 2")).total, 11, "event 2 and 20-29, any case");
    assert.equal((await get("?q=/var/lib")).total, 1, "fields are searched too");
    assert.equal((await get("?source=pbx-link&level=warn")).total, 15);
    assert.equal((await get("?from=2000-01-01&to=2000-01-02")).total, 0);
    const follow = await get(`?after=${newest.entries[1].seq}&dir=asc`);
    assert.deepEqual(follow.entries.map((e) => e.message), ["disk full"]);
    for (
      const [query, field] of [["?level=loud", "level"], ["?from=yesterday", "from"], [
        "?from=2026-03-02&to=2026-03-01",
        "to",
      ], ["?limit=5", "limit"]]
    ) {
      const refused = await b.request(`/api/logs${query}`);
      assert.equal(refused.status, 400, query);
      assert.equal((await refused.json()).error.field, field, query);
    }

    const text = await b.request("/api/logs/download?level=warn&source=pbx-link");
    assert.equal(text.status, 200);
    assert.match(text.headers.get("content-disposition") ?? "", /attachment; filename="cstabox-log.txt"/);
    const lines = (await text.text()).trimEnd().split("\n");
    assert.equal(lines.length, 15);
    assert.match(lines[0], /WARN {2}\[pbx-link\] link event 1 n=1$/);
    const jsonl = await b.request("/api/logs/download?level=error&format=jsonl");
    const entries = (await jsonl.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(entries.map((e) => e.message), ["disk full"]);

    const page = await b.page("/logs?level=warn&q=disk");
    assert.match(page.html, /Entries 1–1 of 1/);
    assert.match(page.html, /href="\/api\/logs\/download\?level=warn&amp;q=disk" id="log-download-text"/);
    const bad = await b.page("/logs?from=soon");
    assert.match(bad.html, /id="logs-refused"[^>]*>This filter cannot be used: from: expected/);
  } finally {
    await f.close();
  }
});
