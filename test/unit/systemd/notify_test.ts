import assert from "node:assert/strict";
import { notifySocketPath, SystemdNotifier } from "../../../src/systemd/notify.ts";

// A receiving socket standing in for systemd's NOTIFY_SOCKET (an abstract name: no file to clean up).
function fakeSystemd() {
  const path = `\0cstabox-test-${crypto.randomUUID()}`;
  const socket = Deno.listenDatagram({ transport: "unixpacket", path });
  return {
    env: (extra: Record<string, string> = {}) => (name: string) =>
      ({ NOTIFY_SOCKET: `@${path.slice(1)}`, ...extra } as Record<string, string>)[name],
    async next(): Promise<string> {
      const [bytes] = await socket.receive();
      return new TextDecoder().decode(bytes);
    },
    close: () => socket.close(),
  };
}

Deno.test("readiness reaches NOTIFY_SOCKET as one READY=1 datagram with a status and the main PID", async () => {
  const systemd = fakeSystemd();
  const notifier = new SystemdNotifier(systemd.env());
  try {
    await notifier.send({ kind: "ready", status: "serving 0 applications" });
    const message = await systemd.next();
    assert.deepEqual(message.split("\n"), [
      "READY=1",
      "STATUS=serving 0 applications",
      `MAINPID=${Deno.pid}`,
    ]);
    await notifier.send({ kind: "reloading", status: "reloading settings" });
    assert.equal(await systemd.next(), "RELOADING=1\nSTATUS=reloading settings");
  } finally {
    notifier.close();
    systemd.close();
  }
});

Deno.test("the watchdog is fed at half of WATCHDOG_USEC only while the process says it is alive", async () => {
  const systemd = fakeSystemd();
  const notifier = new SystemdNotifier(
    systemd.env({ WATCHDOG_USEC: "400000", WATCHDOG_PID: String(Deno.pid) }),
  );
  let alive = true;
  try {
    assert.equal(notifier.watchdogIntervalMs, 200);
    notifier.startWatchdog(() => alive, (error) => assert.fail(String(error)));
    assert.equal(await systemd.next(), "WATCHDOG=1");
    alive = false;
    const more = await Promise.race([systemd.next(), new Promise((r) => setTimeout(() => r("none"), 700))]);
    // At most one datagram already on its way when `alive` turned false.
    if (more !== "none") {
      assert.equal(
        await Promise.race([systemd.next(), new Promise((r) => setTimeout(() => r("none"), 700))]),
        "none",
      );
    }
  } finally {
    notifier.close();
    systemd.close();
  }
});

Deno.test("without NOTIFY_SOCKET nothing is sent; a relative or empty socket path is not used", async () => {
  const notifier = new SystemdNotifier(() => undefined);
  assert.equal(notifier.enabled, false);
  await notifier.send({ kind: "ready", status: "x" });
  assert.equal(notifySocketPath(""), undefined);
  assert.equal(notifySocketPath("relative/sock"), undefined);
  assert.equal(notifySocketPath("/run/systemd/notify"), "/run/systemd/notify");
  assert.equal(notifySocketPath("@abstract"), "\0abstract");
});
