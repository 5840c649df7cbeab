// The composition root: builds every service from the settings, wires them together, starts them in
// order and stops them in reverse. Nothing else in cstabox constructs services.

import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import { WebUsers } from "./auth/web_users.ts";
import { createHttpApp } from "./http/app.ts";
import { HttpService } from "./http/http_service.ts";
import { type LogFormat, Logger, type LogLevel } from "./log/logger.ts";
import type { ListenerInfo, ServiceStatus } from "./service.ts";
import { ServiceRegistry } from "./service_registry.ts";
import { LiveSettings, type SettingsOverrides } from "./settings/live_settings.ts";
import type { SectionName, Settings } from "./settings/schema.ts";
import { StoreService } from "./store/store_service.ts";

export const version: string = denoJson.version;

export interface AppOptions {
  dataDir: string;
  /** Settings file; defaults to `<dataDir>/cstabox.yaml`. */
  configFile?: string;
  /** Values from command-line flags; they win over the file. */
  overrides?: SettingsOverrides;
  /** Password for the admin web user on first start (when the account does not exist yet). */
  adminPassword?: string;
  /** Overrides the settings' log level/format (from flags); also used before settings are read. */
  log?: { level?: LogLevel; format?: LogFormat; sink?: (line: string) => void };
  /** Receives `cstabox listening …`, `cstabox failed …` and `cstabox ready`; stdout by default. */
  announce?: (line: string) => void;
}

/** Which services restart when a settings section changes. */
const restartOn: Partial<Record<SectionName, string[]>> = {
  web: ["http"],
};

export class App {
  readonly log: Logger;
  readonly settings: LiveSettings;
  readonly registry: ServiceRegistry;
  readonly startedAt = new Date().toISOString();
  readonly #announce: (line: string) => void;
  readonly #listeners: ListenerInfo[] = [];

  private constructor(options: AppOptions, log: Logger, settings: LiveSettings) {
    this.log = log;
    this.settings = settings;
    this.#announce = options.announce ?? ((line) => console.log(line));
    this.registry = new ServiceRegistry(log.child("services"));

    const store = new StoreService(join(options.dataDir, "cstabox.db"), async (db) => {
      const created = await new WebUsers(() => db).ensureAdmin(options.adminPassword);
      if (created === "created") {
        log.info("admin web user created; its password must be changed at first login", {
          provisioned: options.adminPassword !== undefined,
        });
      }
    });
    const users = new WebUsers(() => store.db);
    this.registry.add(store);
    this.registry.add(
      new HttpService({
        log: log.child("http"),
        address: () => ({ hostname: settings.current().web.bind, port: settings.current().web.httpPort }),
        onListen: (listener) => this.#listening(listener),
        app: () =>
          createHttpApp({
            log: log.child("http"),
            users,
            status: {
              version,
              startedAt: this.startedAt,
              mode: () => this.mode(),
              services: () => this.registry.status(),
              settingsProblem: () => settings.lastError()?.message,
            },
          }),
      }),
    );
  }

  /** Reads (or creates) the settings file and builds the services; throws SettingsError on a bad file. */
  static async create(options: AppOptions): Promise<App> {
    await Deno.mkdir(options.dataDir, { recursive: true });
    const bootLog = new Logger("cstabox", {
      level: options.log?.level ?? "info",
      format: options.log?.format,
      sink: options.log?.sink,
    });
    const file = options.configFile ?? join(options.dataDir, "cstabox.yaml");
    const settings = await LiveSettings.open(file, options.overrides ?? {}, bootLog.child("settings"));
    applyLogSettings(bootLog, settings.current(), options.log);
    return new App(options, bootLog, settings);
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
    await this.registry.startAll();
    for (const failure of this.registry.failures()) {
      this.#announce(`cstabox failed ${failure.name} ${failure.reason}`);
    }
    this.settings.onChange((next, _previous, changed) => void this.#onSettingsChanged(next, changed));
    this.settings.watch();
    this.log.info("cstabox started", { version, mode: this.mode(), settings: this.settings.file });
    this.#announce("cstabox ready");
  }

  async stop(): Promise<void> {
    this.settings.unwatch();
    await this.registry.stopAll();
    this.log.info("cstabox stopped");
  }

  status(): Record<string, ServiceStatus> {
    return this.registry.status();
  }

  #listening(listener: ListenerInfo): void {
    const index = this.#listeners.findIndex((l) => l.name === listener.name);
    if (index >= 0) this.#listeners.splice(index, 1);
    this.#listeners.push(listener);
    this.#announce(`cstabox listening ${listener.name} ${formatHostPort(listener)}`);
  }

  async #onSettingsChanged(next: Settings, changed: SectionName[]): Promise<void> {
    if (changed.includes("log")) applyLogSettings(this.log, next);
    const services = new Set(changed.flatMap((section) => restartOn[section] ?? []));
    for (const name of services) {
      const status = await this.registry.restart(name);
      this.log.info("service restarted for new settings", { service: name, state: status.state });
    }
  }
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
