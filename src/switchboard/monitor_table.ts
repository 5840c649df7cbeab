// The monitor table: one PBX monitor per device, any number of application subscriptions on it, each
// with its own cross-reference ID that stays the same across PBX reconnects (§13 design point 2).

import type { MonitorFilter } from "../csta/monitor_filter.ts";
import { APP_XREF_MAX, readAppXref } from "./app_xref.ts";
import type { Session } from "./session.ts";

export type MonitorState =
  /** MonitorStart sent to the PBX, answer pending; later subscribers wait for it. */
  | "starting"
  /** The PBX monitors the device under `pbxXref`. */
  | "active"
  /** The PBX link is down or the PBX refused a re-start; subscribers keep their IDs and wait. */
  | "lost";

export interface Subscription {
  /** The cross-reference ID this application knows, unique on this appliance (octets: `appXrefOctets`). */
  readonly appXref: number;
  /** The subscriber, held directly: the fan-out visits it for every copy (a lookup by ID cost each one). */
  readonly session: Session;
  readonly monitor: Monitor;
  /** What the application asked to suppress; events it suppresses are not sent to it. */
  filter: MonitorFilter;
}

export interface Monitor {
  readonly key: string;
  /** The DeviceID element (`30 …`) used to start the monitor in the PBX, again after a reconnect. */
  readonly deviceElement: Uint8Array;
  state: MonitorState;
  pbxXref?: Uint8Array;
  pbxXrefKey?: string;
  /** Keyed by application crossRef. */
  readonly subscribers: Map<number, Subscription>;
  /** Why the PBX refused the last (re-)start, for status. */
  lastRefusal?: string;
  /** When the monitor was lost (ms since the epoch), until it is active again. */
  lostSince?: number;
}

export class MonitorTable {
  #byDevice = new Map<string, Monitor>();
  #byPbxXref = new Map<string, Monitor>();
  #byAppXref = new Map<number, Subscription>();
  #nextAppXref = 1;

  get size(): number {
    return this.#byDevice.size;
  }

  monitors(): IterableIterator<Monitor> {
    return this.#byDevice.values();
  }

  byDevice(key: string): Monitor | undefined {
    return this.#byDevice.get(key);
  }

  byPbxXref(xref: Uint8Array): Monitor | undefined {
    return this.#byPbxXref.get(xref.toHex());
  }

  /** The subscription an application names by the crossRef octets it was given. */
  subscription(appXrefOctets: Uint8Array): Subscription | undefined {
    const appXref = readAppXref(appXrefOctets);
    return appXref === undefined ? undefined : this.#byAppXref.get(appXref);
  }

  /** The monitor for a device, created in state `starting` when there is none. */
  monitorFor(key: string, deviceElement: Uint8Array): { monitor: Monitor; created: boolean } {
    const existing = this.#byDevice.get(key);
    if (existing) return { monitor: existing, created: false };
    const monitor: Monitor = { key, deviceElement, state: "starting", subscribers: new Map() };
    this.#byDevice.set(key, monitor);
    return { monitor, created: true };
  }

  /** Records the PBX's cross-reference ID of a (re-)started monitor. */
  activate(monitor: Monitor, pbxXref: Uint8Array): void {
    if (monitor.pbxXrefKey) this.#byPbxXref.delete(monitor.pbxXrefKey);
    monitor.pbxXref = pbxXref.slice();
    monitor.pbxXrefKey = pbxXref.toHex();
    monitor.state = "active";
    monitor.lastRefusal = undefined;
    monitor.lostSince = undefined;
    this.#byPbxXref.set(monitor.pbxXrefKey, monitor);
  }

  /** The PBX side is gone (link loss, a failed re-start) since `at`; subscriptions stay. */
  markLost(monitor: Monitor, reason: string, at: number): void {
    if (monitor.pbxXrefKey) this.#byPbxXref.delete(monitor.pbxXrefKey);
    monitor.pbxXref = undefined;
    monitor.pbxXrefKey = undefined;
    monitor.state = "lost";
    monitor.lastRefusal = reason;
    monitor.lostSince ??= at;
  }

  subscribe(
    monitor: Monitor,
    session: Session,
    filter: MonitorFilter,
  ): Subscription {
    const subscription: Subscription = { appXref: this.#allocateAppXref(), session, monitor, filter };
    monitor.subscribers.set(subscription.appXref, subscription);
    this.#byAppXref.set(subscription.appXref, subscription);
    return subscription;
  }

  /**
   * Removes a subscription; returns true when it was the monitor's last one. The monitor then goes too,
   * unless `keepMonitor` (starts are waiting for it).
   */
  unsubscribe(subscription: Subscription, keepMonitor = false): boolean {
    const { monitor } = subscription;
    monitor.subscribers.delete(subscription.appXref);
    this.#byAppXref.delete(subscription.appXref);
    if (monitor.subscribers.size > 0) return false;
    if (!keepMonitor) this.remove(monitor);
    return true;
  }

  /** Drops a monitor and all its subscriptions (the PBX stopped it and nobody is left to tell). */
  remove(monitor: Monitor): void {
    for (const subscription of monitor.subscribers.values()) this.#byAppXref.delete(subscription.appXref);
    monitor.subscribers.clear();
    this.#byDevice.delete(monitor.key);
    if (monitor.pbxXrefKey) this.#byPbxXref.delete(monitor.pbxXrefKey);
  }

  #allocateAppXref(): number {
    // 2^32 - 1 subscriptions before a repeat, and a repeat skips IDs in use.
    for (;;) {
      const value = this.#nextAppXref;
      this.#nextAppXref = value === APP_XREF_MAX ? 1 : value + 1;
      if (!this.#byAppXref.has(value)) return value;
    }
  }
}
