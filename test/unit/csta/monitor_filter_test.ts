import assert from "node:assert/strict";
import fc from "fast-check";
import { bitStringOf } from "../../../src/csta/bit_string.ts";
import { decodeValue, implicit } from "../../../src/csta/codec.ts";
import {
  filterSuppresses,
  type MonitorFilter,
  monitorFilter,
  MonitorFilterBits,
  monitorFilterSuppressing,
} from "../../../src/csta/monitor_filter.ts";
import { bytesHex, hexBytes } from "../../fixtures/protocol_examples.ts";
import * as arb from "./arbitraries.ts";

const requestedFilter = implicit(0, monitorFilter);

Deno.test("a set bit suppresses its event and the filter bit is not the event tag (§8.1)", () => {
  const filter = monitorFilterSuppressing(["delivered"]);
  // delivered is bit 3 of callControl (event tag [4]): 80 02 04 10
  assert.equal(bytesHex(requestedFilter.encode(filter)), "A0 04 80 02 04 10");
  assert.equal(filterSuppresses(filter, "delivered"), true);
  assert.equal(filterSuppresses(filter, "diverted"), false, "bit 4 is diverted, not delivered");
  assert.equal(filterSuppresses(filter, "established"), false);
});

Deno.test("the empty filter A0 00 suppresses nothing", () => {
  const filter = decodeValue(requestedFilter, hexBytes("A0 00"));
  assert.deepEqual(filter, {});
  for (const category of Object.values(MonitorFilterBits)) {
    for (const event of Object.keys(category)) assert.equal(filterSuppresses(filter, event), false, event);
  }
  assert.equal(filterSuppresses(filter, "notAnEvent"), false);
});

Deno.test("every named event sets exactly its own bit in its own category field", () => {
  for (const category of Object.values(MonitorFilterBits)) {
    for (const event of Object.keys(category) as (keyof typeof category)[]) {
      const filter = monitorFilterSuppressing([event]);
      const bytes = requestedFilter.encode(filter);
      const decoded = decodeValue(requestedFilter, bytes);
      for (const other of Object.values(MonitorFilterBits).flatMap((c) => Object.keys(c))) {
        assert.equal(filterSuppresses(decoded, other), other === event, `${event} vs ${other}`);
      }
    }
  }
});

Deno.test("logical device events use field [9] and maintenance [3], fields in declaration order", () => {
  const filter = monitorFilterSuppressing(["forwarding", "doNotDisturb", "outOfService", "callCleared"]);
  assert.equal(bytesHex(requestedFilter.encode(filter)), "A0 0D 80 02 07 80 89 03 03 00 18 83 02 06 40");
});

Deno.test("fields sent in tag order are accepted", () => {
  const filter = decodeValue(requestedFilter, hexBytes("A0 0D 80 02 04 10 83 02 06 40 89 03 03 00 08"));
  assert.equal(filterSuppresses(filter, "delivered"), true);
  assert.equal(filterSuppresses(filter, "outOfService"), true);
  assert.equal(filterSuppresses(filter, "forwarding"), true);
});

Deno.test("MonitorFilter round-trips for generated bit strings in every category", () => {
  const categories = Object.keys(MonitorFilterBits) as (keyof typeof MonitorFilterBits)[];
  const filterArb = fc.record(
    Object.fromEntries(categories.map((c) => [c, arb.bitString])) as Record<string, fc.Arbitrary<unknown>>,
    { requiredKeys: [], noNullPrototype: true },
  ) as fc.Arbitrary<MonitorFilter>;
  fc.assert(fc.property(filterArb, (filter) => {
    assert.deepEqual(decodeValue(requestedFilter, requestedFilter.encode(filter)), filter);
  }));
});

Deno.test("voice unit bits are set by number", () => {
  const filter: MonitorFilter = { voiceUnit: bitStringOf([2]) };
  assert.equal(bytesHex(monitorFilter.encode(filter)), "30 04 85 02 05 20");
});
