// The line store's side of the PBX link: the automatic first load when the store is empty, keeping in
// step on SwitchingFunctionDevicesChanged (§9), and the administrator's preview and apply.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import type { LineRepository } from "./line_repository.ts";
import {
  applyLineSync,
  type LineSyncOptions,
  type LineSyncPlan,
  type LineSyncResult,
  type OfferedDevice,
  planLineSync,
  type RemovalMode,
} from "./line_sync_plan.ts";
import type { LocationRepository } from "./location_repository.ts";

export type AutoLoadOutcome =
  | { loaded: true; result: LineSyncResult; plan: LineSyncPlan }
  | { loaded: false; reason: "store-not-empty" | "loaded-before" | "nothing-offered" };

/** When the store last synchronised with the PBX, and when it was loaded automatically (once in its life). */
export interface LineSyncState {
  autoLoadedAt: string | null;
  lastSyncAt: string | null;
}

/**
 * The functions the PBX link wiring calls with the devices it queried from the PBX. The query itself
 * (GetSwitchingFunctionDevices or the KME device list) is the link's; this decides what the store does.
 */
export class LineStoreSync {
  constructor(
    private readonly lines: LineRepository,
    private readonly locations: LocationRepository,
    private readonly options: () => LineSyncOptions = () => ({}),
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Whether the wiring should query the PBX for an automatic load at this association: the store is empty
   * and has never been loaded automatically (so an administrator who deleted every line on purpose does
   * not see them come back at the next reconnect; "Query available lines" still loads them).
   */
  wantsAutoLoad(): boolean {
    return this.lines.count() === 0 && this.state().autoLoadedAt === null;
  }

  /** Loads every offered device when `wantsAutoLoad()`; otherwise says why it did nothing. */
  autoLoad(offered: readonly OfferedDevice[]): AutoLoadOutcome {
    if (this.lines.count() > 0) return { loaded: false, reason: "store-not-empty" };
    if (this.state().autoLoadedAt !== null) return { loaded: false, reason: "loaded-before" };
    const plan = this.preview(offered);
    if (plan.add.length === 0) return { loaded: false, reason: "nothing-offered" };
    const result = this.#apply(plan, "flag", true);
    return { loaded: true, result, plan };
  }

  /**
   * SwitchingFunctionDevicesChanged: the PBX's device list changed. New devices are added, changed device
   * numbers, kinds and names are taken, devices gone are only flagged `missingFromPbx`, never deleted.
   */
  onDevicesChanged(offered: readonly OfferedDevice[]): LineSyncResult {
    return this.#apply(this.preview(offered), "flag", false);
  }

  /** What a load of the offered devices would add, change and remove, without changing anything. */
  preview(offered: readonly OfferedDevice[], options: LineSyncOptions = this.options()): LineSyncPlan {
    return planLineSync(this.lines.list(), offered, this.locations.extensionRanges(), options);
  }

  /** The administrator's "Query available lines": plans again from the current store and applies. */
  apply(
    offered: readonly OfferedDevice[],
    removals: RemovalMode,
    options: LineSyncOptions = this.options(),
  ): { plan: LineSyncPlan; result: LineSyncResult } {
    return this.lines.transaction(() => {
      const plan = this.preview(offered, options);
      return { plan, result: this.#apply(plan, removals, false) };
    });
  }

  state(): LineSyncState {
    const row = this.#db.prepare("SELECT auto_loaded_at, last_sync_at FROM line_sync_state WHERE id = 1")
      .get() as { auto_loaded_at: string | null; last_sync_at: string | null } | undefined;
    return { autoLoadedAt: row?.auto_loaded_at ?? null, lastSyncAt: row?.last_sync_at ?? null };
  }

  #apply(plan: LineSyncPlan, removals: RemovalMode, automatic: boolean): LineSyncResult {
    return this.lines.transaction(() => {
      const result = applyLineSync(this.lines, plan, { removals });
      const now = new Date(this.clock.now()).toISOString();
      this.#db.prepare(
        `INSERT INTO line_sync_state (id, auto_loaded_at, last_sync_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_sync_at = excluded.last_sync_at,
           auto_loaded_at = COALESCE(line_sync_state.auto_loaded_at, excluded.auto_loaded_at)`,
      ).run(automatic ? now : null, now);
      return result;
    });
  }

  get #db(): DatabaseSync {
    return this.lines.db;
  }
}
