// The monitor table: one PBX monitor per device, any number of application subscriptions on it, each
// with its own cross-reference ID that stays the same across PBX reconnects (§13 design point 2).

import type { MonitorFilter } from "../csta/monitor_filter.ts";

export type MonitorState =
  /** MonitorStart sent to the PBX, answer pending; later subscribers wait for it. */
  | "starting"
  /** The PBX monitors the device under `pbxXref`. */
  | "active"
  /** The PBX link is down or the PBX refused a re-start; subscribers keep their IDs and wait. */
  | "lost";

export interface Subscription {
  /** The cross-reference ID this application knows; 4 octets, unique on this appliance. */
  readonly appXref: Uint8Array;
  readonly appXrefKey: string;
  readonly sessionId: number;
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
  readonly subscribers: Map<string, Subscription>;
  /** Why the PBX refused the last (re-)start, for status. */
  lastRefusal?: string;
}

export function xrefKey(xref: Uint8Array): string {
  let key = "";
  for (const byte of xref) key += byte.toString(16).padStart(2, "0");
  return key;
}

export class MonitorTable {
  #byDevice = new Map<string, Monitor>();
  #byPbxXref = new Map<string, Monitor>();
  #byAppXref = new Map<string, Subscription>();
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
    return this.#byPbxXref.get(xrefKey(xref));
  }

  subscription(appXref: Uint8Array): Subscription | undefined {
    return this.#byAppXref.get(xrefKey(appXref));
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
    monitor.pbxXrefKey = xrefKey(pbxXref);
    monitor.state = "active";
    monitor.lastRefusal = undefined;
    this.#byPbxXref.set(monitor.pbxXrefKey, monitor);
  }

  /** The PBX side is gone (link loss, PBX MonitorStop); subscriptions stay. */
  markLost(monitor: Monitor, reason?: string): void {
    if (monitor.pbxXrefKey) this.#byPbxXref.delete(monitor.pbxXrefKey);
    monitor.pbxXref = undefined;
    monitor.pbxXrefKey = undefined;
    monitor.state = "lost";
    if (reason) monitor.lastRefusal = reason;
  }

  subscribe(
    monitor: Monitor,
    sessionId: number,
    filter: MonitorFilter,
  ): Subscription {
    const appXref = this.#allocateAppXref();
    const subscription: Subscription = {
      appXref,
      appXrefKey: xrefKey(appXref),
      sessionId,
      monitor,
      filter,
    };
    monitor.subscribers.set(subscription.appXrefKey, subscription);
    this.#byAppXref.set(subscription.appXrefKey, subscription);
    return subscription;
  }

  /** Removes a subscription; returns true when it was the monitor's last one (the monitor is removed). */
  unsubscribe(subscription: Subscription): boolean {
    const { monitor } = subscription;
    monitor.subscribers.delete(subscription.appXrefKey);
    this.#byAppXref.delete(subscription.appXrefKey);
    if (monitor.subscribers.size > 0) return false;
    this.remove(monitor);
    return true;
  }

  /** Drops a monitor and all its subscriptions (the PBX stopped it and nobody is left to tell). */
  remove(monitor: Monitor): void {
    for (const subscription of monitor.subscribers.values()) this.#byAppXref.delete(subscription.appXrefKey);
    monitor.subscribers.clear();
    this.#byDevice.delete(monitor.key);
    if (monitor.pbxXrefKey) this.#byPbxXref.delete(monitor.pbxXrefKey);
  }

  #allocateAppXref(): Uint8Array {
    // 4 octets like a typical PBX crossRef; 2^32 subscriptions before a repeat, and a repeat skips
    // IDs in use.
    for (;;) {
      const value = this.#nextAppXref;
      this.#nextAppXref = value === 0xffffffff ? 1 : value + 1;
      const xref = new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
      if (!this.#byAppXref.has(xrefKey(xref))) return xref;
    }
  }
}
