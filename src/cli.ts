// The command line: flags -> settings overrides -> App, plus signal handling and exit codes.

import { parseArgs } from "node:util";
import { App, version } from "./app.ts";
import type { LogFormat, LogLevel } from "./log/logger.ts";
import type { SettingsOverrides } from "./settings/live_settings.ts";
import { SettingsError } from "./settings/settings_file.ts";
import { type NotifyState, SystemdNotifier } from "./systemd/notify.ts";
import { installedServices } from "./http/status_source.ts";
import { errorText } from "./log/error_text.ts";
import { resetAdminPassword } from "./reset_admin_password.ts";

export const usage = `cstabox ${version}: CSTA multiplexer, SMDR server and line API for Panasonic PBXs

Usage: cstabox [options]
       cstabox reset-admin-password [--data-dir DIR] [--password-file FILE]   (with cstabox stopped)

  --config FILE          settings file (default: <data-dir>/cstabox.yaml, created with defaults)
  --data-dir DIR         data directory: settings, database, certificates (default: ./data)
  --demo                 run the built-in simulated PBX (also when no PBX host is configured)
  --pbx HOST[:PORT]      the PBX CTI interface (default port 33333)
  --bind ADDR            address every listener binds to (default 0.0.0.0)
  --csta-port N          CSTA TCP port (default 33333; 0 = any free port)
  --csta-tls-port N      CSTA TLS port (default 33334)
  --smdr-port N          SMDR local-mode port (default 2007)
  --http-port N          web UI HTTP port (default 8080)
  --https-port N         web UI HTTPS port (default 8443)
  --admin-password-file FILE  admin web password on first start, read from FILE (or env
                         CSTABOX_ADMIN_PASSWORD, or the systemd credential admin-password; else one is
                         generated and printed once)
  --csta-admin-password-file FILE  the same for the CSTA user admin (env CSTABOX_CSTA_ADMIN_PASSWORD,
                         credential csta-admin-password)
  --admin-password PW, --csta-admin-password PW  the same on the command line: avoid, it shows in the
                         process list and in a crash report
  --issue-file FILE      console login banner to write: web UI address and generated first passwords
  --log-level LEVEL      debug | info | warn | error
  --log-format FORMAT    text | json (default: text on a terminal, JSON otherwise)
  --version              print the version and exit
  --help                 print this help and exit

Flags override the settings file. On start cstabox prints one line per listener
("cstabox listening http 0.0.0.0:8080") and "cstabox ready"; SIGHUP reloads the settings file;
SIGINT/SIGTERM stop it.`;

/** A flag had a value cstabox cannot use. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface CliOptions {
  help: boolean;
  version: boolean;
  dataDir: string;
  configFile?: string;
  adminPassword?: string;
  cstaAdminPassword?: string;
  issueFile?: string;
  /** Said on stderr at start: flags that expose a secret. */
  warnings: string[];
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  overrides: SettingsOverrides;
}

/** Turns argv (and the environment) into options; throws UsageError with the flag named. */
export function parseCli(
  args: string[],
  env: (name: string) => string | undefined = Deno.env.get,
): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        "data-dir": { type: "string" },
        demo: { type: "boolean" },
        pbx: { type: "string" },
        bind: { type: "string" },
        "csta-port": { type: "string" },
        "csta-tls-port": { type: "string" },
        "smdr-port": { type: "string" },
        "http-port": { type: "string" },
        "https-port": { type: "string" },
        "admin-password": { type: "string" },
        "csta-admin-password": { type: "string" },
        "admin-password-file": { type: "string" },
        "csta-admin-password-file": { type: "string" },
        "issue-file": { type: "string" },
        "log-level": { type: "string" },
        "log-format": { type: "string" },
        version: { type: "boolean" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(errorText(error));
  }

  const overrides: SettingsOverrides = {};
  const set = <S extends keyof SettingsOverrides>(section: S, values: SettingsOverrides[S]) => {
    overrides[section] = { ...overrides[section], ...values } as SettingsOverrides[S];
  };
  if (parsed.demo) set("demo", { enabled: true });
  if (parsed.pbx !== undefined) set("pbx", parseHostPort(parsed.pbx));
  if (parsed.bind !== undefined) {
    set("cstaServer", { bind: parsed.bind });
    set("smdr", { bind: parsed.bind });
    set("web", { bind: parsed.bind });
  }
  if (parsed["csta-port"] !== undefined) {
    set("cstaServer", { tcpPort: parsePort("--csta-port", parsed["csta-port"]) });
  }
  if (parsed["csta-tls-port"] !== undefined) {
    set("cstaServer", { tlsPort: parsePort("--csta-tls-port", parsed["csta-tls-port"]) });
  }
  if (parsed["smdr-port"] !== undefined) {
    set("smdr", { localPort: parsePort("--smdr-port", parsed["smdr-port"]) });
  }
  if (parsed["http-port"] !== undefined) {
    set("web", { httpPort: parsePort("--http-port", parsed["http-port"]) });
  }
  if (parsed["https-port"] !== undefined) {
    set("web", { httpsPort: parsePort("--https-port", parsed["https-port"]) });
  }

  return {
    help: parsed.help ?? false,
    version: parsed.version ?? false,
    dataDir: parsed["data-dir"] ?? "./data",
    configFile: parsed.config,
    adminPassword: parsed["admin-password"] ??
      passwordFile("--admin-password-file", parsed["admin-password-file"]) ??
      env("CSTABOX_ADMIN_PASSWORD") ?? undefined,
    cstaAdminPassword: parsed["csta-admin-password"] ??
      passwordFile("--csta-admin-password-file", parsed["csta-admin-password-file"]) ??
      env("CSTABOX_CSTA_ADMIN_PASSWORD") ?? undefined,
    warnings: (["admin-password", "csta-admin-password"] as const)
      .filter((flag) => parsed[flag] !== undefined)
      .map((flag) =>
        `--${flag} shows in the process list and in a crash report's command line; use --${flag}-file, ` +
        `the environment or the systemd credential ${flag} instead`
      ),
    issueFile: parsed["issue-file"],
    logLevel: oneOf("--log-level", parsed["log-level"], ["debug", "info", "warn", "error"] as const),
    logFormat: oneOf("--log-format", parsed["log-format"], ["text", "json"] as const),
    overrides,
  };
}

/** A password kept in a file (one line; a final newline is not part of it), read at start. */
function passwordFile(flag: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${errorText(error)}`);
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new UsageError(`${flag} ${path}: the file is empty`);
  return password;
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`${flag}: "${text}" is not a port (0-65535)`);
  return port;
}

function parseHostPort(text: string): { host: string; port?: number } {
  // [v6]:port, v6 without port, host:port, host
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return withPort(bracketed[1], bracketed[2]);
  const parts = text.split(":");
  if (parts.length === 2) return withPort(parts[0], parts[1]);
  if (text === "") throw new UsageError("--pbx: empty host");
  return { host: text };
}

function withPort(host: string, port: string | undefined): { host: string; port?: number } {
  if (!host) throw new UsageError("--pbx: empty host");
  if (port === undefined) return { host };
  const value = parsePort("--pbx", port);
  if (value === 0) throw new UsageError("--pbx: port 0 is not a PBX port");
  return { host, port: value };
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag}: "${value}" is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** Runs cstabox until SIGINT/SIGTERM; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "reset-admin-password") return await resetAdminPassword(args.slice(1));
  let options: CliOptions;
  try {
    options = parseCli(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`cstabox: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  if (options.version) {
    console.log(`cstabox ${version}`);
    return 0;
  }

  for (const warning of options.warnings) console.error(`cstabox: warning: ${warning}`);
  let app: App;
  try {
    app = await App.create({
      dataDir: options.dataDir,
      configFile: options.configFile,
      overrides: options.overrides,
      adminPassword: options.adminPassword,
      cstaAdminPassword: options.cstaAdminPassword,
      issueFile: options.issueFile,
      log: { level: options.logLevel, format: options.logFormat },
    });
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`cstabox: settings refused: ${error.message}`);
      return 1;
    }
    throw error;
  }

  // Under systemd (Type=notify) readiness, reloads and the stop are reported on NOTIFY_SOCKET.
  const systemd = new SystemdNotifier();
  let notifyFailed = false;
  const notify = (state: NotifyState) =>
    systemd.send(state).catch((error) => {
      if (!notifyFailed) app.log.error("systemd notification failed", { error });
      notifyFailed = true;
    });

  const stopped = Promise.withResolvers<void>();
  const onSignal = () => stopped.resolve();
  // Without a listener SIGHUP would end the process with a signal systemd does not restart after.
  const onHangup = async () => {
    await notify({ kind: "reloading", status: "reloading the settings file" });
    const applied = await app.settings.reload();
    app.log.info("SIGHUP: settings file reloaded", { file: app.settings.file, applied });
    await notify({ kind: "ready", status: readyStatus(app) });
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGHUP", onHangup);
  await app.start();
  await notify({ kind: "ready", status: readyStatus(app) });
  systemd.startWatchdog(
    () => true,
    (error) => app.log.error("systemd watchdog notification failed", { error }),
  );
  await stopped.promise;
  await notify({ kind: "stopping", status: "stopping" });
  systemd.close();
  // A service that hangs in stop() must not keep the process alive past the 5 s promise.
  const forceExit = setTimeout(() => {
    app.log.error("shutdown took longer than 5 s; exiting anyway");
    Deno.exit(0);
  }, 4_800);
  await app.stop();
  clearTimeout(forceExit);
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  Deno.removeSignalListener("SIGHUP", onHangup);
  return 0;
}

/** The one-line status systemd shows in `systemctl status`: mode and any service that failed. */
function readyStatus(app: App): string {
  const failed = installedServices(app.status()).filter(([, s]) => s.state === "failed").map(([name]) =>
    name
  );
  return failed.length === 0
    ? `ready (${app.mode()} mode)`
    : `ready (${app.mode()} mode); failed: ${failed.join(", ")}`;
}
