// The simulator as a cstabox Service named "simulator" (demo mode, tests, `deno task sim`): plan, call
// engine, CSTA server, and optionally outside parties, random traffic and a scenario, started together.

import { type Clock, systemClock } from "../clock.ts";
import { Lifecycle } from "../lifecycle.ts";
import type { Logger } from "../log/logger.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { CdrTransmission } from "./cdr.ts";
import { CallEngine, type CallEngineOptions } from "./call_engine.ts";
import { DeviceAddressing, type DeviceForm } from "./device_addressing.ts";
import { DevicePlan, type DevicePlanOptions } from "./device_plan.ts";
import { FaultState, type ReleaseStyle } from "./faults.ts";
import { KmeSystemData } from "./kme_system_data.ts";
import { type DuplicateMonitorPolicy, MonitorTable } from "./monitors.ts";
import { type RemotePartyOptions, startRemoteParties } from "./remote_parties.ts";
import { runScenario, type Scenario, type ScenarioRun } from "./scenario.ts";
import { type SecondClientPolicy, SimServer } from "./sim_server.ts";
import { SwitchingFunctionDeviceLists } from "./switching_function_devices.ts";
import { TrafficGenerator, type TrafficOptions, type TrafficStats } from "./traffic.ts";
import { errorText } from "../log/error_text.ts";

/** Everything the simulator can be told; every [?] behaviour of PROTOCOL.md is one of these. */
export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Default 0: any free port (read it back from {@link SimulatorService.port}). */
  port?: number;
  plan?: DevicePlanOptions;
  /** How events name the plan's devices. Default dialingNumber. */
  deviceForm?: DeviceForm;
  /** SystemStatus period in seconds; 0 switches it off. Default 60. */
  keepaliveSeconds?: number;
  /** Unanswered SystemStatus invokes before the client is dropped; 0: never. Default 3. */
  maxUnansweredKeepalives?: number;
  /** Default "close". */
  secondClient?: SecondClientPolicy;
  /** How the simulator ends an association. Default "abort". */
  release?: ReleaseStyle;
  /** Default 1000. */
  maxMonitors?: number;
  /** Default "refuse". */
  duplicateMonitors?: DuplicateMonitorPolicy;
  /** Outside parties answering outgoing calls; `false` to drive them yourself. Default on. */
  remoteParties?: RemotePartyOptions | false;
  /** Random traffic started with the service. */
  traffic?: TrafficOptions;
  /** How random traffic started later (`startTraffic`, the console's `traffic N`) is shaped: seed, talk time... */
  trafficProfile?: Omit<TrafficOptions, "callsPerMinute">;
  /** A scenario started with the service. */
  scenario?: Scenario;
  /** Run the scenario again each time it ends (demo mode). */
  repeatScenario?: boolean;
  engine?: Omit<Partial<CallEngineOptions>, "plan" | "clock">;
  clock?: Clock;
  logger?: Logger;
}

/** What the simulator reports in its status `details`. */
export interface SimulatorDetails {
  associated: boolean;
  associationsServed: number;
  eventReportsSent: number;
  secondClientsRefused: number;
  calls: number;
  monitors: number;
  devices: number;
  faults: ReturnType<FaultState["describe"]>;
  traffic?: TrafficStats;
}

/** The Panasonic PBX simulator as a Service. */
export class SimulatorService implements Service<SimulatorDetails> {
  readonly name = "simulator";
  readonly plan: DevicePlan;
  readonly engine: CallEngine;
  readonly addressing: DeviceAddressing;
  readonly monitors: MonitorTable;
  readonly cdr: CdrTransmission;
  readonly faults = new FaultState();
  readonly #options: SimulatorOptions;
  readonly #clock: Clock;
  readonly #server: SimServer;
  readonly #lifecycle = new Lifecycle();
  #stopRemote?: () => void;
  #traffic?: TrafficGenerator;
  /** The options random traffic was last started with (the console's `traffic N` keeps them). */
  #trafficProfile: Omit<TrafficOptions, "callsPerMinute">;
  #scenario?: ScenarioRun;

  constructor(options: SimulatorOptions = {}) {
    this.#options = options;
    const { callsPerMinute: _, ...profile } = options.traffic ?? { callsPerMinute: 0 };
    this.#trafficProfile = { ...options.trafficProfile, ...profile };
    this.#clock = options.clock ?? systemClock;
    this.plan = DevicePlan.build(options.plan);
    this.engine = new CallEngine({ ...options.engine, plan: this.plan, clock: this.#clock });
    this.addressing = new DeviceAddressing(this.plan, options.deviceForm);
    this.monitors = new MonitorTable({
      maxMonitors: options.maxMonitors,
      duplicate: options.duplicateMonitors,
    });
    this.cdr = new CdrTransmission(this.addressing);
    this.#server = new SimServer({
      hostname: options.hostname,
      port: options.port,
      secondClient: options.secondClient,
      engine: this.engine,
      clock: this.#clock,
      addressing: this.addressing,
      monitors: this.monitors,
      cdr: this.cdr,
      kme: new KmeSystemData(),
      deviceLists: new SwitchingFunctionDeviceLists(),
      faults: this.faults,
      keepaliveMs: (options.keepaliveSeconds ?? 60) * 1000,
      maxUnansweredKeepalives: options.maxUnansweredKeepalives,
      release: options.release,
      logger: options.logger,
    });
  }

  /** The bound TCP port. */
  get port(): number {
    return this.#server.port;
  }

  get hostname(): string {
    return this.#server.hostname;
  }

  /** The random traffic generator while it runs. */
  get traffic(): TrafficGenerator | undefined {
    return this.#traffic;
  }

  async start(): Promise<void> {
    this.#lifecycle.set("starting");
    try {
      await this.#server.start();
    } catch (error) {
      this.#lifecycle.set("failed", errorText(error));
      throw error;
    }
    const remote = this.#options.remoteParties ?? {};
    // Scenarios and traffic play the outside parties themselves.
    if (remote !== false && !this.#options.scenario && !this.#options.traffic) {
      this.#stopRemote = startRemoteParties(this.engine, this.#clock, remote);
    }
    if (this.#options.traffic) this.startTraffic(this.#options.traffic);
    if (this.#options.scenario) this.#startScenario(this.#options.scenario);
    this.#lifecycle.set("running");
    this.#options.logger?.info("simulator listening", { hostname: this.hostname, port: this.port });
  }

  async stop(): Promise<void> {
    this.#lifecycle.set("stopping");
    this.stopTraffic();
    this.#scenario?.stop();
    this.#scenario = undefined;
    this.#stopRemote?.();
    this.#stopRemote = undefined;
    await this.#server.stop();
    this.#lifecycle.set("stopped");
  }

  /** EventReports sent over the current association (0 when none is open). */
  get eventReportsSent(): number {
    return this.#server.association?.stats.eventReports ?? 0;
  }

  /** EventReports sent over the current association per monitored device, by dialling number. */
  eventReportsByDevice(): Record<string, number> {
    return Object.fromEntries(this.#server.association?.stats.eventReportsByDevice ?? []);
  }

  status(): ServiceStatus<SimulatorDetails> {
    const listening = this.#lifecycle.state === "running";
    return this.#lifecycle.snapshot<SimulatorDetails>({
      ...(listening ? { listeners: [{ name: "csta-sim", hostname: this.hostname, port: this.port }] } : {}),
      details: {
        associated: this.#server.association?.state === "associated",
        associationsServed: this.#server.associationsServed,
        eventReportsSent: this.eventReportsSent,
        secondClientsRefused: this.#server.refused,
        calls: this.engine.callCount,
        monitors: this.monitors.size,
        devices: this.plan.devices().length,
        faults: this.faults.describe(),
        ...(this.#traffic ? { traffic: { ...this.#traffic.stats } } : {}),
      },
    });
  }

  /**
   * Starts (or restarts) random traffic. Options not given (seed, talk and ring times, ...) are those the
   * traffic was last started with, so the console's `traffic N` keeps the command line's profile.
   */
  startTraffic(options: TrafficOptions): TrafficGenerator {
    this.stopTraffic();
    const { callsPerMinute, ...profile } = options;
    this.#trafficProfile = { ...this.#trafficProfile, ...profile };
    this.#traffic = new TrafficGenerator(this.engine, this.#clock, {
      ...this.#trafficProfile,
      callsPerMinute,
    });
    this.#traffic.start();
    return this.#traffic;
  }

  stopTraffic(): void {
    this.#traffic?.stop();
    this.#traffic = undefined;
  }

  /** Sets the mean talk time of generated calls, now (calls answered from now on) and for later traffic. */
  setTalkTime(meanMs: number): void {
    if (!(meanMs > 0) || !Number.isFinite(meanMs)) {
      throw new RangeError(`talk time must be a positive number of ms, got ${meanMs}`);
    }
    this.#trafficProfile = { ...this.#trafficProfile, talkMeanMs: meanMs };
    this.#traffic?.setTalkMean(meanMs);
  }

  /** Runs a scenario now (one at a time); resolves when it ends. */
  runScenario(scenario: Scenario): ScenarioRun {
    this.#scenario?.stop();
    this.#scenario = runScenario(this.engine, this.#clock, scenario.steps, { stopOnFailure: false });
    return this.#scenario;
  }

  // ---- fault injection ----

  /** Ends the current association the way the PBX does (see `release`). */
  dropLink(reason = "fault injection: link dropped"): void {
    this.#server.association?.drop(reason);
  }

  /** While on, the PBX is hung: no answers, no events, no keep-alives. */
  stopAnswering(on = true): void {
    this.faults.stopAnswering = on;
  }

  /** Delays every answer by `ms` (0: normal). */
  answerSlowly(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`answer delay must be >= 0 ms, got ${ms}`);
    this.faults.answerDelayMs = ms;
  }

  /** Sends one frame whose APDU is not valid BER. */
  sendMalformedFrame(): void {
    this.#server.association?.sendMalformedFrame();
  }

  #startScenario(scenario: Scenario): void {
    const run = this.runScenario(scenario);
    run.finished.then(() => {
      if (this.#options.repeatScenario && this.#scenario === run && this.#lifecycle.state === "running") {
        this.#startScenario(scenario);
      }
    });
  }
}
