// The location and extension-range tables: one location row and the ordered ranges, both validated before
// they are written.

import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "../clock.ts";
import { type ExtensionRange, formatExtensionRanges, parseExtensionRanges } from "./extension_ranges.ts";
import { DEFAULT_LOCATION, type Location, locationSchema } from "./location.ts";
import { inTransaction } from "../store/transaction.ts";

interface LocationRow {
  country_code: string;
  area_code: string;
  local_prefix: string;
  international_access: string;
  national_access: string;
  outside_line_access: string;
  use_location: number;
}

/** What was read from one connection of the store. */
interface ReadFromStore {
  db: DatabaseSync;
  location?: Location;
  ranges?: readonly ExtensionRange[];
}

/**
 * Location and extension ranges as stored; a store that has none yet answers with the defaults. Both are
 * kept in memory once read, for the connection they were read from: call tracking asks for them for every
 * party of every call it reports (two SELECTs, each prepared anew, were 7 % of cstabox's CPU under the
 * multiplexer bench's fan-out, issue 24). Only this repository writes them, and it forgets them when it
 * does; a restored store is another connection.
 */
export class LocationRepository {
  #cached?: ReadFromStore;

  /** `database` is asked for the connection at each use, so the repository can exist before the store opens. */
  constructor(private readonly database: () => DatabaseSync, private readonly clock: Clock = systemClock) {}

  get db(): DatabaseSync {
    return this.database();
  }

  location(): Location {
    const cache = this.#cache();
    cache.location ??= this.#readLocation();
    return { ...cache.location };
  }

  #readLocation(): Location {
    const row = this.db.prepare("SELECT * FROM location WHERE id = 1").get() as LocationRow | undefined;
    if (!row) return { ...DEFAULT_LOCATION };
    return {
      countryCode: row.country_code,
      areaCode: row.area_code,
      localPrefix: row.local_prefix,
      internationalAccess: row.international_access,
      nationalAccess: row.national_access,
      outsideLineAccess: row.outside_line_access,
      useLocation: row.use_location === 1,
    };
  }

  /** Validates with `locationSchema` (throws its `ZodError`) and stores; returns what was stored. */
  saveLocation(input: Location): Location {
    const location = locationSchema.parse(input);
    this.#cached = undefined;
    this.db.prepare(
      `INSERT INTO location (id, country_code, area_code, local_prefix, international_access, national_access,
         outside_line_access, use_location, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET country_code = excluded.country_code, area_code = excluded.area_code,
         local_prefix = excluded.local_prefix, international_access = excluded.international_access,
         national_access = excluded.national_access, outside_line_access = excluded.outside_line_access,
         use_location = excluded.use_location, updated_at = excluded.updated_at`,
    ).run(
      location.countryCode,
      location.areaCode,
      location.localPrefix,
      location.internationalAccess,
      location.nationalAccess,
      location.outsideLineAccess,
      location.useLocation ? 1 : 0,
      new Date(this.clock.now()).toISOString(),
    );
    return location;
  }

  extensionRanges(): ExtensionRange[] {
    const cache = this.#cache();
    cache.ranges ??= this.db.prepare("SELECT first, last FROM extension_range ORDER BY position")
      .all().map((row) => ({ first: String(row.first), last: String(row.last) }));
    return cache.ranges.map((range) => ({ ...range }));
  }

  /** Parses (throws `ExtensionRangeError`) and replaces the stored ranges; returns them. */
  saveExtensionRanges(text: string): ExtensionRange[] {
    const ranges = parseExtensionRanges(text);
    this.#cached = undefined;
    inTransaction(this.db, () => {
      this.db.exec("DELETE FROM extension_range");
      const insert = this.db.prepare("INSERT INTO extension_range (position, first, last) VALUES (?, ?, ?)");
      ranges.forEach((range, position) => insert.run(position, range.first, range.last));
    });
    return ranges;
  }

  /** What was read from the current connection (nothing yet for a new one). */
  #cache(): ReadFromStore {
    const db = this.db;
    if (this.#cached?.db !== db) this.#cached = { db };
    return this.#cached;
  }

  /** The ranges in their text form, e.g. `100-199, 200-249`. */
  extensionRangesText(): string {
    return formatExtensionRanges(this.extensionRanges());
  }
}
