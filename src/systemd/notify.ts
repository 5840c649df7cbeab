// sd_notify(3) in Deno: readiness, reloading, stopping, status text and the watchdog, sent as datagrams to
// systemd's NOTIFY_SOCKET. Deno sends unix datagrams with Deno.listenDatagram (needs --unstable-net).

/** The messages cstabox sends; systemd reads `KEY=value` lines (sd_notify(3)). */
export type NotifyState =
  | { kind: "ready"; status: string }
  | { kind: "reloading"; status: string }
  | { kind: "stopping"; status: string }
  | { kind: "status"; status: string }
  | { kind: "watchdog" };

/** The text of one notification datagram. */
export function notifyMessage(state: NotifyState): string {
  switch (state.kind) {
    case "ready":
      return `READY=1\nSTATUS=${state.status}\nMAINPID=${Deno.pid}`;
    case "reloading":
      // Type=notify-reload (systemd 253+) also wants MONOTONIC_USEC, which Deno cannot read (no
      // CLOCK_MONOTONIC); the unit is Type=notify, where RELOADING=1 alone is right.
      return `RELOADING=1\nSTATUS=${state.status}`;
    case "stopping":
      return `STOPPING=1\nSTATUS=${state.status}`;
    case "status":
      return `STATUS=${state.status}`;
    case "watchdog":
      return "WATCHDOG=1";
  }
}

/** Where NOTIFY_SOCKET points: a path, or an abstract socket when it starts with `@` (as systemd writes). */
export function notifySocketPath(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.startsWith("@")) return `\0${value.slice(1)}`;
  return value.startsWith("/") ? value : undefined;
}

/** Sends notifications to systemd when it asked for them (NOTIFY_SOCKET set); does nothing otherwise. */
export class SystemdNotifier {
  readonly #target?: string;
  #socket?: Deno.DatagramConn;
  #watchdog?: ReturnType<typeof setInterval>;

  constructor(env: (name: string) => string | undefined = Deno.env.get) {
    this.#target = notifySocketPath(env("NOTIFY_SOCKET"));
    const usec = Number(env("WATCHDOG_USEC") ?? "");
    const pid = env("WATCHDOG_PID");
    this.watchdogIntervalMs = Number.isFinite(usec) && usec > 0 && (!pid || Number(pid) === Deno.pid)
      ? Math.max(100, Math.floor(usec / 2000))
      : undefined;
  }

  /** Half the watchdog timeout systemd set (WatchdogSec=), or undefined when there is none. */
  readonly watchdogIntervalMs?: number;

  /** True when systemd listens (Type=notify). */
  get enabled(): boolean {
    return this.#target !== undefined;
  }

  /** Sends one notification; throws when the socket cannot be used (the caller logs it once). */
  async send(state: NotifyState): Promise<void> {
    if (!this.#target) return;
    if (typeof Deno.listenDatagram !== "function") {
      throw new Error("Deno.listenDatagram is missing: run with --unstable-net to notify systemd");
    }
    // A datagram socket needs a local address to send from: an abstract one leaves no file behind and
    // works under ProtectSystem=strict.
    this.#socket ??= Deno.listenDatagram({
      transport: "unixpacket",
      path: `\0cstabox-notify-${Deno.pid}-${crypto.randomUUID()}`,
    });
    const bytes = new TextEncoder().encode(notifyMessage(state));
    await this.#socket.send(bytes, { transport: "unixpacket", path: this.#target });
  }

  /**
   * Feeds the watchdog at half its timeout while `alive()` holds. It runs on the event loop, so a
   * blocked loop starves it and systemd restarts the service, which is what the watchdog is for.
   */
  startWatchdog(alive: () => boolean, onError: (error: unknown) => void): void {
    if (!this.#target || this.watchdogIntervalMs === undefined || this.#watchdog) return;
    this.#watchdog = setInterval(() => {
      if (alive()) this.send({ kind: "watchdog" }).catch(onError);
    }, this.watchdogIntervalMs);
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#socket?.close();
    this.#socket = undefined;
  }
}
