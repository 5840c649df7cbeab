// Typed views of the service snapshots the pages show: each service reports `details` as a free-form
// record, so the shapes the pages rely on are named here once.

import type { ServiceStatus } from "../../service.ts";
import type { LicenceStatus } from "../../licensing/licensing.ts";
import type { TlsOverview } from "../../tls/cert_store.ts";

export interface PbxLinkDetails {
  state?: "disconnected" | "connecting" | "associating" | "ready";
  since?: string;
  host?: string;
  port?: number;
  lastError?: string | null;
  lastSystemStatusAt?: string | null;
  nextRetryAt?: string | null;
  backoffAttempts?: number;
  requestsInFlight?: number;
  connects?: number;
  reconnects?: number;
  framesIn?: number;
  framesOut?: number;
}

export interface SmdrDetails {
  enabled?: boolean;
  recordsToday?: number;
  backlog?: number;
  lost?: number;
  drops?: number;
  storeProblem?: string;
  local?: {
    listening: string | null;
    collectors: { address: string; port: number; since: string; sent: number; queuedBytes: number }[];
    maxCollectors: number;
  } | null;
  push?: {
    target: string;
    state: string;
    since: string;
    lastError: string | null;
    nextAttemptAt: string | null;
  } | null;
}

export interface ListenerDetails {
  transport?: string;
  connections?: number;
}

export function details<T>(status: ServiceStatus | undefined): T {
  return (status?.details ?? {}) as T;
}

export function licenceOf(status: ServiceStatus | undefined): LicenceStatus | undefined {
  const d = status?.details as Partial<LicenceStatus> | undefined;
  return d && typeof d.mode === "string" ? d as LicenceStatus : undefined;
}

export function tlsOf(status: ServiceStatus | undefined): TlsOverview | undefined {
  const d = status?.details as Partial<TlsOverview> | undefined;
  return d && d.certificate ? d as TlsOverview : undefined;
}

/** How the PBX link state reads to an administrator. */
export function linkWords(state: PbxLinkDetails["state"]): string {
  switch (state) {
    case "ready":
      return "connected";
    case "connecting":
      return "connecting";
    case "associating":
      return "logging in";
    default:
      return "disconnected";
  }
}
