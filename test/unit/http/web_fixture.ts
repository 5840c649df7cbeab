// A web app with every UI source, over a temporary store and settings file, and fakes for the
// multiplexer and the system actions; plus a browser-like client that logs in and keeps its cookie.

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { CstaUsers } from "../../../src/accounts/csta_users.ts";
import { LoginThrottle } from "../../../src/accounts/login_throttle.ts";
import { type PasswordCheckLimits, PasswordChecks } from "../../../src/accounts/password_checks.ts";
import { WebUsers } from "../../../src/accounts/web_users.ts";
import { ManualClock } from "../../../src/clock.ts";
import { createHttpApp } from "../../../src/http/app.ts";
import type { RequestEnv } from "../../../src/http/context.ts";
import { RateHistory } from "../../../src/http/live/rate_history.ts";
import type { BackupFile, RestoreOutcome } from "../../../src/backup/data_backup.ts";
import type {
  CallsSource,
  MultiplexerStatus,
  SystemControl,
  WebUiSources,
} from "../../../src/http/web_ui_sources.ts";
import type { ApiServices } from "../../../src/http/api/api_table.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { NumberRuleBook } from "../../../src/lines/number_rule_book.ts";
import { NumberRuleRepository } from "../../../src/lines/number_rule_repository.ts";
import { NumberingPlan } from "../../../src/lines/numbering_plan.ts";
import { LineStoreSync } from "../../../src/lines/line_store_sync.ts";
import type { OfferedDevice } from "../../../src/lines/line_sync_plan.ts";
import { isDiskFull } from "../../../src/log/error_text.ts";
import { Logger } from "../../../src/log/logger.ts";
import type { ServiceStatus } from "../../../src/service.ts";
import type { ServiceStatuses } from "../../../src/http/status_source.ts";
import type { WeakCredentialAudit } from "../../../src/accounts/weak_credential_audit.ts";
import { LiveSettings } from "../../../src/settings/live_settings.ts";
import { openDatabase } from "../../../src/store/database.ts";
import type { Upstream } from "../../../src/pbx/upstream.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { Switchboard } from "../../../src/switchboard/switchboard.ts";
import { readCharts } from "../../../src/statistics/statistic_charts.ts";
import { StatisticsStore } from "../../../src/statistics/statistics_store.ts";
import { loopbackEnv } from "../../support/api_call.ts";

/** The request env of a browser on the appliance itself (one definition, in test/support/api_call.ts). */
export const loopback: RequestEnv = loopbackEnv;
export const PROVISIONED = "provisioned-pw";
export const NEW_PASSWORD = "a much better password";
const since = "2026-01-01T00:00:00.000Z";

/** The status of a real, empty Switchboard: the exact shape the pages read, whatever it grows. */
export function emptyMultiplexer(): MultiplexerStatus {
  const upstream: Upstream = {
    ready: true,
    request: () => Promise.resolve({ kind: "linkDown" }),
    send: () => false,
  };
  return new Switchboard({
    upstream,
    log: new Logger("t", { sink: () => {} }),
    directory: new DeviceDirectory(),
    limits: () => ({
      ctiApplications: 10,
      requestsInFlightPerApplication: 10,
      malformedFramesBeforeClose: 10,
    }),
  }).status();
}

export class FakeMultiplexer {
  state: MultiplexerStatus = emptyMultiplexer();
  closed: { id: number; reason: string }[] = [];
  status(): MultiplexerStatus {
    return this.state;
  }
  session(id: number) {
    if (!this.state.applications.some((a) => a.id === id)) return undefined;
    return {
      port: {
        close: (reason: string) => {
          this.closed.push({ id, reason });
          this.state.applications = this.state.applications.filter((a) => a.id !== id);
        },
      },
    };
  }
  addApplication(id: number, remote: string, transport: "tcp" | "tls" = "tcp"): void {
    this.state.applications.push({
      id,
      transport,
      remote,
      user: transport === "tls" ? "admin" : null,
      connectedAt: since,
      monitors: 2,
      requestsInFlight: 0,
      queuedBytes: 0,
      requests: 5,
      eventsSent: 10,
      eventsFiltered: 0,
      rejected: 0,
      malformed: 0,
      owns: [],
    });
  }
}

export class FakeSystem implements SystemControl {
  restarted: string[] = [];
  restores: Uint8Array[] = [];
  restoreOutcome: RestoreOutcome = { ok: false, reasons: ["not a cstabox backup"] };
  restartService(name: string): Promise<ServiceStatus> {
    this.restarted.push(name);
    return Promise.resolve({ state: "running", since });
  }
  backup(): Promise<BackupFile> {
    return Promise.resolve({
      filename: "cstabox-backup-test.tar.gz",
      bytes: new Uint8Array([0x1f, 0x8b, 1, 2]),
    });
  }
  restore(archive: Uint8Array): Promise<RestoreOutcome> {
    this.restores.push(archive);
    return Promise.resolve(this.restoreOutcome);
  }
}

export interface WebFixture {
  app: ReturnType<typeof createHttpApp>;
  db: DatabaseSync;
  dir: string;
  users: WebUsers;
  cstaUsers: CstaUsers;
  multiplexer: FakeMultiplexer;
  system: FakeSystem;
  settings: LiveSettings;
  services: ServiceStatuses;
  log: Logger;
  rates: RateHistory;
  clock: ManualClock;
  mode: "pbx" | "demo";
  /** The weak-credential audit the dashboard reads, when a test sets one. */
  weakCredentials: { current?: WeakCredentialAudit };
  /** Writes the store refused, as the app told the store of them. */
  storeErrors: unknown[];
  close(): Promise<void>;
}

export interface FixtureOptions {
  calls?: CallsSource;
  /** Extra API sub-apps; the line, location and number-rule APIs over the fixture's store are always there. */
  services?: Parameters<typeof createHttpApp>[0]["services"];
  loginAttemptsPerMinute?: number;
  /** Password checks at once and waiting (the defaults when absent). */
  passwordChecks?: PasswordCheckLimits;
  /** Largest restore upload (the appliance's default when absent). */
  maxRestoreBytes?: number;
  /** What the PBX offers when the lines API asks it for its devices; without it the PBX cannot be asked. */
  pbxDevices?: () => Promise<OfferedDevice[]>;
  /** The CSTA trace the Trace page and /api/trace use; none when absent. */
  trace?: WebUiSources["trace"];
  /** The PBX page's *Connect now*; absent without it. */
  connectPbx?: WebUiSources["connectPbx"];
}

export async function webFixture(options: FixtureOptions = {}): Promise<WebFixture> {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-web-" });
  const db = openDatabase(join(dir, "t.db"));
  const checks = options.passwordChecks;
  const users = new WebUsers(() => db, 1000, new PasswordChecks(checks && (() => checks)));
  await users.ensureAdmin(PROVISIONED);
  const cstaUsers = new CstaUsers(() => db, 1000);
  await cstaUsers.ensureDefault("admin");
  const log = new Logger("test", {
    sink: (l) => Deno.env.get("WEB_LOG") && console.error(l),
    level: "debug",
  });
  const settings = await LiveSettings.open(join(dir, "cstabox.yaml"), {}, log.child("settings"));
  const multiplexer = new FakeMultiplexer();
  const system = new FakeSystem();
  const clock = new ManualClock(Date.parse("2026-03-01T12:00:00Z"));
  const services: ServiceStatuses = {
    store: { state: "running", since },
    "pbx-link": {
      state: "running",
      since,
      details: {
        state: "ready",
        since,
        host: "10.0.0.5",
        port: 33333,
        lastError: null,
        lastSystemStatusAt: null,
        nextRetryAt: null,
        backoffAttempts: 0,
        requestsInFlight: 0,
        connects: 2,
        reconnects: 1,
        framesIn: 0,
        framesOut: 0,
        requests: 0,
        timeouts: 0,
        lateAnswers: 0,
        lateAnswersAwaited: 0,
        systemStatusReceived: 0,
      },
    },
    "csta-tcp": {
      state: "running",
      since,
      listeners: [{ name: "csta-tcp", hostname: "0.0.0.0", port: 33333 }],
      details: {
        transport: "tcp",
        connections: 0,
        accepted: 0,
        loginFailed: 0,
        refused: 0,
        droppedSlow: 0,
        closedMalformed: 0,
        closedIncompleteFrame: 0,
        refusedSource: 0,
        loginRequired: false,
        allowedSources: [],
      },
    },
  };
  const rates = new RateHistory({ sample: () => ({ eventsIn: 3, eventsOut: 6 }), clock });
  const fixture: WebFixture = {
    db,
    dir,
    users,
    cstaUsers,
    multiplexer,
    system,
    settings,
    services,
    log,
    rates,
    clock,
    mode: "pbx",
    weakCredentials: {},
    storeErrors: [],
    app: undefined as unknown as ReturnType<typeof createHttpApp>,
    async close() {
      rates.stop();
      db.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  const ui: WebUiSources = {
    database: () => db,
    settings,
    weakCredentials: () => fixture.weakCredentials.current?.findings() ?? [],
    multiplexer,
    cstaUsers,
    throttle: new LoginThrottle(() => options.loginAttemptsPerMinute ?? 10, clock),
    system,
    rates,
    statistics: { charts: () => readCharts(new StatisticsStore(() => db), clock.now()) },
    calls: options.calls,
    trace: options.trace,
    connectPbx: options.connectPbx,
    clock,
    probePbx: (target) =>
      Promise.resolve({
        ok: false,
        target: `${target.host}:${target.port}`,
        summary: "probed (fake)",
        steps: [],
      }),
  };
  fixture.app = createHttpApp({
    log,
    users,
    status: {
      version: "9.9.9",
      startedAt: since,
      mode: () => fixture.mode,
      services: () => services,
      settingsProblem: () => settings.lastError()?.message,
      sections: () => ({ multiplexer: multiplexer.status() }),
    },
    services: { ...storeServices(db, options.pbxDevices), ...options.services },
    ui,
    maxRestoreBytes: options.maxRestoreBytes,
    store: {
      noteWriteError: (error) => {
        fixture.storeErrors.push(error);
        return isDiskFull(error);
      },
      writeProblem: () => undefined,
    },
  });
  return fixture;
}

/** The line, location and number-rule services over a store, as the composition root gives them. */
function storeServices(db: DatabaseSync, queryPbxDevices?: FixtureOptions["pbxDevices"]): ApiServices {
  const lines = new LineRepository(() => db);
  const locations = new LocationRepository(() => db);
  return {
    lines: { lines, sync: new LineStoreSync(lines, locations), queryPbxDevices },
    location: { locations, numbering: new NumberingPlan(locations, lines) },
    numberRules: { rules: new NumberRuleBook(new NumberRuleRepository(() => db)) },
  };
}

/** A browser-like client: keeps the session cookie, reads the CSRF token from pages, follows nothing. */
export class Browser {
  cookie = "";
  csrf = "";
  constructor(readonly app: WebFixture["app"], readonly env: RequestEnv = loopback) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set("cookie", this.cookie);
    const res = await this.app.request(path, { ...init, headers }, this.env);
    const set = res.headers.get("set-cookie");
    if (set) {
      const pair = set.split(";")[0];
      this.cookie = pair.endsWith("=") ? "" : pair;
    }
    return res;
  }

  async page(path: string): Promise<{ res: Response; html: string }> {
    const res = await this.request(path);
    const html = await res.text();
    const token = /name="csrf-token" content="([^"]+)"/.exec(html);
    if (token) this.csrf = token[1];
    return { res, html };
  }

  /** Posts a form as a browser does (same origin), with the CSRF token unless `csrf: false`. */
  async post(
    path: string,
    fields: Record<string, string>,
    options: { csrf?: boolean } = {},
  ): Promise<Response> {
    const body = new URLSearchParams(fields);
    if (options.csrf !== false && this.csrf) body.set("_csrf", this.csrf);
    return await this.request(path, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
    });
  }

  /** Logs in with the provisioned password and changes it, as the first administrator visit does. */
  async loginAndChangePassword(): Promise<void> {
    let res = await this.post("/login", { user: "admin", password: PROVISIONED, next: "/" }, { csrf: false });
    if (res.headers.get("location") !== "/password") {
      throw new Error(`login went to ${res.headers.get("location")}`);
    }
    await this.page("/password");
    res = await this.post("/password", {
      current: PROVISIONED,
      password: NEW_PASSWORD,
      repeat: NEW_PASSWORD,
    });
    if (res.status !== 303) throw new Error(`password change answered ${res.status}: ${await res.text()}`);
    await this.page("/");
  }
}

/** A fixture and a browser that has logged in and changed the provisioned password. */
export async function signedIn(options: FixtureOptions = {}): Promise<{ f: WebFixture; b: Browser }> {
  const f = await webFixture(options);
  const b = new Browser(f.app);
  await b.loginAndChangePassword();
  return { f, b };
}

/** Posts a multipart form with one file in `field`, as a browser uploads, with the CSRF token. */
export async function uploadFile(
  b: Browser,
  path: string,
  field: string,
  file: File,
  fields: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  form.set("_csrf", b.csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set(field, file);
  return await b.request(path, { method: "POST", body: form, headers: { "sec-fetch-site": "same-origin" } });
}
