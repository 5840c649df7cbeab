// The composition root: builds every service from the settings, wires them together, starts them in
// order and stops them in reverse. Nothing else in cstabox constructs services.

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import denoJson from "../deno.json" with { type: "json" };
import { CstaUsers } from "./accounts/csta_users.ts";
import { WeakCredentialAudit } from "./accounts/weak_credential_audit.ts";
import { consoleBanner, type FirstPassword, firstPassword } from "./accounts/first_boot.ts";
import { LoginThrottle } from "./accounts/login_throttle.ts";
import { PasswordChecks } from "./accounts/password_checks.ts";
import { WebUsers } from "./accounts/web_users.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { QueueBudget } from "./server/queue_budget.ts";
import { CallStore } from "./calls/call_store.ts";
import { CallTracker } from "./calls/call_tracker.ts";
import { reportedParty } from "./calls/call_event.ts";
import { isOutsideParty, type Party } from "./calls/party.ts";
import { createHttpApp } from "./http/app.ts";
import { RateHistory } from "./http/live/rate_history.ts";
import { DataBackup } from "./backup/data_backup.ts";
import { HttpService } from "./http/http_service.ts";
import { HttpsService } from "./http/https_service.ts";
import { IntegrationFeed } from "./integrations/integration_feed.ts";
import { OutboxCommits } from "./integrations/outbox_commits.ts";
import { MqttPublisher } from "./integrations/mqtt/mqtt_publisher.ts";
import { WebhookDispatcher } from "./integrations/webhooks/webhook_dispatcher.ts";
import { collectMetrics } from "./integrations/metrics/cstabox_metrics.ts";
import { EventLoopDelay } from "./integrations/metrics/event_loop_delay.ts";
import { renderExposition } from "./integrations/metrics/exposition.ts";
import { WebhookRepository } from "./integrations/webhooks/webhook_repository.ts";
import { LicenceRepository } from "./licensing/licence_repository.ts";
import { Licensing } from "./licensing/licensing.ts";
import { vendorPublicKey } from "./licensing/vendor_public_key.ts";
import { sharedWriteBuffers } from "./net/buffer_pool.ts";
import { LineRepository } from "./lines/line_repository.ts";
import { LocationRepository } from "./lines/location_repository.ts";
import { NumberRuleBook } from "./lines/number_rule_book.ts";
import { NumberRuleRepository } from "./lines/number_rule_repository.ts";
import { NumberingPlan } from "./lines/numbering_plan.ts";
import { LineSync } from "./lines/line_sync.ts";
import { LineStoreSync } from "./lines/line_store_sync.ts";
import { TimeZoneFollower } from "./systemd/time_zone.ts";
import { type LogFormat, Logger, type LogLevel } from "./log/logger.ts";
import { PbxLink } from "./pbx/pbx_link.ts";
import { FrameTrace } from "./trace/frame_trace.ts";
import { CstaListener, type CstaListenerDetails } from "./server/csta_listener.ts";
import { AllowList } from "./net/allow_list.ts";
import type { ListenerInfo } from "./service.ts";
import type { ServiceStatuses } from "./http/status_source.ts";
import { ServiceRegistry } from "./service_registry.ts";
import { errorText } from "./log/error_text.ts";
import { listenTcp } from "./net/listen_error.ts";
import { LiveSettings, type SettingsOverrides } from "./settings/live_settings.ts";
import { demoPlanOptions, type SectionName, type Settings } from "./settings/schema.ts";
import { SimulatorService } from "./sim/sim_service.ts";
import { SmdrService } from "./smdr/smdr_service.ts";
import { GroupCommit } from "./store/group_commit.ts";
import { StoreService, StoreUnavailableError } from "./store/store_service.ts";
import { syncWal } from "./store/wal_sync.ts";
import { DeviceDirectory } from "./switchboard/device_directory.ts";
import { MultiplexerHeartbeat } from "./switchboard/heartbeat.ts";
import { Switchboard } from "./switchboard/switchboard.ts";
import { pbxLinkEventsFor } from "./switchboard/pbx_link_events.ts";
import { CertStore } from "./tls/cert_store.ts";
import { HotSwapTlsListener } from "./tls/tls_listener.ts";
import { writeFileAtomic } from "./fs/atomic_file.ts";
import { LineDirectory } from "./calls/line_directory.ts";
import { lineCaller } from "./http/api/line_api_rights.ts";
import { LineEventHub } from "./http/api/line_events_socket.ts";
import { TokenLineScopes } from "./http/auth/token_line_scopes.ts";
import { LineApiService } from "./line_api/line_api_service.ts";
import { LineOperations } from "./line_api/line_operations.ts";
import { LinePartners } from "./line_api/line_partners.ts";
import { StatisticsRecorder } from "./statistics/statistics_recorder.ts";
import { StatisticsStore } from "./statistics/statistics_store.ts";

export const version: string = denoJson.version;

export interface AppOptions {
  dataDir: string;
  /** Settings file; defaults to `<dataDir>/cstabox.yaml`. */
  configFile?: string;
  /** Values from command-line flags; they win over the file. */
  overrides?: SettingsOverrides;
  /**
   * Password for the admin web user on first start (when the account does not exist yet); else the
   * systemd credential `admin-password`, else a generated one printed once.
   */
  adminPassword?: string;
  /** The same for the CSTA user `admin` (credential `csta-admin-password`). */
  cstaAdminPassword?: string;
  /** Console login banner (e.g. /var/lib/cstabox/console.issue, linked from /etc/issue.d): URL and first passwords. */
  issueFile?: string;
  /** Overrides the settings' log level/format (from flags); also used before settings are read. */
  log?: { level?: LogLevel; format?: LogFormat; sink?: (line: string) => void };
  /** Receives `cstabox listening …`, `cstabox failed …` and `cstabox ready`; stdout by default. */
  announce?: (line: string) => void;
}

/** Which services restart when a settings section changes. */
const restartOn: Partial<Record<SectionName, string[]>> = {
  web: ["http", "https"],
  pbx: ["pbx-link"],
  cstaServer: ["csta-tcp", "csta-tls"],
  mqtt: ["mqtt"],
};

export class App {
  readonly log: Logger;
  readonly settings: LiveSettings;
  readonly registry: ServiceRegistry;
  /** The one clock of the appliance's own timers and timestamps (declared first: `startedAt` reads it). */
  readonly #clock: Clock = systemClock;
  readonly startedAt = new Date(this.#clock.now()).toISOString();
  readonly switchboard: Switchboard;
  readonly pbxLink: PbxLink;
  /** The CSTA trace, off until started (System > Trace, /api/trace). */
  readonly trace: FrameTrace;
  readonly smdr: SmdrService;
  readonly calls: CallTracker;
  readonly integrations: IntegrationFeed;
  readonly #outboxCommits: OutboxCommits;
  readonly mqtt: MqttPublisher;
  readonly webhooks: WebhookDispatcher;
  /** The line API: lines opened over HTTP and WebSocket. */
  readonly lineApi: LineApiService;
  readonly #eventLoop = new EventLoopDelay();
  /** Weak passwords already in place, for the dashboard; checked at start and each minute after. */
  #weakCredentials!: WeakCredentialAudit;
  #weakCredentialTimer?: TimerHandle;
  /** The simulated PBX in demo mode. */
  readonly simulator?: SimulatorService;
  readonly #announce: (line: string) => void;
  readonly #listeners: ListenerInfo[] = [];
  readonly #queueBudget: QueueBudget;
  readonly #options: AppOptions;
  /** Passwords generated at this start, shown once on stdout and on the console banner. */
  readonly #generated: { account: string; password: string }[] = [];
  /** SMDR's local times follow a change of /etc/localtime without a restart. */
  readonly #timeZone: TimeZoneFollower;
  /** How the web admin logs in for the first time, when this start created the account. */
  #firstLogin?: string;
  #webUsers?: WebUsers;

  private constructor(options: AppOptions, log: Logger, settings: LiveSettings, licenceKey: CryptoKey) {
    this.#options = options;
    this.log = log;
    this.#timeZone = new TimeZoneFollower({ log: log.child("time-zone") });
    this.settings = settings;
    this.#announce = options.announce ?? ((line) => console.log(line));
    this.registry = new ServiceRegistry(log.child("services"));
    const current = () => settings.current();

    // ---- store and what lives in it --------------------------------------------------------------
    const store = new StoreService(join(options.dataDir, "cstabox.db"), (db) => this.#provision(db));
    const database = () => store.db;
    // One queue for every password check (web, API, CSTA): a login flood waits or is refused as busy.
    const passwordChecks = new PasswordChecks(() => ({
      atOnce: current().limits.passwordChecksAtOnce,
      waiting: current().limits.passwordChecksWaiting,
    }));
    const webUsers = new WebUsers(database, undefined, passwordChecks);
    this.#webUsers = webUsers;
    const cstaUsers = new CstaUsers(database, undefined, passwordChecks);
    this.#weakCredentials = new WeakCredentialAudit({ cstaUsers, webUsers });
    const lines = new LineRepository(database);
    const locations = new LocationRepository(database);
    const numbering = new NumberingPlan(locations, lines);
    const rules = new NumberRuleBook(new NumberRuleRepository(database));
    const lineSync = new LineStoreSync(lines, locations);
    const licensing = new Licensing({
      repository: new LicenceRepository(database),
      publicKey: licenceKey,
      clock: this.#clock,
      log: log.child("licensing"),
    });
    const certificates = new CertStore({
      dataDir: options.dataDir,
      configuredNames: current().tls.names,
      warningDays: current().tls.expiryWarningDays,
      log: log.child("tls"),
    });

    // ---- the CSTA multiplexer --------------------------------------------------------------------
    // Demo mode: the built-in simulated PBX on loopback, with light random traffic, is the PBX.
    // A simulator that cannot be built from the demo settings fails alone, with the reason, like a taken
    // port; the settings schema refuses such values at save already.
    let simulator: SimulatorService | undefined;
    let simulatorProblem: string | undefined;
    if (this.mode() === "demo") {
      try {
        simulator = new SimulatorService({
          hostname: "127.0.0.1",
          port: 0,
          plan: demoPlanOptions(current().demo),
          traffic: current().demo.trafficCallsPerMinute > 0
            ? { callsPerMinute: current().demo.trafficCallsPerMinute }
            : undefined,
          logger: log.child("simulator"),
        });
      } catch (error) {
        simulatorProblem = `the simulated PBX cannot be built from the demo settings: ${errorText(error)}`;
      }
    }
    this.simulator = simulator;
    // Read at each connect: a PBX configured later takes over from the simulator when the link restarts.
    const pbxAddress = () =>
      simulator && this.mode() === "demo"
        ? { host: simulator.hostname, port: simulator.port }
        : { host: current().pbx.host, port: current().pbx.port };
    const directory = new DeviceDirectory();
    // The CSTA trace (System > Trace): off until an administrator starts one.
    const trace = new FrameTrace(systemClock, () => current().trace);
    this.trace = trace;
    // The link and the Switchboard call each other; the link's events only fire after start(), when
    // this.switchboard is set.
    this.pbxLink = new PbxLink({
      log: log.child("pbx-link"),
      trace,
      settings: () => ({ ...current().pbx, ...pbxAddress(), maxFrameBytes: current().limits.maxFrameBytes }),
      events: pbxLinkEventsFor(() => this.switchboard),
    });
    const switchboard = new Switchboard({
      upstream: this.pbxLink,
      log: log.child("switchboard"),
      directory,
      seats: licensing.pool,
      limits: () => ({
        ctiApplications: current().limits.ctiApplications,
        requestsInFlightPerApplication: current().limits.requestsInFlightPerApplication,
        malformedFramesBeforeClose: current().limits.malformedFramesBeforeClose,
      }),
      monitorRetry: () => {
        const { monitorRetrySeconds, monitorRetryMaxSeconds } = current().pbx;
        return {
          minMs: monitorRetrySeconds * 1000,
          maxMs: Math.max(monitorRetrySeconds, monitorRetryMaxSeconds) * 1000,
        };
      },
    });
    this.switchboard = switchboard;
    this.#queueBudget = new QueueBudget({
      clock: this.#clock,
      budget: () => current().limits.totalOutboundQueueBytes,
      shed: (budget) => switchboard.shedQueuedBytes(budget),
    });
    const throttle = new LoginThrottle(() => current().limits.loginAttemptsPerMinute, this.#clock);
    const listenerCommon = {
      switchboard,
      users: cstaUsers,
      throttle,
      log: log.child("csta-server"),
      limits: () => current().limits,
      onListen: (listener: ListenerInfo) => this.#listening(listener),
      trace,
    };
    let cstaTls: HotSwapTlsListener | undefined;
    certificates.onChange((pair) =>
      cstaTls?.setCertificate({ certPem: pair.fullChainPem, keyPem: pair.keyPem })
    );

    // HTTP first: /healthz answers while the other services start (and until they have stopped), so a
    // restart (a package upgrade) is down only for the process start, not for every service's start.
    this.registry.add(
      new HttpService({
        log: log.child("http"),
        address: () => ({ hostname: current().web.bind, port: current().web.httpPort }),
        onListen: (listener) => this.#listening(listener),
        // Built at start, once everything below exists.
        app: (closing) => webApp(closing),
      }),
    );
    this.registry.add(store);
    this.registry.add(licensing, { dependsOn: ["store"] });
    this.registry.add(certificates);
    if (simulator) this.registry.add(simulator);
    if (simulatorProblem) this.registry.addUnavailable("simulator", simulatorProblem);
    this.registry.add(this.pbxLink, this.mode() === "demo" ? { dependsOn: ["simulator"] } : {});
    this.registry.add(
      new MultiplexerHeartbeat({
        switchboard,
        settings: () => ({
          systemStatusSeconds: current().cstaServer.systemStatusSeconds,
          systemStatusMisses: current().cstaServer.systemStatusMisses,
        }),
      }),
    );
    this.registry.add(
      new CstaListener({
        ...listenerCommon,
        name: "csta-tcp",
        transport: "tcp",
        listen: () => listenTcp(current().cstaServer.bind, current().cstaServer.tcpPort),
        loginRequired: () => current().cstaServer.tcpLoginRequired,
        allowedSources: () =>
          AllowList.parse(current().cstaServer.tcpAllowedSources, "cstaServer.tcpAllowedSources"),
      }),
      { dependsOn: ["store"] },
    );
    this.registry.add(
      new CstaListener({
        ...listenerCommon,
        name: "csta-tls",
        transport: "tls",
        listen: async () => {
          const pair = certificates.current();
          cstaTls = await HotSwapTlsListener.listen({
            hostname: current().cstaServer.bind,
            port: current().cstaServer.tlsPort,
            certPem: pair.fullChainPem,
            keyPem: pair.keyPem,
          });
          return cstaTls;
        },
        loginRequired: () => true,
      }),
      { dependsOn: ["store", "tls"] },
    );

    const deviceSync = new LineSync({ switchboard, directory, lineSync, log: log.child("line-sync") });
    this.registry.add(deviceSync, { dependsOn: ["store"] });

    // ---- SMDR ---------------------------------------------------------------------------------------
    // SMDR records and the trunk calls they are about commit together every smdr.commitIntervalMs, each
    // record sent only once committed and on the disk: one fsync per interval, on another thread.
    // SMDR's group commit and the integrations' outbox commits flush the store's log off the event loop.
    const flushStoreLog = () => syncWal(store.path);
    const smdrCommits = new GroupCommit({
      db: database,
      intervalMs: () => current().smdr.commitIntervalMs,
      syncLog: flushStoreLog,
      clock: this.#clock,
      log: log.child("smdr"),
    });
    const smdr = new SmdrService({
      commits: smdrCommits,
      settings: () => current().smdr,
      db: database,
      log: log.child("smdr"),
      store,
      rewriteNumber: (list, number) => rules.apply(list, number),
      drainTimeoutMs: current().limits.drainTimeoutSeconds * 1000,
      onListen: (listener) => this.#listening(listener),
    });
    this.smdr = smdr;
    this.registry.add(smdr, { dependsOn: ["store"] });
    // Every interface reports a party the same way: the incoming or outgoing rules for the outside party of
    // an inbound or outbound call, and the canonical form from the location (src/calls/party_numbers.ts).
    const partyNumbering = { rules, plan: numbering };
    const formatParty = (party: Party, direction: "IN" | "OUT" | "internal") =>
      reportedParty(
        partyNumbering,
        !isOutsideParty(party) || direction === "internal"
          ? null
          : direction === "IN"
          ? "incoming"
          : "outgoing",
        party,
      );
    // Call tracking for SMDR and the live call view: an in-process session, no licence seat.
    const calls = new CallTracker({
      switchboard,
      smdr,
      lines: () => lines.list(),
      isInternal: (number) => numbering.isInternal(number),
      outsideLineAccess: () => locations.location().outsideLineAccess,
      formatParty,
      lostMonitors: () => switchboard.lostMonitors(),
      store: new CallStore(database, {
        group: smdrCommits,
        onError: (error) =>
          log.child("call-tracker").error(
            "calls in progress not stored (a restart would not continue them)",
            {
              error,
            },
          ),
      }),
      log: log.child("call-tracker"),
    });
    this.calls = calls;
    this.registry.add(calls, { dependsOn: ["store", "smdr"] });

    // ---- integrations: MQTT, webhooks ---------------------------------------------------------------
    const integrationsLog = log.child("integrations");
    const outboxCommits = new OutboxCommits({
      db: () => store.db,
      syncIntervalMs: () => current().integrations.syncIntervalMs,
      syncLog: flushStoreLog,
      laterMs: () => current().integrations.commitIntervalMs,
      onSyncFailed: (error) =>
        integrationsLog.warn("the outboxes' last commits could not be flushed to the disk", {
          error: errorText(error),
        }),
      clock: this.#clock,
    });
    const feed = new IntegrationFeed({
      calls,
      smdr,
      linkState: () => this.pbxLink.state,
      isLine: (number) => {
        try {
          return lines.has(number);
        } catch {
          return false; // the store is closed: no line filter can match
        }
      },
      durably: (work) => outboxCommits.commit(work),
      commitIntervalMs: () => current().integrations.commitIntervalMs,
      formatParty: (party, origin) =>
        formatParty(party, origin === "inbound" ? "IN" : origin === "outbound" ? "OUT" : "internal"),
      log: log.child("integrations"),
    });
    this.integrations = feed;
    this.#outboxCommits = outboxCommits;
    this.mqtt = new MqttPublisher({
      settings: () => current().mqtt,
      boxName: Deno.hostname(),
      version,
      feed,
      db: database,
      writes: outboxCommits,
      lines: () =>
        lines.list().filter((line) => line.enabled && line.kind === "extension").map((line) => ({
          number: line.number,
          name: line.name,
        })),
      log: log.child("mqtt"),
    });
    this.registry.add(this.mqtt, { dependsOn: ["store"] });
    const webhookRepository = new WebhookRepository(database);
    this.webhooks = new WebhookDispatcher({
      settings: () => current().webhooks,
      writes: outboxCommits,
      repository: webhookRepository,
      feed,
      log: log.child("webhooks"),
      userAgent: `cstabox/${version}`,
    });
    this.registry.add(this.webhooks, { dependsOn: ["store"] });
    // ---- the line API ------------------------------------------------------------------------------
    // Another in-process session: its monitors take licence seats of kind `line`, shared per device with
    // CSTA applications.
    const partners = new LinePartners(database);
    const lineApi = new LineApiService({
      switchboard,
      line: (number) => lines.get(number),
      partnerOf: (line) => partners.get(line.number),
      directory: () => new LineDirectory(lines.list(), (number) => numbering.isInternal(number)),
      numbering: { rules, plan: numbering },
      settings: () => current().lineApi,
      lastSeatRefusal: () => licensing.licenceStatus().lastRefusal,
      log: log.child("line-api"),
    });
    this.lineApi = lineApi;
    this.registry.add(lineApi, { dependsOn: ["store", "licensing"] });
    const lineOperations = new LineOperations(lineApi, { rules, plan: numbering });
    const tokenScopes = new TokenLineScopes(database);
    const caller = lineCaller(tokenScopes);
    const eventHub = new LineEventHub({
      service: lineApi,
      caller,
      limits: () => ({
        maxQueuedBytes: current().limits.outboundQueueBytes,
        drainTimeoutMs: current().limits.drainTimeoutSeconds * 1000,
        maxSockets: current().lineApi.eventSockets,
      }),
      log: log.child("line-events"),
    });

    // ---- web ----------------------------------------------------------------------------------------
    // One of each for both ports: failed web logins per address, the event-rate history, backup/restore.
    const webThrottle = new LoginThrottle(() => current().limits.loginAttemptsPerMinute, this.#clock);
    const rates = new RateHistory({
      sample: () => {
        const s = switchboard.status();
        return { eventsIn: s.eventsInPerSecond, eventsOut: s.eventsOutPerSecond };
      },
      clock: this.#clock,
    });
    // The figures behind the Statistics page's charts, once a minute into the store.
    const statistics = new StatisticsRecorder({
      store: new StatisticsStore(database),
      clock: this.#clock,
      log: log.child("statistics"),
      sample: () => {
        const link = this.pbxLink.status().details!;
        return {
          eventsIn: switchboard.status().eventsReceived,
          callsFinished: (calls.status().details as { callRecords: number } | undefined)?.callRecords ?? 0,
          smdrRecords: smdr.outbox.lastPosition(),
          linkUp: link.state === "ready",
          linkConnects: link.connects,
          rssBytes: Deno.memoryUsage().rss,
        };
      },
    });
    this.registry.add(statistics, { dependsOn: ["store"] });
    const system = new DataBackup({
      settings,
      store,
      version,
      restartService: (name) => this.registry.restart(name),
      // What keeps store data in memory starts again on the restored database.
      afterRestore: async () => {
        rules.load();
        for (const name of ["licensing", "smdr", "line-sync", "webhooks"]) {
          if (this.registry.names().includes(name)) await this.registry.restart(name);
        }
      },
      clock: this.#clock,
    });
    const details = <T>(name: string) => this.registry.status()[name]?.details as T | undefined;
    const metricsText = () =>
      renderExposition(collectMetrics({
        link: () => {
          const d = this.pbxLink.status().details!;
          return {
            up: this.pbxLink.state === "ready",
            connects: d.connects,
            reconnects: d.reconnects,
            requests: d.requests,
            timeouts: d.timeouts,
          };
        },
        listeners: () => ["csta-tcp", "csta-tls"].flatMap((name) => details<CstaListenerDetails>(name) ?? []),
        multiplexer: () => {
          const mux = switchboard.status();
          return { ...mux, monitors: mux.monitors.length };
        },
        smdr: () => {
          const d = smdr.status().details!;
          return {
            records: smdr.outbox.lastPosition(),
            backlog: smdr.outbox.backlog(),
            dropped: smdr.outbox.dropped(),
            collectors: d.local?.collectors.length ?? 0,
          };
        },
        calls: () => {
          const d = calls.status().details as { callsInProgress: number; callRecords: number };
          return { inProgress: d.callsInProgress, records: d.callRecords };
        },
        licence: () => licensing.licenceStatus(),
        certificateDaysLeft: () => certificates.certificateStatus().daysLeft,
        mqtt: () => ({
          connected: this.mqtt.connection === "connected",
          backlog: this.mqtt.outbox.size(),
          backlogDropped: this.mqtt.outbox.dropped(),
          connects: (this.mqtt.status().details as { connects: number }).connects,
          stats: this.mqtt.stats,
        }),
        webhooks: () => {
          const endpoints = this.webhooks.endpoints();
          return {
            endpoints: endpoints.length,
            backlog: webhookRepository.pendingCount(),
            queued: endpoints.reduce((n, e) => n + e.queued, 0),
            stats: this.webhooks.stats,
          };
        },
        lineApi: () => lineApi.status().details as { clients: number; openLines: number; calls: number },
        process: processFigures,
        eventLoop: () => ({
          maxSeconds: this.#eventLoop.takeMax(),
          sumSeconds: this.#eventLoop.sumSeconds,
          count: this.#eventLoop.count,
        }),
      }));
    const webApp = (closing?: AbortSignal) =>
      createHttpApp({
        closing,
        store,
        metrics: { settings: () => current().metrics, text: metricsText },
        ui: {
          database,
          settings,
          multiplexer: switchboard,
          cstaUsers,
          weakCredentials: () => this.#weakCredentials.findings(),
          throttle: webThrottle,
          system,
          rates,
          statistics,
          connectPbx: () => this.pbxLink.connectNow(),
          calls,
          openLines: () => lineApi.openLines(),
          trace,
          clock: this.#clock,
        },
        log: log.child("http"),
        users: webUsers,
        status: {
          version,
          startedAt: this.startedAt,
          mode: () => this.mode(),
          services: () => this.status(),
          settingsProblem: () => settings.lastError()?.message,
          sections: () => ({ multiplexer: switchboard.status(), process: processFigures() }),
        },
        services: {
          lines: { lines, sync: lineSync, queryPbxDevices: () => deviceSync.offeredDevices() },
          location: { locations, numbering },
          numberRules: { rules },
          licences: { licensing },
          tls: certificates,
          smdr,
          webhooks: { repository: webhookRepository, dispatcher: this.webhooks },
          mqtt: this.mqtt,
          callRecords: calls,
          line: { service: lineApi, operations: lineOperations, caller, partners },
          events: (closing) => eventHub.routes(closing),
          lineScopes: { scopes: tokenScopes },
        },
        tokenScopes,
      });
    this.registry.add(
      new HttpsService({
        log: log.child("https"),
        address: () => ({ hostname: current().web.bind, port: current().web.httpsPort }),
        onListen: (listener) => this.#listening(listener),
        app: webApp,
        certificate: () => certificates.current(),
        onCertificateChange: (listener) => certificates.onChange(listener),
      }),
      { dependsOn: ["tls"] },
    );
  }

  /** Reads (or creates) the settings file and builds the services; throws SettingsError on a bad file. */
  static async create(options: AppOptions): Promise<App> {
    // Private to the service's user: the database holds password hashes and call data. (The umask can
    // only narrow the mode.)
    await Deno.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const bootLog = new Logger("cstabox", {
      level: options.log?.level ?? "info",
      format: options.log?.format,
      sink: options.log?.sink,
    });
    const file = options.configFile ?? join(options.dataDir, "cstabox.yaml");
    const settings = await LiveSettings.open(file, options.overrides ?? {}, bootLog.child("settings"));
    applyLogSettings(bootLog, settings.current(), options.log);
    return new App(options, bootLog, settings, await vendorPublicKey());
  }

  /** `demo` when cstabox runs its own simulated PBX: asked for, or no PBX configured. */
  mode(): "pbx" | "demo" {
    const s = this.settings.current();
    return s.demo.enabled || s.pbx.host === "" ? "demo" : "pbx";
  }

  listeners(): readonly ListenerInfo[] {
    return this.#listeners;
  }

  async start(): Promise<void> {
    this.integrations.start();
    this.#eventLoop.start();
    await this.registry.startAll();
    this.#queueBudget.start();
    // Only users whose password changed are checked again (each guess costs one password hash).
    // Re-armed before each run, so stop() clears the one pending timer and nothing re-arms after it.
    const audit = () => {
      this.#weakCredentialTimer = this.#clock.setTimeout(audit, 60_000);
      void this.#weakCredentials.run().catch((error) =>
        this.log.warn("weak-password check failed", { error })
      );
    };
    audit();
    for (const failure of this.registry.failures()) {
      this.#announce(`cstabox failed ${failure.name} ${failure.reason}`);
    }
    this.settings.onChange((next, _previous, changed) => void this.#onSettingsChanged(next, changed));
    this.settings.watch();
    await this.#timeZone.start();
    await this.#writeConsoleBanner();
    for (const line of this.#consoleGuide()) this.#announce(line);
    this.log.info("cstabox started", { version, mode: this.mode(), settings: this.settings.file });
    this.#announce("cstabox ready");
  }

  async stop(): Promise<void> {
    this.#queueBudget.stop();
    if (this.#weakCredentialTimer !== undefined) this.#clock.clearTimeout(this.#weakCredentialTimer);
    this.settings.unwatch();
    this.#timeZone.stop();
    await this.registry.stopAll();
    this.integrations.stop();
    this.#outboxCommits.stop();
    this.#eventLoop.stop();
    this.log.info("cstabox stopped");
  }

  /**
   * Every service's snapshot, typed by name: the registry keys them by `Service.name`, and each service
   * registered above under a name in `ServiceStatuses` reports that entry's details type.
   */
  status(): ServiceStatuses {
    return this.registry.status() as ServiceStatuses;
  }

  /** First-start accounts, run once the database is open: never a password anyone could guess. */
  async #provision(db: DatabaseSync): Promise<void> {
    const web = await firstPassword(this.#options.adminPassword, "admin-password");
    if (await new WebUsers(() => db).ensureAdmin(web.password) === "created") {
      this.log.info("admin web user created; its password must be changed at first login", {
        password: web.source,
      });
      this.#firstBoot("web user admin", web);
      this.#firstLogin = {
        option: "the password given with --admin-password",
        credential: "the password from the admin-password credential",
        generated: "the first password printed above",
      }[web.source];
    }
    const csta = await firstPassword(this.#options.cstaAdminPassword, "csta-admin-password");
    if (await new CstaUsers(() => db).ensureDefault(csta.password)) {
      this.log.info("CSTA user admin created", { password: csta.source });
      this.#firstBoot("CSTA user admin", csta);
    }
  }

  /** A generated password goes to stdout (the journal under systemd) once, never into the log ring. */
  #firstBoot(account: string, first: FirstPassword): void {
    if (first.source !== "generated") return;
    this.#generated.push({ account, password: first.password });
    this.#announce(`cstabox first password of ${account}: ${first.password}`);
  }

  /**
   * Writes the console banner: with this start's generated passwords, or without passwords once the web
   * admin has chosen their own. A banner that still shows passwords the admin has not replaced stays.
   */
  async #writeConsoleBanner(): Promise<void> {
    const file = this.#options.issueFile;
    if (!file) return;
    const pending = this.#adminMustChangePassword();
    // No store (e.g. it is newer than this cstabox): /healthz says why; the banner stays as it is.
    if (pending === undefined) return;
    const exists = await Deno.stat(file).then(() => true, () => false);
    if (this.#generated.length === 0 && pending && exists) return;
    const https = this.#listeners.find((l) => l.name === "https")?.port ??
      this.settings.current().web.httpsPort;
    const text = consoleBanner({ version, httpsPort: https, passwords: pending ? this.#generated : [] });
    try {
      await writeFileAtomic(file, text, { mode: 0o600 });
    } catch (error) {
      this.log.warn("console banner not written", { file, error });
    }
  }

  /** SMDR changes apply in place (collectors stay where they can); a refused change keeps the old one. */
  async #reconfigureSmdr(next: Settings): Promise<void> {
    if (this.smdr.status().state !== "running") {
      await this.registry.restart("smdr");
      return;
    }
    try {
      await this.smdr.reconfigure(next.smdr);
    } catch (error) {
      this.log.error("SMDR settings not applied; the running SMDR settings stay", { error });
    }
  }

  /** What an administrator at the console needs first: where the web UI is, how to log in, which PBX. */
  /** Whether the web admin still has its first password; undefined while the store is not open. */
  #adminMustChangePassword(): boolean | undefined {
    try {
      return this.#webUsers?.mustChangePassword("admin") ?? false;
    } catch (error) {
      if (error instanceof StoreUnavailableError) return undefined;
      throw error;
    }
  }

  #consoleGuide(): string[] {
    const url = (scheme: string, name: string) => {
      const l = this.#listeners.find((x) => x.name === name);
      if (!l) return undefined;
      const anywhere = l.hostname === "0.0.0.0" || l.hostname === "::";
      return `${scheme}://${anywhere ? `<this appliance's address>:${l.port}` : formatHostPort(l)}/`;
    };
    const urls = [url("http", "http"), url("https", "https")].filter((u) => u !== undefined);
    const lines = urls.length ? [`cstabox web UI ${urls.join(" and ")}`] : [];
    if (this.#firstLogin) {
      lines.push(`cstabox log in as admin with ${this.#firstLogin}; it must be changed at first login`);
    } else if (this.#adminMustChangePassword()) {
      lines.push("cstabox log in as admin with the first password of the installation; it must be changed");
    }
    if (this.mode() === "demo") {
      lines.push(
        this.settings.current().pbx.host === ""
          ? "cstabox no PBX configured (pbx.host is empty): running the simulated PBX"
          : "cstabox demo mode (demo.enabled): running the simulated PBX instead of pbx.host",
      );
    }
    return lines;
  }

  #listening(listener: ListenerInfo): void {
    const index = this.#listeners.findIndex((l) => l.name === listener.name);
    if (index >= 0) this.#listeners.splice(index, 1);
    this.#listeners.push(listener);
    this.#announce(`cstabox listening ${listener.name} ${formatHostPort(listener)}`);
  }

  async #onSettingsChanged(next: Settings, changed: SectionName[]): Promise<void> {
    if (changed.includes("log")) applyLogSettings(this.log, next);
    if (changed.includes("smdr")) await this.#reconfigureSmdr(next);
    const services = new Set(changed.flatMap((section) => restartOn[section] ?? []));
    for (const name of services) {
      const status = await this.registry.restart(name);
      this.log.info("service restarted for new settings", { service: name, state: status.state });
    }
  }
}

/** Memory and uptime of this process for status: where the bytes are (V8 heap, outside it, in total). */
function processFigures() {
  const memory = Deno.memoryUsage();
  return {
    pid: Deno.pid,
    // The process's own age (performance.now() counts from its start), not a time the clock could move.
    uptimeSeconds: Math.round(performance.now() / 1000),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    /** The connections' shared write buffers: free bytes kept, and how often a write had to allocate. */
    writeBuffers: sharedWriteBuffers.stats(),
  };
}

function applyLogSettings(log: Logger, settings: Settings, flags?: AppOptions["log"]): void {
  log.setLevel(flags?.level ?? settings.log.level);
  const format = flags?.format ?? settings.log.format;
  if (format !== "auto") log.setFormat(format);
}

function formatHostPort(listener: ListenerInfo): string {
  return listener.hostname.includes(":")
    ? `[${listener.hostname}]:${listener.port}`
    : `${listener.hostname}:${listener.port}`;
}
