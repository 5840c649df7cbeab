// The lines the call tracker monitors and the party directory the call model reads, both from one reading
// of the line store, so an event is classified without a database query.

import type { Line, LineKind } from "../lines/line.ts";
import type { PartyDirectory, PartyKind } from "./party.ts";

/** The fields of a stored line the tracker uses. */
export type TrackedLine = Pick<Line, "number" | "kind" | "deviceNumber" | "enabled">;

/** Line kinds whose devices are monitored: calls ring, wait or pass there. */
const MONITORED_KINDS: ReadonlySet<LineKind> = new Set(["extension", "trunk", "group"]);

/** Numbers whose party is remembered; cleared when full, so a stream of new outside numbers cannot grow it. */
const MEMO_LIMIT = 10_000;

/** One reading of the line store: what to monitor and how to name the parties of events. */
export class LineDirectory implements PartyDirectory {
  readonly #kinds = new Map<string, PartyKind>();
  readonly #byDeviceNumber = new Map<number, string>();
  readonly #monitored: string[] = [];
  readonly #isInternal: (number: string) => boolean;
  readonly #internal = new Map<string, boolean>();

  /**
   * `isInternal` answers for numbers that are no line (the numbering plan's extension ranges); without
   * it, only lines are internal.
   */
  constructor(lines: readonly TrackedLine[], isInternal: (number: string) => boolean = () => false) {
    this.#isInternal = isInternal;
    for (const line of lines) {
      this.#kinds.set(line.number, line.kind === "other" ? "internal" : line.kind);
      if (line.deviceNumber !== null) this.#byDeviceNumber.set(line.deviceNumber, line.number);
      if (line.enabled && MONITORED_KINDS.has(line.kind)) this.#monitored.push(line.number);
    }
  }

  /** Numbers of the enabled extension, trunk and group lines: the devices to monitor. */
  get monitored(): readonly string[] {
    return this.#monitored;
  }

  kindOf(number: string): PartyKind {
    const kind = this.#kinds.get(number);
    if (kind !== undefined) return kind;
    // The numbering plan may read the store; each outside number is asked about once per reading.
    let internal = this.#internal.get(number);
    if (internal === undefined) {
      internal = this.#isInternal(number);
      if (this.#internal.size >= MEMO_LIMIT) this.#internal.clear();
      this.#internal.set(number, internal);
    }
    return internal ? "internal" : "external";
  }

  numberOfDevice(deviceNumber: number): string | undefined {
    return this.#byDeviceNumber.get(deviceNumber);
  }
}
