// What /healthz, /api/status and the status pages read: version, start time, mode and every service's
// snapshot, plus live figures of parts that are not services (the multiplexer).

import type { ServiceStatus } from "../service.ts";

export interface StatusSource {
  version: string;
  startedAt: string;
  /** `demo` when the PBX is the built-in simulator. */
  mode: () => "pbx" | "demo";
  services: () => Record<string, ServiceStatus>;
  /** The last refusal of an edited settings file, if the running settings are older than the file. */
  settingsProblem: () => string | undefined;
  /** Live figures of parts that are not services themselves (the multiplexer's applications, monitors). */
  sections?: () => Record<string, unknown>;
}
