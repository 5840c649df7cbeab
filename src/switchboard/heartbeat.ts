// The multiplexer as a service: its SystemStatus heartbeat to applications at the PBX's rhythm (clients
// written for a Panasonic PBX take minutes without one as a dead link), and its health: degraded, with
// the devices and reasons, while monitors that applications hold are lost.

import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { SystemStatusValue } from "../csta/system_services.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { deviceWords } from "../csta/device_key.ts";
import type { LostMonitor } from "./monitors.ts";

export interface HeartbeatSettings {
  /** Seconds between heartbeats; 0 = none (SystemStatus only at association and on change). */
  systemStatusSeconds: number;
  /** Unanswered SystemStatus invokes after which an application is disconnected; 0 = never. */
  systemStatusMisses: number;
}

/** The part of the Switchboard the heartbeat drives. */
export interface HeartbeatBoard {
  heartbeat(misses: number): number[];
  systemStatus(): SystemStatusValue;
  lostMonitors(): LostMonitor[];
}

export interface MultiplexerHeartbeatOptions {
  switchboard: HeartbeatBoard;
  settings: () => HeartbeatSettings;
  clock?: Clock;
}

/** What the multiplexer service reports in its status `details`; the pages import this type. */
export interface MultiplexerDetails {
  /** What applications are told now (§9 values). */
  systemStatus: SystemStatusValue;
  heartbeatSeconds: number;
  heartbeatMisses: number;
  lastHeartbeatAt: string | null;
  heartbeats: number;
  closedForMissedHeartbeats: number;
  /** Monitors applications hold that the PBX does not carry, by device, with the reason. */
  lostMonitors: LostMonitor[];
}

/** With the heartbeat off, the settings are looked at again this often (a change then takes effect). */
const IDLE_RECHECK_MS = 60_000;

export class MultiplexerHeartbeat implements Service<MultiplexerDetails> {
  readonly name = "multiplexer";
  #options: MultiplexerHeartbeatOptions;
  #clock: Clock;
  #lifecycle = new Lifecycle();
  #timer?: TimerHandle;
  #lastAt?: number;
  #heartbeats = 0;
  #closed = 0;

  constructor(options: MultiplexerHeartbeatOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  start(): Promise<void> {
    this.#lifecycle.set("running");
    this.#arm();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lifecycle.set("stopped");
    return Promise.resolve();
  }

  status(): ServiceStatus<MultiplexerDetails> {
    const settings = this.#options.settings();
    const lost = this.#options.switchboard.lostMonitors();
    const snapshot = this.#lifecycle.snapshot<MultiplexerDetails>({
      details: {
        systemStatus: this.#options.switchboard.systemStatus(),
        heartbeatSeconds: settings.systemStatusSeconds,
        heartbeatMisses: settings.systemStatusMisses,
        lastHeartbeatAt: this.#lastAt === undefined ? null : new Date(this.#lastAt).toISOString(),
        heartbeats: this.#heartbeats,
        closedForMissedHeartbeats: this.#closed,
        lostMonitors: lost,
      },
    });
    if (snapshot.state !== "running" || lost.length === 0) return snapshot;
    return { ...snapshot, state: "degraded", reason: describeLost(lost) };
  }

  #arm(): void {
    const seconds = this.#options.settings().systemStatusSeconds;
    this.#timer = this.#clock.setTimeout(() => this.#beat(), seconds > 0 ? seconds * 1000 : IDLE_RECHECK_MS);
  }

  #beat(): void {
    const settings = this.#options.settings();
    if (settings.systemStatusSeconds > 0) {
      this.#closed += this.#options.switchboard.heartbeat(settings.systemStatusMisses).length;
      this.#heartbeats++;
      this.#lastAt = this.#clock.now();
    }
    this.#arm();
  }
}

/** `2 monitors lost: 101 (the PBX did not answer in time), 102 (…)`, the first five by device. */
export function describeLost(lost: readonly LostMonitor[]): string {
  const shown = lost.slice(0, 5).map((m) => `${deviceWords(m.device)} (${m.reason})`).join(", ");
  const more = lost.length > 5 ? ` and ${lost.length - 5} more` : "";
  return `${lost.length} monitor${lost.length === 1 ? "" : "s"} lost: ${shown}${more}`;
}
