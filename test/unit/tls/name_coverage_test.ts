import assert from "node:assert/strict";
import fc from "fast-check";
import {
  fqdnFromHosts,
  namesToCover,
  selfSignedNames,
  usableAddresses,
} from "../../../src/tls/appliance_names.ts";
import { canonicalIp } from "../../../src/tls/general_names.ts";
import { dnsNameMatches, nameCoverage } from "../../../src/tls/name_coverage.ts";

Deno.test("canonicalIp spells every form of one IPv6 address the same and rejects non-addresses", () => {
  assert.equal(canonicalIp("::1"), "0:0:0:0:0:0:0:1");
  assert.equal(canonicalIp("0:0:0:0:0:0:0:1"), "0:0:0:0:0:0:0:1");
  assert.equal(canonicalIp("2001:DB8::0:1"), "2001:db8:0:0:0:0:0:1");
  assert.equal(canonicalIp("::ffff:192.0.2.1"), "0:0:0:0:0:ffff:c000:201");
  assert.equal(canonicalIp("fe80::1%eth0"), "fe80:0:0:0:0:0:0:1");
  assert.equal(canonicalIp("192.168.001.010"), "192.168.1.10");
  for (const bad of ["256.1.1.1", "1.2.3", "box.example.com", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9"]) {
    assert.equal(canonicalIp(bad), undefined, bad);
  }
});

Deno.test("canonicalIp agrees for compressed and full spellings of random IPv6 addresses", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
      const full = groups.map((g) => g.toString(16).padStart(4, "0")).join(":");
      const expected = groups.map((g) => g.toString(16)).join(":");
      assert.equal(canonicalIp(full), expected);
      // Compress the longest run of zero groups, as RFC 5952 writes it.
      let best = { at: -1, length: 0 };
      for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && groups[j] === 0) j++;
        if (j - i > best.length) best = { at: i, length: j - i };
      }
      if (best.length >= 2) {
        const hexes = groups.map((g) => g.toString(16));
        const short = `${hexes.slice(0, best.at).join(":")}::${hexes.slice(best.at + best.length).join(":")}`;
        assert.equal(canonicalIp(short), expected, short);
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("dnsNameMatches lets a wildcard stand for exactly one left-most label", () => {
  assert.equal(dnsNameMatches("*.example.com", "box.example.com"), true);
  assert.equal(dnsNameMatches("*.EXAMPLE.com", "Box.example.COM."), true);
  assert.equal(dnsNameMatches("*.example.com", "example.com"), false);
  assert.equal(dnsNameMatches("*.example.com", "a.box.example.com"), false);
  assert.equal(dnsNameMatches("box.example.com", "box.example.com"), true);
  assert.equal(dnsNameMatches("box.example.com", "box2.example.com"), false);
});

Deno.test("nameCoverage matches DNS names against dns entries and addresses against ip entries only", () => {
  const sans = [
    { type: "dns" as const, value: "*.example.com" },
    { type: "ip" as const, value: "0:0:0:0:0:0:0:1" },
    { type: "dns" as const, value: "10.0.0.1" },
  ];
  assert.deepEqual(nameCoverage(sans, ["box.example.com", "::1", "10.0.0.1", "cstabox"]), [
    { name: "box.example.com", covered: true, by: "*.example.com" },
    { name: "::1", covered: true, by: "0:0:0:0:0:0:0:1" },
    { name: "10.0.0.1", covered: false },
    { name: "cstabox", covered: false },
  ]);
});

Deno.test("fqdnFromHosts finds the dotted name of the host as `hostname -f` does", () => {
  const hosts = [
    "127.0.0.1 localhost",
    "# 10.0.0.9 cstabox.old.example cstabox",
    "127.0.1.1 cstabox.pbx.example.com cstabox",
    "10.0.0.2 other.example.com other",
  ].join("\n");
  assert.equal(fqdnFromHosts(hosts, "cstabox"), "cstabox.pbx.example.com");
  assert.equal(fqdnFromHosts(hosts, "other"), "other.example.com");
  assert.equal(fqdnFromHosts(hosts, "missing"), undefined);
});

Deno.test("the names to cover leave out loopback and link-local; the self-signed names add them back", () => {
  const names = {
    hostname: "cstabox",
    fqdn: "cstabox.example.com",
    addresses: usableAddresses(["127.0.0.1", "192.168.1.20", "::1", "fe80::1", "2001:db8::20"]),
    configured: ["pbx-cti.example.com", "cstabox"],
  };
  assert.deepEqual(names.addresses, ["192.168.1.20", "2001:db8::20"]);
  assert.deepEqual(namesToCover(names), [
    "cstabox.example.com",
    "cstabox",
    "pbx-cti.example.com",
    "192.168.1.20",
    "2001:db8::20",
  ]);
  assert.deepEqual(selfSignedNames(names), {
    dns: ["cstabox.example.com", "cstabox", "pbx-cti.example.com", "localhost"],
    ips: ["192.168.1.20", "2001:db8::20", "127.0.0.1", "::1"],
  });
});
