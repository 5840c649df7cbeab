// Counters and recent latencies of one integration: what it delivered, failed and dropped by kind, and
// the delay from the PBX event to delivery (p50, p99 of the last deliveries), for status and /metrics.

import type { IntegrationKind } from "./integration_kinds.ts";

const WINDOW = 1024;

export class DeliveryStats {
  readonly delivered: Record<IntegrationKind, number> = zero();
  readonly failed: Record<IntegrationKind, number> = zero();
  /** Not delivered and given up: offline for a live kind, the backlog limit for a durable one. */
  readonly dropped: Record<IntegrationKind, number> = zero();
  #latencies = new Float64Array(WINDOW);
  #count = 0;
  /** Sum of every latency (seconds) and their number, for the Prometheus summary. */
  latencySum = 0;
  latencyCount = 0;

  /** A delivery `ms` after its event was made. */
  latency(ms: number): void {
    this.#latencies[this.#count++ % WINDOW] = ms;
    this.latencySum += ms / 1000;
    this.latencyCount++;
  }

  /** The q-quantile (0..1) of the recent latencies in ms, null before the first. */
  quantile(q: number): number | null {
    const n = Math.min(this.#count, WINDOW);
    if (n === 0) return null;
    const sorted = this.#latencies.slice(0, n).sort();
    return sorted[Math.min(n - 1, Math.floor(q * n))];
  }

  snapshot() {
    const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      delivered: { ...this.delivered },
      failed: { ...this.failed },
      dropped: { ...this.dropped },
      latencyMs: { p50: round(this.quantile(0.5)), p99: round(this.quantile(0.99)) },
    };
  }
}

function zero(): Record<IntegrationKind, number> {
  return { lineState: 0, callEvent: 0, callRecord: 0, smdr: 0, link: 0 };
}
