// The contract every long-running part of cstabox keeps, so the composition root can start, stop and
// report on it without knowing what it is.

/** The lifecycle state a service reports in `/healthz` and `/api/status`. */
export type ServiceState = "stopped" | "starting" | "running" | "degraded" | "failed" | "stopping";

/** One listening socket a service opened, reported in the start-up lines and status. */
export interface ListenerInfo {
  /** Short protocol name printed in `cstabox listening <name> <host>:<port>`, e.g. `http`, `csta-tls`. */
  name: string;
  hostname: string;
  port: number;
}

/** A service's snapshot for status pages: its state, why it is not running, and its own details. */
export interface ServiceStatus {
  state: ServiceState;
  /** Plain-words reason when the state is `failed` or `degraded`. */
  reason?: string;
  since: string;
  listeners?: ListenerInfo[];
  details?: Record<string, unknown>;
}

export interface Service {
  /** Unique, stable name used as the key in status (`http`, `store`, `pbx-link`, …). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ServiceStatus;
}
