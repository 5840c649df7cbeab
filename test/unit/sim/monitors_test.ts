import assert from "node:assert/strict";
import { monitorFilterSuppressing } from "../../../src/csta/monitor_filter.ts";
import { MonitorTable } from "../../../src/sim/monitors.ts";

Deno.test("crossRefs are 4 octets and keep counting after the table is cleared for a new association", () => {
  const table = new MonitorTable();
  const first = table.start("101");
  assert.ok(first.ok);
  assert.deepEqual([...first.value.crossRef], [0, 0, 0, 1]);
  table.clear();
  const second = table.start("101");
  assert.ok(second.ok);
  assert.deepEqual([...second.value.crossRef], [0, 0, 0, 2]);
  assert.equal(table.size, 1);
});

Deno.test("reporting applies each monitor's filter; dropping a device removes its monitors", () => {
  const table = new MonitorTable({ duplicate: "allow" });
  table.start("101", monitorFilterSuppressing(["held", "retrieved"]));
  table.start("101");
  assert.equal(table.reporting("101", "held").length, 1);
  assert.equal(table.reporting("101", "delivered").length, 2);
  assert.equal(table.reporting("102", "delivered").length, 0);
  assert.equal(table.dropDevice("101").length, 2);
  assert.equal(table.size, 0);
});
