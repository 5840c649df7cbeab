// What the web UI needs from the rest of the appliance, passed in by the composition root (src/app.ts):
// the http layer calls these and never builds a service itself, so tests hand it fakes.

import type { Clock } from "../clock.ts";
import type { OpenLineView } from "../line_api/line_api_service.ts";
import type { DatabaseSync } from "node:sqlite";
import type { CstaUsers } from "../accounts/csta_users.ts";
import type { LoginThrottle } from "../accounts/login_throttle.ts";
import type { WeakCredential } from "../accounts/weak_credential_audit.ts";
import type { ServiceStatus } from "../service.ts";
import type { BackupFile, RestoreOutcome } from "../backup/data_backup.ts";
import type { SettingsAccess } from "../settings/settings_access.ts";
import type { Switchboard } from "../switchboard/switchboard.ts";
import type { RateHistory } from "./live/rate_history.ts";
import type { StatisticsSource } from "./api/statistics_api.ts";
import type { FrameTrace } from "../trace/frame_trace.ts";
import type { PbxProbeReport, PbxProbeTarget } from "../pbx/probe.ts";
import type { ConnectNowOutcome } from "../pbx/pbx_link.ts";

/** The multiplexer's figures as `Switchboard.status()` reports them. */
export type MultiplexerStatus = ReturnType<Switchboard["status"]>;

/** The multiplexer's applications, and ending one of them (`Switchboard` fits). */
export interface MultiplexerControl {
  status(): MultiplexerStatus;
  session(id: number): { port: { close(reason: string): void } } | undefined;
}

/** One call as the live call view shows it; the CallTracker provides these once it is wired. */
export interface LiveCall {
  id: string;
  /** `alerting`, `connected`, `held`, `queued`, … in the tracker's own words. */
  state: string;
  /** The calling party's number (or name when no number is known). */
  from: string;
  /** The called party, after diversions: who the call is with now. */
  to: string;
  /** When the call started (ISO time). */
  startedAt: string;
  /** Lines of this appliance taking part. */
  lines?: string[];
  /** `incoming`, `outgoing` or `internal`. */
  direction?: string;
}

/** The seam for live calls: whatever tracks calls answers this. */
export interface CallsSource {
  activeCalls(): LiveCall[];
}

/** Whole-appliance actions of the System page. */
export interface SystemControl {
  /** Stops and starts one service (`ServiceRegistry.restart`). */
  restartService(name: string): Promise<ServiceStatus>;
  backup(): Promise<BackupFile>;
  restore(archive: Uint8Array): Promise<RestoreOutcome>;
}

export interface WebUiSources {
  /** The store: sessions and API tokens live there, shared by HTTP and HTTPS and kept across restarts. */
  database: () => DatabaseSync;
  settings: SettingsAccess;
  /** Accounts whose password is weak (found by the weak-credential audit), flagged on the dashboard. */
  weakCredentials?: () => WeakCredential[];
  multiplexer: MultiplexerControl;
  cstaUsers: CstaUsers;
  /** Failed web and API logins per address; one instance for both ports. */
  throttle: LoginThrottle;
  system: SystemControl;
  /**
   * Events per second over the last minutes; one instance for both ports, so the chart survives a restart
   * of either (made per app if absent). It samples while a web server that was given `closing` runs.
   */
  rates?: RateHistory;
  /** The figures over hours and days (Statistics page, `/api/statistics`); without it both are absent. */
  statistics?: StatisticsSource;
  /** Live calls; without it the Calls page says that call tracking is not running. */
  calls?: CallsSource;
  /** Lines open through the line API, with who holds them (Lines and Licences pages). */
  openLines?: () => OpenLineView[];
  /** Ends the PBX link's back-off wait (the PBX page's *Connect now*); without it the button is absent. */
  connectPbx?: () => ConnectNowOutcome;
  /** Tests the PBX connection; defaults to a real probe (TCP, AARQ/AARE, release). */
  probePbx?: (target: PbxProbeTarget) => Promise<PbxProbeReport>;
  /** The CSTA trace; without it the Trace page and /api/trace are absent. */
  trace?: FrameTrace;
  /** The appliance's one clock, for sessions, tokens, the audit log, rates and the pages (system when absent). */
  clock?: Clock;
}
