// Measures what the statistics cost when full (docs/web-ui.md, "Statistics"): every series at its most
// rows in a fresh database, the bytes they take after VACUUM, and the time to read all five charts.
// `deno run -A scripts/statistics_cost.ts`

import { openDatabase } from "../src/store/database.ts";
import { readCharts } from "../src/statistics/statistic_charts.ts";
import { maxRows, SERIES } from "../src/statistics/statistic_series.ts";
import { StatisticsStore } from "../src/statistics/statistics_store.ts";

const dir = await Deno.makeTempDir({ prefix: "cstabox-statistics-cost-" });
try {
  const db = openDatabase(`${dir}/cstabox.db`);
  const pages = () => (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
  const pageSize = (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size;
  const before = pages();
  const now = Date.now();
  let rows = 0;
  db.exec("BEGIN");
  const insert = db.prepare("INSERT INTO statistic_sample (series, at, value) VALUES (?, ?, ?)");
  for (const s of SERIES) {
    for (let i = 0; i < maxRows(s); i++, rows++) {
      insert.run(
        s.name,
        Math.floor(now / s.storeMs) * s.storeMs - i * s.storeMs,
        s.name === "rss" ? 2 ** 27 : i % 7,
      );
    }
  }
  db.exec("COMMIT");
  db.exec("VACUUM");
  const bytes = (pages() - before) * pageSize;
  const store = new StatisticsStore(() => db);
  const runs = 20;
  const started = performance.now();
  for (let i = 0; i < runs; i++) readCharts(store, now);
  const readMs = (performance.now() - started) / runs;
  console.log(JSON.stringify({
    rows,
    bytes,
    bytesPerRow: Number((bytes / rows).toFixed(1)),
    readAllChartsMs: Number(readMs.toFixed(2)),
    loadAverage: Deno.loadavg()[0],
  }));
  db.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
