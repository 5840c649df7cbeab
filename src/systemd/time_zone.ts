// Follows the appliance's time zone without a restart: V8 reads the zone once, so after
// `timedatectl set-timezone` (a new /etc/localtime link) cstabox sets TZ, which makes Deno drop its cached
// zone, and local times (SMDR records) use the new one.

import type { Logger } from "../log/logger.ts";

/** The zone name a /etc/localtime link points at (`…/zoneinfo/Europe/Berlin` -> `Europe/Berlin`). */
export function zoneOfLink(target: string): string | undefined {
  const at = target.lastIndexOf("zoneinfo/");
  const zone = at >= 0 ? target.slice(at + "zoneinfo/".length) : "";
  return /^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) ? zone : undefined;
}

export interface TimeZoneFollowerOptions {
  log: Logger;
  /** The link the system's zone is set by; /etc/localtime. */
  localtime?: string;
  /** How often the link is read (it is one readlink). */
  intervalMs?: number;
}

/** Watches /etc/localtime and sets TZ when it points at another zone; an explicit TZ wins and is left. */
export class TimeZoneFollower {
  readonly #log: Logger;
  readonly #localtime: string;
  readonly #intervalMs: number;
  #zone?: string;
  #timer?: ReturnType<typeof setInterval>;

  constructor(options: TimeZoneFollowerOptions) {
    this.#log = options.log;
    this.#localtime = options.localtime ?? "/etc/localtime";
    this.#intervalMs = options.intervalMs ?? 60_000;
  }

  /** The zone the link names now, or undefined (no link, or not a zone path). */
  async #linkedZone(): Promise<string | undefined> {
    try {
      return zoneOfLink(await Deno.readLink(this.#localtime));
    } catch {
      return undefined;
    }
  }

  /** Reads the link once; when the zone changed, sets TZ and returns the new zone. */
  async check(): Promise<string | undefined> {
    const zone = await this.#linkedZone();
    if (zone === undefined || zone === this.#zone) return undefined;
    const previous = this.#zone;
    this.#zone = zone;
    if (previous === undefined) return undefined; // the zone the process started with
    Deno.env.set("TZ", zone);
    this.#log.info("time zone changed; local times (SMDR records) follow it", { from: previous, to: zone });
    return zone;
  }

  async start(): Promise<void> {
    if (Deno.env.get("TZ")) return; // chosen explicitly for this process: not overridden
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
