import assert from "node:assert/strict";
import { join } from "node:path";
import { TimeZoneFollower, zoneOfLink } from "../../../src/systemd/time_zone.ts";
import { Logger } from "../../../src/log/logger.ts";

Deno.test("the zone is read from where /etc/localtime points", () => {
  assert.equal(zoneOfLink("/usr/share/zoneinfo/Europe/Berlin"), "Europe/Berlin");
  assert.equal(zoneOfLink("../usr/share/zoneinfo/UTC"), "UTC");
  assert.equal(
    zoneOfLink("/usr/share/zoneinfo/America/Argentina/Buenos_Aires"),
    "America/Argentina/Buenos_Aires",
  );
  assert.equal(zoneOfLink("/etc/some-file"), undefined);
});

Deno.test("a new /etc/localtime link changes local times in this process without a restart, and is logged", async () => {
  const saved = Deno.env.get("TZ");
  const dir = await Deno.makeTempDir();
  const link = join(dir, "localtime");
  await Deno.symlink("/usr/share/zoneinfo/Asia/Tokyo", link);
  const lines: string[] = [];
  const follower = new TimeZoneFollower({
    log: new Logger("t", { format: "json", sink: (l) => lines.push(l) }),
    localtime: link,
  });
  try {
    Deno.env.delete("TZ");
    assert.equal(await follower.check(), undefined, "the zone at start is the process's own");
    await Deno.remove(link);
    await Deno.symlink("/usr/share/zoneinfo/America/New_York", link);
    assert.equal(await follower.check(), "America/New_York");
    // 1970-01-01T00:00Z was 19:00 on 31 December in New York.
    assert.equal(new Date(0).getHours(), 19);
    assert.equal(JSON.parse(lines[0]).to, "America/New_York");
    assert.equal(await follower.check(), undefined, "no change, nothing logged");
    assert.equal(lines.length, 1);
  } finally {
    follower.stop();
    if (saved === undefined) Deno.env.delete("TZ");
    else Deno.env.set("TZ", saved);
  }
});
