// The SMDR page's History card over a real SMDR service and store: filters, a paged table with each record's
// fields and raw line, download links of the filtered range (served by the session), and a refused filter.

import assert from "node:assert/strict";
import { Logger } from "../../../src/log/logger.ts";
import { defaultSettings } from "../../../src/settings/schema.ts";
import { SmdrService } from "../../../src/smdr/smdr_service.ts";
import { openTempDatabase } from "../../support/temp_database.ts";
import { signedIn } from "./web_fixture.ts";

Deno.test("the SMDR page searches the history, pages it, shows raw lines and links the filtered downloads", async () => {
  const store = await openTempDatabase();
  const settings = { ...defaultSettings().smdr, localEnabled: false, pushEnabled: false };
  const smdr = new SmdrService({
    settings: () => settings,
    db: () => store.db,
    log: new Logger("s", { sink: () => {} }),
  });
  await smdr.start();
  const at = new Date(2026, 10, 3, 9, 0, 0);
  for (let i = 0; i < 120; i++) {
    smdr.submit({
      event: "RINGING",
      at,
      direction: "IN",
      callStart: at,
      callSerial: i,
      trunk: "92108",
      extension: i % 2 ? "1843" : "2560",
      callerNumber: `07968${String(i).padStart(6, "0")}`,
    });
  }
  const { f, b } = await signedIn({ services: { smdr } });
  try {
    const { res, html } = await b.page("/smdr?extension=1843&direction=IN");
    assert.equal(res.status, 200);
    assert.match(html, /60 record\(s\) match/);
    const rows = html.slice(html.indexOf('id="smdr-history-table"')).split("<tr").length;
    assert.ok(rows >= 51, "a page of 50 records");
    assert.match(html, /<pre class="mono">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \|IN \| [^<]{136}<\/pre>/);
    assert.doesNotMatch(html.slice(html.indexOf('id="smdr-history-table"')), /0002560/);
    assert.match(html, /Records 1–50 of 60 \(page 1 of 2\)/);
    const older = /href="([^"]+)" id="smdr-history-pager-next"/.exec(html)![1].replaceAll("&amp;", "&");
    const second = (await b.page(older)).html;
    assert.equal(second.slice(second.indexOf('id="smdr-history-table"')).split("<tr").length - 2, 10);

    const csvLink = /id="smdr-download-csv" href="([^"]+)"/.exec(html) ??
      /href="([^"]+)" id="smdr-download-csv"/.exec(html);
    const csv = await b.request(csvLink![1].replaceAll("&amp;", "&"));
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).split("\r\n").filter(Boolean);
    assert.equal(lines.length, 61, "header and the 60 matching records");
    assert.ok(lines.slice(1).every((l) => l.includes(" 0001843 ")));

    const bad = await b.page("/smdr?from=yesterday");
    assert.match(
      bad.html,
      /id="smdr-history-error"[^>]*>This filter cannot be used: from: expected YYYY-MM-DD/,
    );
  } finally {
    await f.close();
    await smdr.stop();
    await store.close();
  }
});
