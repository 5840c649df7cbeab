// One open line: its monitor, its calls, and who holds it open (API clients, each by a lease it renews
// and by the event WebSockets subscribed to it). The line closes itself when nobody holds it.

import type { LineCalls } from "./line_calls.ts";

/** Who opened a line: an API token, a web session or a Basic user, named for the Lines page and logs. */
export interface LineClient {
  /** `token:<id>`, `session:<id>` or `user:<name>`. */
  id: string;
  /** `token "crm"`, `user admin`. */
  label: string;
}

/** One client's hold on an open line. */
export interface LineHolder {
  client: LineClient;
  openedAt: number;
  /** The lease runs out at this monotonic time unless renewed (lineOpen again, any request on the line). */
  leaseUntil: number;
}

/** The monitor of an open line: working, lost to a PBX refusal or switch-initiated stop, or link down. */
export type MonitorState = "monitored" | "retrying" | "linkDown";

export class OpenLine {
  readonly holders = new Map<string, LineHolder>();
  crossRef?: Uint8Array;
  monitor: MonitorState = "monitored";
  /** Why the monitor is not working, and when it is tried again (monotonic ms). */
  problem?: { reason: string; retryAt: number };
  doNotDisturb?: boolean;

  constructor(readonly number: string, readonly calls: LineCalls, readonly openedAt: string) {}

  /** Adds a holder or renews its lease. */
  hold(client: LineClient, now: number, leaseMs: number): LineHolder {
    const holder = this.holders.get(client.id);
    if (holder) {
      holder.leaseUntil = Math.max(holder.leaseUntil, now + leaseMs);
      return holder;
    }
    const fresh: LineHolder = { client, openedAt: now, leaseUntil: now + leaseMs };
    this.holders.set(client.id, fresh);
    return fresh;
  }

  /** Holders whose lease ran out and who hold no event WebSocket subscribed to the line. */
  expired(now: number, sockets: (clientId: string, line: string) => number): LineHolder[] {
    return [...this.holders.values()].filter((h) =>
      h.leaseUntil <= now && sockets(h.client.id, this.number) === 0
    );
  }
}
