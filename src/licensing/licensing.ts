// The licensing service: the trial, the licence keys in force, and the seat pool every monitor of the
// appliance draws from; its status says what is licensed, what is used and why a monitor was refused.

import type { Clock } from "../clock.ts";
import type { Service, ServiceStatus } from "../service.ts";
import {
  licenceExpired,
  licenceExpiresAt,
  type LicenceKeyCheck,
  type LicenceKeyReason,
  type LicenceStatement,
  normaliseLicenceKey,
  readLicenceKey,
} from "./licence_key.ts";
import type { LicenceRepository } from "./licence_repository.ts";
import {
  type SeatGrant,
  type SeatHolderKind,
  type SeatLimit,
  SeatPool,
  type SeatRefusal,
} from "./seat_pool.ts";
import { DAY_MS, TRIAL_LINES, trialState } from "./trial.ts";

/** `trial` without keys in force during the trial; `licensed` with keys in force; `expired` with neither. */
export type LicenceMode = "trial" | "licensed" | "expired";

export interface LicenceInForce {
  id: string;
  customer: string;
  lines: number;
  issued: string;
  expires: string | null;
  addedAt: string;
}

/** A stored key that does not count, and why (expired, or no longer verifies). */
export interface LicenceIgnored {
  id: string;
  reason: LicenceKeyReason;
  message: string;
  customer?: string;
  lines?: number;
  expires?: string | null;
}

export interface LicenceStatus {
  mode: LicenceMode;
  linesLicensed: number;
  linesInUse: number;
  /** Trial: days until it ends. Licensed: days until the first key in force expires, null if none does. */
  daysLeft: number | null;
  trialStartedAt: string;
  trialEndsAt: string;
  keys: LicenceInForce[];
  ignoredKeys: LicenceIgnored[];
  lastRefusal: (Omit<SeatRefusal, "ok" | "at"> & { at: string }) | null;
}

export type AddLicenceKeyResult =
  | { ok: true; licence: LicenceInForce }
  | { ok: false; reason: LicenceKeyReason; message: string };

/** Where key problems (refused or no longer verifying keys) are reported; the appliance log in production. */
export interface LicensingLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface LicensingOptions {
  repository: LicenceRepository;
  /** The verifying key: `vendorPublicKey()` in the appliance, a test key in tests. */
  publicKey: CryptoKey;
  clock: Clock;
  log?: LicensingLog;
}

interface VerifiedKey {
  statement: LicenceStatement;
  text: string;
  addedAt: string;
}

/** Licences and seats. `start()` fixes the trial start (first start only) and verifies the stored keys. */
export class Licensing implements Service<LicenceStatus> {
  readonly name = "licensing";
  #verified = new Map<string, VerifiedKey>();
  #unverifiable: LicenceIgnored[] = [];
  #trialStartedAt = 0;
  #lastRefusal: SeatRefusal | null = null;
  #state: ServiceStatus["state"] = "stopped";
  #since: number;
  readonly #pool: SeatPool;

  constructor(private readonly options: LicensingOptions) {
    this.#since = options.clock.now();
    this.#pool = new SeatPool(() => this.#limit(), options.clock, (refusal) => {
      this.#lastRefusal = refusal;
    });
  }

  async start(): Promise<void> {
    this.#state = "starting";
    this.#trialStartedAt = this.options.repository.trialStartedAt(this.options.clock.now());
    await this.#loadKeys();
    this.#state = "running";
    this.#since = this.options.clock.now();
  }

  stop(): Promise<void> {
    this.#state = "stopped";
    this.#since = this.options.clock.now();
    return Promise.resolve();
  }

  status(): ServiceStatus<LicenceStatus> {
    const details = this.licenceStatus();
    const degraded = this.#state === "running" && details.mode === "expired";
    return {
      state: degraded ? "degraded" : this.#state,
      ...(degraded ? { reason: "no licence in force: the trial has ended and no valid key is entered" } : {}),
      since: new Date(this.#since).toISOString(),
      details,
    };
  }

  /**
   * The seat pool to hand to the Switchboard and the line API. Its refusals show in `licenceStatus()`;
   * whoever turns a refusal into a CSTA error or an API answer logs it.
   */
  get pool(): SeatPool {
    return this.#pool;
  }

  /** Takes a licence for a device unless it holds one already; see `SeatPool.acquire`. */
  acquire(
    deviceKey: string,
    holderId: string,
    kind: SeatHolderKind = "application",
  ): SeatGrant | SeatRefusal {
    return this.#pool.acquire(deviceKey, holderId, kind);
  }

  release(deviceKey: string, holderId: string): { released: boolean; seatFreed: boolean } {
    return this.#pool.release(deviceKey, holderId);
  }

  releaseHolder(holderId: string): string[] {
    return this.#pool.releaseHolder(holderId);
  }

  /** Verifies and stores a key. Refused: malformed, bad signature, bad statement, expired, already entered. */
  async addKey(text: string): Promise<AddLicenceKeyResult> {
    const check = await readLicenceKey(text, this.options.publicKey);
    if (!check.ok) return this.#refuseKey(check);
    const { statement } = check;
    if (licenceExpired(statement, this.options.clock.now())) {
      return this.#refuseKey({
        ok: false,
        reason: "expired",
        message: `the key expired on ${statement.expires}`,
      });
    }
    const addedAt = new Date(this.options.clock.now()).toISOString();
    if (
      this.#verified.has(statement.id) ||
      !this.options.repository.addKey({ id: statement.id, text: check.text, addedAt })
    ) {
      return this.#refuseKey({
        ok: false,
        reason: "duplicate",
        message: `key ${statement.id} is entered already`,
      });
    }
    this.#verified.set(statement.id, { statement, text: check.text, addedAt });
    this.#unverifiable = this.#unverifiable.filter((ignored) => ignored.id !== statement.id);
    return { ok: true, licence: inForce(this.#verified.get(statement.id)!) };
  }

  /** Removes a key by id (in force or ignored); seats already taken stay until released. */
  removeKey(id: string): boolean {
    const removed = this.options.repository.removeKey(id);
    this.#verified.delete(id);
    this.#unverifiable = this.#unverifiable.filter((ignored) => ignored.id !== id);
    return removed;
  }

  /** Whether a key text is already entered (compares normalised text), for the UI's paste field. */
  hasKeyText(text: string): boolean {
    const normalised = normaliseLicenceKey(text);
    return [...this.#verified.values()].some((key) => key.text === normalised);
  }

  /** The seats in use, device by device. */
  seats(): ReturnType<SeatPool["seats"]> {
    return this.#pool.seats();
  }

  licenceStatus(): LicenceStatus {
    const now = this.options.clock.now();
    const { mode, lines, keys, expired, trial } = this.#standing(now);
    const expiries = keys.map((key) => licenceExpiresAt(key.statement)).filter((at) => at !== undefined);
    const daysLeft = mode === "trial"
      ? trial.daysLeft
      : mode === "expired"
      ? 0
      : expiries.length > 0
      ? Math.ceil((Math.min(...expiries) - now) / DAY_MS)
      : null;
    return {
      mode,
      linesLicensed: lines,
      linesInUse: this.#pool.inUse(),
      daysLeft,
      trialStartedAt: new Date(trial.startedAt).toISOString(),
      trialEndsAt: new Date(trial.endsAt).toISOString(),
      keys: keys.map(inForce),
      ignoredKeys: [...expired.map(expiredKey), ...this.#unverifiable],
      lastRefusal: this.#lastRefusal && {
        reason: this.#lastRefusal.reason,
        message: this.#lastRefusal.message,
        deviceKey: this.#lastRefusal.deviceKey,
        holderId: this.#lastRefusal.holderId,
        linesLicensed: this.#lastRefusal.linesLicensed,
        linesInUse: this.#lastRefusal.linesInUse,
        at: new Date(this.#lastRefusal.at).toISOString(),
      },
    };
  }

  /** Mode and licensed lines at `now`: keys in force win; without them the trial counts until it ends. */
  #standing(now: number) {
    const all = [...this.#verified.values()];
    const keys = all.filter((key) => !licenceExpired(key.statement, now));
    const expired = all.filter((key) => licenceExpired(key.statement, now));
    const trial = trialState(this.#trialStartedAt, now);
    const mode: LicenceMode = keys.length > 0 ? "licensed" : trial.ended ? "expired" : "trial";
    const lines = mode === "licensed" ? sumLines(keys) : mode === "trial" ? TRIAL_LINES : 0;
    return { mode, lines, keys, expired, trial };
  }

  #limit(): SeatLimit {
    const { mode, lines } = this.#standing(this.options.clock.now());
    if (mode !== "expired") return { ok: true, lines };
    return this.#verified.size > 0
      ? {
        ok: false,
        reason: "licence-expired",
        message: "every licence key has expired and the trial has ended",
      }
      : { ok: false, reason: "trial-ended", message: "the trial has ended and no licence key is entered" };
  }

  async #loadKeys(): Promise<void> {
    this.#verified.clear();
    this.#unverifiable = [];
    for (const stored of this.options.repository.keys()) {
      const check = await readLicenceKey(stored.text, this.options.publicKey);
      if (check.ok && check.statement.id === stored.id) {
        this.#verified.set(stored.id, {
          statement: check.statement,
          text: check.text,
          addedAt: stored.addedAt,
        });
        continue;
      }
      const problem = check.ok
        ? { reason: "invalid-statement" as const, message: "the stored key does not match its id" }
        : { reason: check.reason, message: check.message };
      this.#unverifiable.push({ id: stored.id, ...problem });
      this.options.log?.warn(`licence key ${stored.id} ignored: ${problem.message}`, {
        reason: problem.reason,
      });
    }
  }

  #refuseKey(check: Extract<LicenceKeyCheck, { ok: false }>): AddLicenceKeyResult {
    this.options.log?.warn(`licence key refused: ${check.message}`, { reason: check.reason });
    return { ok: false, reason: check.reason, message: check.message };
  }
}

function sumLines(keys: readonly VerifiedKey[]): number {
  return keys.reduce((sum, key) => sum + key.statement.lines, 0);
}

function inForce(key: VerifiedKey): LicenceInForce {
  const { id, customer, lines, issued, expires } = key.statement;
  return { id, customer, lines, issued, expires: expires ?? null, addedAt: key.addedAt };
}

function expiredKey(key: VerifiedKey): LicenceIgnored {
  const { id, customer, lines, expires } = key.statement;
  return {
    id,
    reason: "expired",
    message: `expired on ${expires}`,
    customer,
    lines,
    expires: expires ?? null,
  };
}
