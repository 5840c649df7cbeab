// What /healthz, /api/status and the status pages read: version, start time, mode and every service's
// snapshot, plus live figures of parts that are not services (the multiplexer).

import type { CallTrackerDetails } from "../calls/call_tracker.ts";
import type { LineSyncDetails } from "../lines/line_sync.ts";
import type { LicenceStatus } from "../licensing/licensing.ts";
import type { PbxLinkDetails } from "../pbx/pbx_link.ts";
import type { MultiplexerDetails } from "../switchboard/heartbeat.ts";
import type { CstaListenerDetails } from "../server/csta_listener.ts";
import type { ServiceStatus } from "../service.ts";
import type { SimulatorDetails } from "../sim/sim_service.ts";
import type { SmdrDetails } from "../smdr/smdr_service.ts";
import type { StoreDetails } from "../store/store_service.ts";
import type { TlsOverview } from "../tls/cert_store.ts";
import type { HttpDetails } from "./http_service.ts";
import type { HttpsDetails } from "./https_service.ts";

/**
 * Every service's snapshot by its name, each typed by the details its service exports: the one seam
 * between the services and the pages, so a page that reads a field the service does not report (or in
 * another shape) does not compile. A name is absent when that service is not installed.
 */
export interface ServiceStatuses {
  [name: string]: ServiceStatus | undefined;
  store?: ServiceStatus<StoreDetails>;
  licensing?: ServiceStatus<LicenceStatus>;
  tls?: ServiceStatus<TlsOverview>;
  simulator?: ServiceStatus<SimulatorDetails>;
  "pbx-link"?: ServiceStatus<PbxLinkDetails>;
  "csta-tcp"?: ServiceStatus<CstaListenerDetails>;
  "csta-tls"?: ServiceStatus<CstaListenerDetails>;
  "line-sync"?: ServiceStatus<LineSyncDetails>;
  smdr?: ServiceStatus<SmdrDetails>;
  "call-tracker"?: ServiceStatus<CallTrackerDetails>;
  multiplexer?: ServiceStatus<MultiplexerDetails>;
  http?: ServiceStatus<HttpDetails>;
  https?: ServiceStatus<HttpsDetails>;
}

export interface StatusSource {
  version: string;
  startedAt: string;
  /** `demo` when the PBX is the built-in simulator. */
  mode: () => "pbx" | "demo";
  services: () => ServiceStatuses;
  /** The last refusal of an edited settings file, if the running settings are older than the file. */
  settingsProblem: () => string | undefined;
  /** Live figures of parts that are not services themselves (the multiplexer's applications, monitors). */
  sections?: () => Record<string, unknown>;
}

/** The installed services' snapshots by name, for views that treat every service alike. */
export function installedServices(statuses: ServiceStatuses): [string, ServiceStatus][] {
  return Object.entries(statuses).filter((entry): entry is [string, ServiceStatus] => entry[1] !== undefined);
}
