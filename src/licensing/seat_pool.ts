// The licence seats: a monitored device takes one licence while at least one application or line of the
// line API holds it, shared by all its holders; the appliance's own call tracking takes none.

import { type Clock, systemClock } from "../clock.ts";
import { deviceWords } from "../csta/device_key.ts";

/**
 * Who holds a device: a remote CSTA `application`, a `line` opened through the line API, or the appliance's
 * own `call-tracking` (SMDR and status), which needs no licence.
 */
export type SeatHolderKind = "application" | "line" | "call-tracking";

/** How many seats may be taken right now, or why none may be. */
export type SeatLimit =
  | { ok: true; lines: number }
  | { ok: false; reason: "trial-ended" | "licence-expired"; message: string };

/** Why a device could not take a licence. */
export type SeatRefusalReason = "no-free-licence" | "trial-ended" | "licence-expired";

export interface SeatRefusal {
  ok: false;
  reason: SeatRefusalReason;
  message: string;
  deviceKey: string;
  holderId: string;
  linesLicensed: number;
  linesInUse: number;
  /** Clock time of the refusal, ms since the epoch. */
  at: number;
}

export type SeatGrant = { ok: true; newSeat: boolean };

/**
 * The CSTA error the multiplexer answers a refused MonitorStart with: UniversalFailure
 * subscribedResourceAvailability [4] / objectMonitorLimitExceeded (2). §12 [C-std]
 */
export const SEAT_REFUSAL_FAILURE = { category: "subscribedResourceAvailability", value: 2 } as const;

/** Seat accounting for one appliance. Synchronous, so the multiplexer can ask on its hot path. */
export class SeatPool {
  /** device key -> holder id -> holder kind */
  #holders = new Map<string, Map<string, SeatHolderKind>>();
  #seated = new Set<string>();

  /**
   * @param limit how many seats may be taken now (asked only when a device needs a new seat)
   * @param clock for the refusal time
   * @param onRefusal told of every refusal (licensing keeps the last one for its status); the caller that
   *   maps the refusal to a CSTA error logs it
   */
  constructor(
    private readonly limit: () => SeatLimit,
    private readonly clock: Clock = systemClock,
    private readonly onRefusal: (refusal: SeatRefusal) => void = () => {},
  ) {}

  /**
   * Records that `holderId` monitors `deviceKey` (the same key for the same device, whoever asks). A device
   * that already holds a seat admits further holders freely; a device needing a new seat gets it only
   * within the limit. Acquiring twice is the same as once.
   */
  acquire(
    deviceKey: string,
    holderId: string,
    kind: SeatHolderKind = "application",
  ): SeatGrant | SeatRefusal {
    const holders = this.#holders.get(deviceKey);
    const needsSeat = kind !== "call-tracking" && !this.#seated.has(deviceKey);
    if (needsSeat) {
      const refusal = this.#refusal(deviceKey, holderId);
      if (refusal) {
        this.onRefusal(refusal);
        return refusal;
      }
      this.#seated.add(deviceKey);
    }
    if (holders) holders.set(holderId, kind);
    else this.#holders.set(deviceKey, new Map([[holderId, kind]]));
    return { ok: true, newSeat: needsSeat };
  }

  /** Drops one holder of a device; the seat is freed when no licensed holder remains. */
  release(deviceKey: string, holderId: string): { released: boolean; seatFreed: boolean } {
    const holders = this.#holders.get(deviceKey);
    if (!holders?.delete(holderId)) return { released: false, seatFreed: false };
    if (holders.size === 0) this.#holders.delete(deviceKey);
    const seatFreed = this.#seated.has(deviceKey) &&
      ![...holders.values()].some((kind) => kind !== "call-tracking");
    if (seatFreed) this.#seated.delete(deviceKey);
    return { released: true, seatFreed };
  }

  /** Drops every hold of one holder (an application disconnected); returns the devices it held. */
  releaseHolder(holderId: string): string[] {
    const devices = [...this.#holders].filter(([, holders]) => holders.has(holderId)).map(([device]) =>
      device
    );
    for (const device of devices) this.release(device, holderId);
    return devices;
  }

  /** Seats taken: devices held by at least one application or line. */
  inUse(): number {
    return this.#seated.size;
  }

  /** The devices holding a seat, with their holders, for the status page. */
  seats(): { deviceKey: string; holders: { id: string; kind: SeatHolderKind }[] }[] {
    return [...this.#seated].sort().map((deviceKey) => ({
      deviceKey,
      holders: [...this.#holders.get(deviceKey)!].map(([id, kind]) => ({ id, kind })),
    }));
  }

  #refusal(deviceKey: string, holderId: string): SeatRefusal | undefined {
    const limit = this.limit();
    const refusal = (reason: SeatRefusalReason, message: string, linesLicensed: number): SeatRefusal => ({
      ok: false,
      reason,
      message,
      deviceKey,
      holderId,
      linesLicensed,
      linesInUse: this.#seated.size,
      at: this.clock.now(),
    });
    if (!limit.ok) return refusal(limit.reason, limit.message, 0);
    if (this.#seated.size >= limit.lines) {
      return refusal(
        "no-free-licence",
        `no free licence for ${deviceWords(deviceKey, "line")}: all ${limit.lines} licensed lines are in use`,
        limit.lines,
      );
    }
    return undefined;
  }
}
