// Scripted calls: a list of steps ("external 0301234567 calls DDI 5551000, 101 answers after 3 s, transfers
// to 102, …") run against the call engine on its clock, acting as the phone users and the outside parties.

import { z } from "zod";
import type { Clock, TimerHandle } from "../clock.ts";
import type { CallEngine, DeviceConnection, EngineResult, LiveState } from "./call_engine.ts";
import type { ConnRef, ForwardingTypeName } from "./call_facts.ts";
import { FORWARDING_TYPES } from "./device_features.ts";

const digits = z.string().regex(/^[0-9*#]{1,32}$/, "digits only");
const device = z.string().regex(/^[0-9]{1,20}$/, "a device number");
const deviceAndTarget = z.object({ device, to: digits }).strict();
/** A trunk number, or the name a step gave its call with `as`. */
const farEnd = z.string().min(1);

/** One scenario step; JSON-friendly, validated with {@link parseScenario}. */
export const scenarioStep = z.union([
  z.object({ wait: z.number().int().min(0).max(86_400_000) }).strict(),
  z.object({
    incoming: z.object({
      cli: z.union([digits, z.literal("restricted")]).optional(),
      ddi: digits,
      trunk: device.optional(),
    })
      .strict(),
    as: z.string().min(1).optional(),
  }).strict(),
  z.object({ call: z.object({ from: device, to: digits }).strict(), as: z.string().min(1).optional() })
    .strict(),
  z.object({ offHook: device }).strict(),
  z.object({ dial: z.object({ device, digits }).strict(), as: z.string().min(1).optional() }).strict(),
  z.object({ answer: device }).strict(),
  z.object({ hangUp: device }).strict(),
  z.object({ clearCall: device }).strict(),
  z.object({ hold: device }).strict(),
  z.object({ retrieve: device }).strict(),
  z.object({ consult: deviceAndTarget, as: z.string().min(1).optional() }).strict(),
  z.object({ alternate: device }).strict(),
  z.object({ reconnect: device }).strict(),
  z.object({ transfer: device }).strict(),
  z.object({ conference: device }).strict(),
  z.object({ blindTransfer: deviceAndTarget }).strict(),
  z.object({ join: z.object({ device, join: device, silent: z.boolean().optional() }).strict() }).strict(),
  z.object({ deflect: deviceAndTarget }).strict(),
  z.object({ pickup: device }).strict(),
  z.object({ directedPickup: z.object({ device, from: device }).strict() }).strict(),
  z.object({ dtmf: z.object({ device, digits: z.string().regex(/^[0-9*#A-Da-d]{1,32}$/) }).strict() })
    .strict(),
  z.object({
    accountCode: z.object({ device, code: z.string().regex(/^[0-9]{1,10}$/, "1 to 10 digits") }).strict(),
  })
    .strict(),
  z.object({
    callerName: z.object({
      device,
      name: z.string().regex(/^[\x20-\x7e]{1,20}$/, "1 to 20 ASCII characters"),
    })
      .strict(),
  }).strict(),
  z.object({ callBack: device }).strict(),
  z.object({ campOn: device }).strict(),
  z.object({ intrude: device }).strict(),
  z.object({
    forward: z.object({
      device,
      type: z.enum(FORWARDING_TYPES as [ForwardingTypeName, ...ForwardingTypeName[]]),
      to: digits.optional(),
      on: z.boolean().optional(),
    }).strict(),
  }).strict(),
  z.object({ dnd: z.object({ device, on: z.boolean() }).strict() }).strict(),
  z.object({ remoteAlert: farEnd }).strict(),
  z.object({ remoteAnswer: farEnd }).strict(),
  z.object({ remoteBusy: farEnd }).strict(),
  z.object({ remoteHangUp: farEnd }).strict(),
]);
export type ScenarioStep = z.infer<typeof scenarioStep>;

/** A scenario as a file holds it. */
export const scenarioSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  steps: z.array(scenarioStep).min(1).max(10_000),
}).strict();
export type Scenario = z.infer<typeof scenarioSchema>;

/** A scenario text that does not validate; `issues` name the path and the reason. */
export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
  constructor(readonly issues: string[]) {
    super(`invalid scenario: ${issues.join("; ")}`);
  }
}

/** Validates a parsed JSON value as a scenario. */
export function parseScenario(value: unknown): Scenario {
  const parsed = scenarioSchema.safeParse(value);
  if (!parsed.success) {
    throw new ScenarioError(parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return parsed.data;
}

/** A step that could not be carried out. */
export interface StepFailure {
  index: number;
  step: ScenarioStep;
  reason: string;
}

/** A running scenario. */
export interface ScenarioRun {
  /** Resolves when every step ran (or the run stopped on a failure or by `stop`). */
  readonly finished: Promise<void>;
  readonly failures: readonly StepFailure[];
  /** Steps carried out so far. */
  readonly stepsDone: number;
  stop(): void;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Stop at the first step that fails (default true); otherwise log it and go on. */
  stopOnFailure?: boolean;
}

/**
 * Runs the steps in order; `wait` steps use the clock, the others run at once. With a ManualClock the
 * steps run inside `advance`, so a test sees every effect synchronously.
 */
export function runScenario(
  engine: CallEngine,
  clock: Clock,
  steps: readonly ScenarioStep[],
  options: RunScenarioOptions = {},
): ScenarioRun {
  const stopOnFailure = options.stopOnFailure ?? true;
  const failures: StepFailure[] = [];
  const names = new Map<string, ConnRef>();
  const done = Promise.withResolvers<void>();
  let index = 0;
  let stopped = false;
  let timer: TimerHandle | undefined;
  const player = new StepPlayer(engine, names);

  const advance = () => {
    timer = undefined;
    while (!stopped && index < steps.length) {
      const step = steps[index];
      if ("wait" in step) {
        index++;
        timer = clock.setTimeout(advance, step.wait);
        return;
      }
      const reason = player.play(step);
      if (reason !== undefined) {
        failures.push({ index, step, reason });
        if (stopOnFailure) stopped = true;
      }
      index++;
    }
    stopped = true;
    done.resolve();
  };
  advance();
  return {
    finished: done.promise,
    failures,
    get stepsDone() {
      return index;
    },
    stop() {
      if (timer !== undefined) clock.clearTimeout(timer);
      stopped = true;
      done.resolve();
    },
  };
}

/** Carries out one step: finds the connections it means and calls the engine. */
class StepPlayer {
  constructor(readonly engine: CallEngine, readonly names: Map<string, ConnRef>) {}

  /** Returns why the step failed, or undefined. */
  play(step: Exclude<ScenarioStep, { wait: number }>): string | undefined {
    const e = this.engine;
    if ("incoming" in step) {
      return this.#named(step.as, e.incomingCall(step.incoming));
    }
    if ("call" in step) return this.#named(step.as, e.makeCall(step.call.from, step.call.to));
    if ("offHook" in step) return this.#result(e.offHook(step.offHook));
    if ("dial" in step) {
      const conn = this.#find(step.dial.device, ["initiated"]);
      if (!conn) return `${step.dial.device} is not off-hook`;
      const failure = this.#result(e.dialDigits(conn, step.dial.digits));
      if (failure === undefined && step.as) this.names.set(step.as, conn);
      return failure;
    }
    if ("answer" in step) return this.#on(step.answer, ["alerting"], (c) => e.answerCall(c));
    if ("hangUp" in step) {
      return this.#on(
        step.hangUp,
        ["connected", "initiated", "fail", "alerting", "hold"],
        (c) => e.clearConnection(c),
      );
    }
    if ("clearCall" in step) return this.#on(step.clearCall, ["connected", "hold"], (c) => e.clearCall(c));
    if ("hold" in step) return this.#on(step.hold, ["connected"], (c) => e.holdCall(c));
    if ("retrieve" in step) return this.#on(step.retrieve, ["hold"], (c) => e.retrieveCall(c));
    if ("consult" in step) {
      const conn = this.#find(step.consult.device, ["connected"]);
      if (!conn) return `${step.consult.device} has no connected call`;
      return this.#named(step.as, e.consultationCall(conn, step.consult.to));
    }
    if ("alternate" in step) {
      return this.#pair(step.alternate, (held, active) => e.alternateCall(held, active));
    }
    if ("reconnect" in step) {
      return this.#pair(step.reconnect, (held, active) => e.reconnectCall(active, held));
    }
    if ("transfer" in step) return this.#pair(step.transfer, (held, active) => e.transferCall(held, active));
    if ("conference" in step) {
      return this.#pair(step.conference, (held, active) => e.conferenceCall(held, active));
    }
    if ("blindTransfer" in step) {
      return this.#on(
        step.blindTransfer.device,
        ["connected"],
        (c) => e.singleStepTransfer(c, step.blindTransfer.to),
      );
    }
    if ("join" in step) {
      return this.#on(
        step.join.device,
        ["connected"],
        (c) => e.singleStepConference(c, step.join.join, step.join.silent ? "silent" : "active"),
      );
    }
    if ("deflect" in step) {
      return this.#on(step.deflect.device, ["alerting"], (c) => e.deflectCall(c, step.deflect.to));
    }
    if ("pickup" in step) return this.#result(e.groupPickup(step.pickup));
    if ("directedPickup" in step) {
      const { device, from } = step.directedPickup;
      return this.#on(from, ["alerting"], (c) => e.directedPickup(c, device));
    }
    if ("dtmf" in step) {
      return this.#on(step.dtmf.device, ["connected"], (c) => e.generateDigits(c, step.dtmf.digits));
    }
    if ("accountCode" in step) {
      const { device, code } = step.accountCode;
      return this.#on(device, ["connected"], (c) => e.enterAccountCode(c, code));
    }
    if ("callerName" in step) {
      const { device, name } = step.callerName;
      return this.#on(device, ["connected", "hold", "alerting"], (c) => e.updateCallerName(c, name));
    }
    if ("callBack" in step) return this.#on(step.callBack, ["fail"], (c) => e.callBack(c));
    if ("campOn" in step) return this.#on(step.campOn, ["fail"], (c) => e.campOn(c));
    if ("intrude" in step) return this.#on(step.intrude, ["fail"], (c) => e.intrudeCall(c));
    if ("forward" in step) {
      const { device, type, to, on } = step.forward;
      return this.#result(e.setForwarding(device, type, on ?? true, to));
    }
    if ("dnd" in step) return this.#result(e.setDoNotDisturb(step.dnd.device, step.dnd.on));
    if ("remoteAlert" in step) return this.#farEnd(step.remoteAlert, (t) => e.networkAlert(t));
    if ("remoteAnswer" in step) return this.#farEnd(step.remoteAnswer, (t) => e.networkAnswer(t));
    if ("remoteBusy" in step) return this.#farEnd(step.remoteBusy, (t) => e.networkBusy(t));
    return this.#farEnd(step.remoteHangUp, (t) => e.networkRelease(t));
  }

  /** The device's newest connection in one of `states`, tried in the order given. */
  #find(device: string, states: readonly LiveState[]): DeviceConnection | undefined {
    const conns = this.engine.connectionsOf(device);
    for (const state of states) {
      const match = conns.filter((c) => c.state === state).at(-1);
      if (match) return match;
    }
    return undefined;
  }

  #on(
    device: string,
    states: readonly LiveState[],
    act: (conn: ConnRef) => EngineResult<unknown>,
  ): string | undefined {
    const conn = this.#find(device, states);
    if (!conn) return `${device} has no connection in state ${states.join("/")}`;
    return this.#result(act(conn));
  }

  #pair(device: string, act: (held: ConnRef, active: ConnRef) => EngineResult<unknown>): string | undefined {
    const held = this.#find(device, ["hold"]);
    const active = this.#find(device, ["connected", "fail", "initiated"]);
    if (!held || !active) return `${device} needs a held and an active call`;
    return this.#result(act(held, active));
  }

  /** The CO line of a named call, or a trunk number given directly. */
  #farEnd(name: string, act: (trunk: string) => EngineResult<unknown>): string | undefined {
    const named = this.names.get(name);
    let trunk: string | undefined = this.engine.plan.device(name)?.kind === "trunk" ? name : undefined;
    if (!trunk && named) {
      trunk = this.engine.plan.trunks().map((t) => t.number).find((t) =>
        this.engine.connectionsOf(t).some((c) => c.callId === named.callId)
      );
    }
    if (!trunk) return `no CO line for "${name}"`;
    return this.#result(act(trunk));
  }

  #named(name: string | undefined, result: EngineResult<ConnRef>): string | undefined {
    if (result.ok && name) this.names.set(name, result.value);
    return this.#result(result);
  }

  #result(result: EngineResult<unknown>): string | undefined {
    if (result.ok) return undefined;
    const failure = result.failure;
    return "value" in failure ? `${failure.kind}/${failure.value}` : failure.kind;
  }
}

/** Scenarios shipped with the simulator (demo mode; `--scenario NAME`). */
export const BUILTIN_SCENARIOS: Readonly<Record<string, Scenario>> = {
  "incoming-transfer": {
    name: "incoming-transfer",
    description: "0301234567 calls DDI 5551000 (group 600), 101 answers after 3 s, transfers to 102, cleared",
    steps: [
      { incoming: { cli: "0301234567", ddi: "5551000" }, as: "caller" },
      { wait: 3000 },
      { answer: "101" },
      { wait: 5000 },
      { blindTransfer: { device: "101", to: "102" } },
      { wait: 2000 },
      { answer: "102" },
      { wait: 10000 },
      { remoteHangUp: "caller" },
    ],
  },
  "internal-call": {
    name: "internal-call",
    description: "101 calls 102, 102 answers after 2 s, 101 hangs up after 10 s",
    steps: [
      { call: { from: "101", to: "102" } },
      { wait: 2000 },
      { answer: "102" },
      { wait: 10000 },
      { hangUp: "101" },
    ],
  },
  "consultation-conference": {
    name: "consultation-conference",
    description: "101 calls 103, consults 102, makes a conference, everyone hangs up",
    steps: [
      { call: { from: "101", to: "103" } },
      { wait: 2000 },
      { answer: "103" },
      { wait: 3000 },
      { consult: { device: "101", to: "102" } },
      { wait: 2000 },
      { answer: "102" },
      { wait: 2000 },
      { conference: "101" },
      { wait: 8000 },
      { hangUp: "103" },
      { wait: 1000 },
      { hangUp: "102" },
    ],
  },
  "outgoing-call": {
    name: "outgoing-call",
    description: "104 calls 0301234567 on a CO line, the far end rings, answers, hangs up after 10 s",
    steps: [
      { call: { from: "104", to: "0301234567" }, as: "out" },
      { wait: 1000 },
      { remoteAlert: "out" },
      { wait: 3000 },
      { remoteAnswer: "out" },
      { wait: 10000 },
      { remoteHangUp: "out" },
    ],
  },
};
