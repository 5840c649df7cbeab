// Test support: a small plan, a call engine on a ManualClock, and the facts it reported, in a compact
// readable form per device.

import { ManualClock } from "../../../src/clock.ts";
import { CallEngine, type CallEngineOptions, type EngineResult } from "../../../src/sim/call_engine.ts";
import type { ConnRef, EngineFact, EventFact, Party, SimEvent } from "../../../src/sim/call_facts.ts";
import { DevicePlan, type DevicePlanOptions } from "../../../src/sim/device_plan.ts";

/** An engine with recorded facts. */
export interface EngineHarness {
  engine: CallEngine;
  clock: ManualClock;
  facts: EngineFact[];
  /** Event facts reported to `device`, as `"type conn state"` lines (see {@link describeFact}). */
  linesFor(device: string): string[];
  /** Unwraps a result, failing the test with the UniversalFailure otherwise. */
  must<T>(result: EngineResult<T>): T;
}

export function engineHarness(
  planOptions: DevicePlanOptions = { extensions: "101-110", trunks: 2 },
  engineOptions: Partial<CallEngineOptions> = {},
): EngineHarness {
  const plan = DevicePlan.build(planOptions);
  const clock = new ManualClock();
  const engine = new CallEngine({ plan, clock, ...engineOptions });
  const facts: EngineFact[] = [];
  engine.subscribe((fact) => facts.push(fact));
  return {
    engine,
    clock,
    facts,
    linesFor: (device) =>
      facts.filter((f): f is EventFact => f.kind === "event" && f.observers.some((o) => o.device === device))
        .map((f) => describeFact(f, device)),
    must: (result) => {
      if (!result.ok) throw new Error(`engine refused: ${JSON.stringify(result.failure)}`);
      return result.value;
    },
  };
}

function conn(ref: ConnRef): string {
  return `${ref.callId}:${ref.device}`;
}

function party(p: Party | undefined): string {
  if (!p) return "-";
  return p.kind === "device" || p.kind === "external" ? p.number : p.kind;
}

/** The connection an event is about. */
export function mainConnection(event: SimEvent): string {
  switch (event.type) {
    case "serviceInitiated":
      return conn(event.initiatedConnection);
    case "originated":
      return conn(event.originatedConnection);
    case "networkReached":
      return conn(event.outboundConnection);
    case "delivered":
    case "diverted":
    case "digitsGenerated":
    case "callInformation":
      return conn(event.connection);
    case "established":
      return conn(event.establishedConnection);
    case "connectionCleared":
      return conn(event.droppedConnection);
    case "callCleared":
      return String(event.clearedCall);
    case "held":
      return conn(event.heldConnection);
    case "retrieved":
      return conn(event.retrievedConnection);
    case "failed":
      return conn(event.failedConnection);
    case "queued":
      return conn(event.queuedConnection);
    case "transferred":
    case "conferenced":
      return conn(event.primaryOldCall);
    case "doNotDisturb":
    case "forwarding":
      return party(event.device);
  }
}

/** `"delivered 1:102 cause=newCall state=alerting"` as seen by `device`. */
export function describeFact(fact: EventFact, device: string): string {
  const observer = fact.observers.find((o) => o.device === device);
  const cause = "cause" in fact.event ? ` cause=${fact.event.cause}` : "";
  const state = observer?.localState ? ` state=${observer.localState}` : "";
  return `${fact.event.type} ${mainConnection(fact.event)}${cause}${state}`;
}
