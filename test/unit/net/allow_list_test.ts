import assert from "node:assert/strict";
import { AllowList, AllowListError, parseIp } from "../../../src/net/allow_list.ts";

Deno.test("an empty allow-list lets anyone connect", () => {
  assert.equal(AllowList.parse([], "smdr.allowedSources").allows("203.0.113.9"), true);
});

Deno.test("single addresses and CIDR ranges admit their peers and no others", () => {
  const list = AllowList.parse(["10.0.0.5", "192.168.1.0/24", "2001:db8::/32", "::1"], "smdr.allowedSources");
  assert.equal(list.allows("10.0.0.5"), true);
  assert.equal(list.allows("10.0.0.6"), false);
  assert.equal(list.allows("192.168.1.200"), true);
  assert.equal(list.allows("192.168.2.1"), false);
  assert.equal(list.allows("2001:db8:1::7"), true);
  assert.equal(list.allows("2001:db9::7"), false);
  assert.equal(list.allows("::1"), true);
  assert.equal(list.allows("not an address"), false);
});

Deno.test("an IPv4-mapped IPv6 peer matches its IPv4 entry", () => {
  assert.equal(AllowList.parse(["10.0.0.0/8"], "smdr.allowedSources").allows("::ffff:10.1.2.3"), true);
  assert.deepEqual(parseIp("::ffff:10.1.2.3"), new Uint8Array([10, 1, 2, 3]));
});

Deno.test("odd prefixes mask the right bits", () => {
  const list = AllowList.parse(["172.16.0.0/12"], "smdr.allowedSources");
  assert.equal(list.allows("172.31.255.255"), true);
  assert.equal(list.allows("172.32.0.0"), false);
  assert.equal(AllowList.parse(["0.0.0.0/0"], "smdr.allowedSources").allows("8.8.8.8"), true);
});

Deno.test("a bad entry is refused with the entry named", () => {
  assert.throws(
    () => AllowList.parse(["10.0.0.5", "collector.local"], "smdr.allowedSources"),
    (error: unknown) => {
      assert.ok(error instanceof AllowListError);
      assert.equal(error.entry, "collector.local");
      assert.match(error.message, /smdr.allowedSources: "collector.local" is not an IP address/);
      return true;
    },
  );
  assert.throws(() => AllowList.parse(["10.0.0.0/33"], "smdr.allowedSources"), /prefix length outside 0..32/);
  assert.throws(() => AllowList.parse(["1:2:3:4:5:6:7:8:9"], "smdr.allowedSources"), AllowListError);
  assert.throws(() => AllowList.parse(["256.1.1.1"], "smdr.allowedSources"), AllowListError);
});

Deno.test("IPv6 text forms parse to the same bytes", () => {
  assert.deepEqual(parseIp("2001:db8:0:0:0:0:0:1"), parseIp("2001:db8::1"));
  assert.deepEqual(parseIp("[fe80::1%eth0]"), parseIp("fe80::1"));
  assert.equal(parseIp("1::2::3"), undefined);
});
