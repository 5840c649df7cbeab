import assert from "node:assert/strict";
import { renderExposition } from "../../../src/integrations/metrics/exposition.ts";
import { parseExposition } from "../../support/prometheus_text.ts";

Deno.test("the exposition escapes help and label values and reads back through the strict parser", () => {
  const text = renderExposition([
    {
      name: "cstabox_x_total",
      type: "counter",
      help: "a \\ b\nc",
      samples: [{ labels: { reason: 'say "hi"\n\\' }, value: 3 }],
    },
    {
      name: "cstabox_delay_seconds",
      type: "summary",
      help: "delay",
      samples: [{ labels: { quantile: "0.5" }, value: NaN }, { suffix: "_sum", value: 1.5 }, {
        suffix: "_count",
        value: 2,
      }],
    },
    { name: "cstabox_up", type: "gauge", help: "up", samples: [{ value: Infinity }] },
  ]);
  assert.match(text, /^# HELP cstabox_x_total a \\\\ b\\nc$/m);
  const families = parseExposition(text);
  assert.equal(families.get("cstabox_x_total")!.samples[0].labels.reason, 'say "hi"\n\\');
  assert.equal(families.get("cstabox_delay_seconds")!.samples.length, 3);
  assert.equal(families.get("cstabox_up")!.samples[0].value, Infinity);
});

Deno.test("the exposition refuses a counter without _total", () => {
  assert.throws(
    () => renderExposition([{ name: "cstabox_x", type: "counter", help: "x", samples: [] }]),
    /_total/,
  );
});

Deno.test("the strict parser refuses what promtool refuses", () => {
  const bad: [string, RegExp][] = [
    ["# HELP a_total x\n# TYPE a_total counter\na_total 1", /line feed/],
    ["a 1\n", /no TYPE line/],
    ["# HELP a x\n# TYPE a gauge\na 1\na 2\n", /duplicate series/],
    [
      '# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x="1"} 1\n',
      /outside its family|not one group/,
    ],
    ['# HELP a x\n# TYPE a gauge\na{x="\\q"} 1\n', /bad label syntax/],
    ["# HELP a x\n# TYPE a counter\na 1\n", /ends in _total/],
    ["# HELP a_total x\n# TYPE a_total gauge\na_total 1\n", /only counters/],
    ["# HELP a_milliseconds x\n# TYPE a_milliseconds gauge\na_milliseconds 1\n", /base units/],
    ["# TYPE a gauge\na 1\n", /no HELP/],
    ["# HELP a x\n# TYPE a gauge\na one\n", /no float/],
    ["# HELP a_total x\n# TYPE a_total counter\na_total -1\n", /never negative/],
    ["# HELP a x\n# TYPE a summary\na 1\n", /quantile/],
  ];
  for (const [text, why] of bad) assert.throws(() => parseExposition(text), why, text);
});
