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

/**
 * A service's snapshot for status pages: its state, why it is not running, and its own details, typed by
 * the service (`D`) so that every page and API that shows them is held by the compiler to what it reports.
 */
export interface ServiceStatus<D = unknown> {
  state: ServiceState;
  /** Plain-words reason when the state is `failed` or `degraded`. */
  reason?: string;
  since: string;
  listeners?: ListenerInfo[];
  /** Absent when the service never ran (the registry reports a failed start without them). */
  details?: D;
}

export interface Service<D = unknown> {
  /** Unique, stable name used as the key in status (`http`, `store`, `pbx-link`, …). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): ServiceStatus<D>;
}
