// GET /api/lines pages, sorts and filters in the store: the edges of a page (empty, one page, last page
// partial, out of range), every filter, and a wrong parameter answered 400 naming it, never 500.

import assert from "node:assert/strict";
import { Hono } from "hono";
import type { HttpEnv } from "../../../../src/http/context.ts";
import { createLinesApi } from "../../../../src/http/api/lines_api.ts";
import { LineRepository } from "../../../../src/lines/line_repository.ts";
import { LocationRepository } from "../../../../src/lines/location_repository.ts";
import { LineStoreSync } from "../../../../src/lines/line_store_sync.ts";
import { openTempDatabase } from "../../../support/temp_database.ts";
import { fillLines } from "../../../support/table_fill.ts";
import { loopbackEnv } from "../../../support/api_call.ts";

async function withLines(count: number, work: (get: (query: string) => Promise<Response>) => Promise<void>) {
  const temp = await openTempDatabase();
  try {
    fillLines(temp.db, count);
    const lines = new LineRepository(() => temp.db);
    const sync = new LineStoreSync(lines, new LocationRepository(() => temp.db));
    const app = new Hono<HttpEnv>().route("/api/lines", createLinesApi({ lines, sync }));
    await work((query) => Promise.resolve(app.request(`/api/lines${query}`, {}, loopbackEnv)));
  } finally {
    await temp.close();
  }
}

type Answer = {
  lines: { number: string; name: string; kind: string; enabled: boolean; missingFromPbx: boolean }[];
  total: number;
  page: number;
  perPage: number;
  pages: number;
  sort: string;
  dir: string;
};

const json = async (response: Response) => {
  assert.equal(response.status, 200, await response.clone().text());
  return await response.json() as Answer;
};

Deno.test("an empty line list is one answer with no rows, total 0 and 0 pages", async () => {
  await withLines(0, async (get) => {
    const answer = await json(await get(""));
    assert.deepEqual(answer, {
      lines: [],
      total: 0,
      page: 1,
      perPage: 50,
      pages: 0,
      sort: "number",
      dir: "asc",
    });
  });
});

Deno.test("lines fitting one page come whole, in number order (99 before 100)", async () => {
  await withLines(3, async (get) => {
    const answer = await json(await get("?perPage=50"));
    assert.deepEqual(answer.lines.map((l) => l.number), ["1000", "1001", "1002"]);
    assert.equal(answer.pages, 1);
  });
});

Deno.test("the last page of lines is partial and a page past the end is empty with the total", async () => {
  await withLines(120, async (get) => {
    const last = await json(await get("?page=3&perPage=50"));
    assert.equal(last.lines.length, 20);
    assert.equal(last.lines[0].number, "1100");
    assert.equal(last.lines.at(-1)!.number, "1119");
    assert.deepEqual([last.total, last.pages], [120, 3]);
    const past = await json(await get("?page=4&perPage=50"));
    assert.deepEqual([past.lines.length, past.total, past.page, past.pages], [0, 120, 4, 3]);
  });
});

Deno.test("lines sort by name, kind and device number both ways, ties in number order", async () => {
  await withLines(60, async (get) => {
    const byName = await json(await get("?sort=name&dir=desc&perPage=60"));
    const names = byName.lines.map((l) => l.name.toLowerCase());
    assert.deepEqual(names, [...names].sort((a, b) => b.localeCompare(a, "en")));
    const byKind = await json(await get("?sort=kind&perPage=60"));
    assert.equal(byKind.lines[0].kind, "extension");
    assert.equal(byKind.lines.at(-1)!.kind, "trunk");
    assert.equal(byKind.lines.at(-1)!.number, "1055", "the trunks end with the highest number");
    const byNumberDown = await json(await get("?dir=desc&perPage=2"));
    assert.deepEqual(byNumberDown.lines.map((l) => l.number), ["1059", "1058"]);
  });
});

Deno.test("line filters narrow by text, number prefix, name, kind, state, enabled and exact numbers", async () => {
  await withLines(100, async (get) => {
    const count = async (query: string) => (await json(await get(query))).total;
    assert.equal(await count("?q=105"), 10, "1050-1059");
    assert.equal(await count("?q=desk%20h1"), 1, "by name, any case: Desk H1");
    assert.equal(await count("?number=104"), 10);
    assert.equal(await count("?kind=trunk"), 20);
    assert.equal(await count("?state=disabled"), 15);
    assert.equal(await count("?enabled=false"), 15);
    assert.equal(
      await count("?enabled=true&state=missing"),
      8,
      "every 11th of 0-99 is missing, 0 and 77 are disabled",
    );
    assert.equal(await count("?state=ok"), 100 - 15 - 8);
    assert.equal(await count("?numbers=1003,1007,9999"), 2);
    assert.equal(await count("?name=desk%20a"), await count("?name=DESK%20A"));
    assert.equal(await count("?q=%25"), 0, "a % is taken literally");
    assert.equal(await count("?q=&number=&state="), 100, "blank form fields are no filter");
  });
});

Deno.test("a wrong line list parameter is a 400 naming it, never a 500", async () => {
  await withLines(5, async (get) => {
    for (
      const [query, field] of [
        ["?page=0", "page"],
        ["?page=x", "page"],
        ["?perPage=1001", "perPage"],
        ["?sort=colour", "sort"],
        ["?dir=up", "dir"],
        ["?state=broken", "state"],
        ["?enabled=maybe", "enabled"],
        ["?kind=phone", "kind"],
        ["?colour=red", "colour"],
      ]
    ) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      const body = await response.json();
      assert.equal(body.error.code, "invalid_query", query);
      assert.equal(body.error.field, field, query);
      assert.match(body.error.message, new RegExp(`^${field}: `), query);
    }
  });
});
