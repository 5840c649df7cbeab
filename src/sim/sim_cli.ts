// `deno task sim` flags -> SimulatorOptions: the standalone simulated Panasonic PBX.

import { parseArgs } from "node:util";
import type { DeviceForm } from "./device_addressing.ts";
import type { ReleaseStyle } from "./faults.ts";
import type { DuplicateMonitorPolicy } from "./monitors.ts";
import { BUILTIN_SCENARIOS, parseScenario, type Scenario } from "./scenario.ts";
import type { SecondClientPolicy } from "./sim_server.ts";
import type { SimulatorOptions } from "./sim_service.ts";
import { errorText } from "../log/error_text.ts";

export const simUsage = `cstabox-sim: a simulated Panasonic PBX CSTA interface (CSTA Phase III over TCP)

Usage: deno task sim [options]

  --port N                 TCP port (default 33333; 0 = any free port)
  --hostname ADDR          address to bind (default 127.0.0.1)
  --extensions RANGES      extension numbers, e.g. 101-199 or 101-120,200 (default 101-199)
  --trunks N               CO lines (default 8)
  --traffic CALLS_PER_MIN  random calls per minute (default: none)
  --seed N                 seed of the random traffic (default 1)
  --talk-time S            mean talk time of a random call in seconds (default 30)
  --ring-time MIN-MAX      seconds a random call rings before it is answered (default 1-6)
  --scenario NAME|FILE     run a built-in scenario (${Object.keys(BUILTIN_SCENARIOS).join(", ")})
                           or one from a JSON file, again and again
  --keepalive S            SystemStatus period in seconds, 0 = off (default 60)
  --keepalive-misses K     unanswered SystemStatus before the client is dropped, 0 = never (default 3)
  --device-form FORM       dialingNumber | deviceNumber: how events name devices (default dialingNumber)
  --second-client POLICY   close | reject | dropFirst (default close)
  --release STYLE          abort | release | close: how the simulator ends an association (default abort)
  --max-monitors N         monitor limit (default 1000)
  --duplicate-monitors P   refuse | allow a second MonitorStart for one device (default refuse)
  --help                   print this help and exit

Prints "cstabox-sim listening HOST:PORT" once listening; SIGINT/SIGTERM stop it. While it runs, commands on
standard input inject faults and steer traffic: drop, hang, resume, slow MS, malformed, traffic N|off, talk S,
scenario NAME, status, events.`;

/** A flag had a value the simulator cannot use. */
export class SimUsageError extends Error {
  override readonly name = "SimUsageError";
}

/** The parsed command line. */
export interface SimCli {
  help: boolean;
  options: SimulatorOptions;
}

/** Parses the flags; `readFile` loads a scenario file (injected for tests). */
export function parseSimCli(
  args: string[],
  readFile: (path: string) => string = Deno.readTextFileSync,
): SimCli {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        hostname: { type: "string" },
        extensions: { type: "string" },
        trunks: { type: "string" },
        traffic: { type: "string" },
        seed: { type: "string" },
        "talk-time": { type: "string" },
        "ring-time": { type: "string" },
        scenario: { type: "string" },
        keepalive: { type: "string" },
        "keepalive-misses": { type: "string" },
        "device-form": { type: "string" },
        "second-client": { type: "string" },
        release: { type: "string" },
        "max-monitors": { type: "string" },
        "duplicate-monitors": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new SimUsageError(errorText(error));
  }
  const v = parsed.values;
  const options: SimulatorOptions = {
    hostname: v.hostname ?? "127.0.0.1",
    port: integer("--port", v.port, 0, 65535) ?? 33333,
    plan: {
      ...(v.extensions !== undefined ? { extensions: v.extensions } : {}),
      ...(v.trunks !== undefined ? { trunks: integer("--trunks", v.trunks, 0, 9999) } : {}),
    },
    keepaliveSeconds: integer("--keepalive", v.keepalive, 0, 86_400) ?? 60,
    maxUnansweredKeepalives: integer("--keepalive-misses", v["keepalive-misses"], 0, 1000) ?? 3,
    deviceForm: oneOf<DeviceForm>("--device-form", v["device-form"], ["dialingNumber", "deviceNumber"]),
    secondClient: oneOf<SecondClientPolicy>("--second-client", v["second-client"], [
      "close",
      "reject",
      "dropFirst",
    ]),
    release: oneOf<ReleaseStyle>("--release", v.release, ["abort", "release", "close"]),
    maxMonitors: integer("--max-monitors", v["max-monitors"], 0, 1_000_000),
    duplicateMonitors: oneOf<DuplicateMonitorPolicy>("--duplicate-monitors", v["duplicate-monitors"], [
      "refuse",
      "allow",
    ]),
  };
  const rate = number("--traffic", v.traffic);
  const talk = number("--talk-time", v["talk-time"]);
  const ring = secondsRange("--ring-time", v["ring-time"]);
  const profile = {
    seed: integer("--seed", v.seed, 0, 0xffffffff) ?? 1,
    ...(talk !== undefined ? { talkMeanMs: talk * 1000 } : {}),
    ...(ring !== undefined ? { ringMs: ring } : {}),
  };
  // Without --traffic the profile shapes the traffic started later from the console (`traffic N`).
  if (rate !== undefined) options.traffic = { callsPerMinute: rate, ...profile };
  else if (v.seed !== undefined || talk !== undefined || ring !== undefined) options.trafficProfile = profile;
  if (v.scenario !== undefined) {
    options.scenario = loadScenario(v.scenario, readFile);
    options.repeatScenario = true;
  }
  return { help: v.help ?? false, options };
}

function loadScenario(nameOrFile: string, readFile: (path: string) => string): Scenario {
  const builtin = BUILTIN_SCENARIOS[nameOrFile];
  if (builtin) return builtin;
  let text: string;
  try {
    text = readFile(nameOrFile);
  } catch (error) {
    throw new SimUsageError(
      `--scenario: "${nameOrFile}" is no built-in scenario and cannot be read (${error})`,
    );
  }
  try {
    return parseScenario(JSON.parse(text));
  } catch (error) {
    throw new SimUsageError(`--scenario ${nameOrFile}: ${errorText(error)}`);
  }
}

function integer(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new SimUsageError(`${flag}: expected an integer in ${min}..${max}, got "${text}"`);
  }
  return value;
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new SimUsageError(`${flag}: expected a positive number, got "${text}"`);
  }
  return value;
}

/** "MIN-MAX" in seconds (fractions allowed) -> [min, max] in ms. */
function secondsRange(flag: string, text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text);
  const [min, max] = match ? [Number(match[1]) * 1000, Number(match[2]) * 1000] : [NaN, NaN];
  if (!(min >= 0 && max >= min)) {
    throw new SimUsageError(`${flag}: expected MIN-MAX seconds with MIN <= MAX, e.g. 1-6, got "${text}"`);
  }
  return [min, max];
}

function oneOf<T extends string>(
  flag: string,
  text: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new SimUsageError(`${flag}: expected one of ${allowed.join(", ")}, got "${text}"`);
  }
  return text as T;
}
