// Random call traffic at a given rate for demos and benchmarks: internal, inbound and outbound calls whose
// users answer or not, hold, transfer, deflect, queue and hang up, and outside parties that ring, answer or
// are busy. Seeded, so a run can be repeated; every decision reacts to the engine's own facts.

import type { Clock, TimerHandle } from "../clock.ts";
import type { CallEngine } from "./call_engine.ts";
import type { ConnRef, DeviceKey, EngineFact, SimEvent } from "./call_facts.ts";
import { Dice, seededRandom } from "./seeded_random.ts";

/** Options of a {@link TrafficGenerator}. */
export interface TrafficOptions {
  /** New calls per minute (Poisson arrivals). */
  callsPerMinute: number;
  /** Seed of the random decisions. Default 1. */
  seed?: number;
  /** Relative weights of the call kinds. Default internal 3, inbound 4, outbound 3. */
  mix?: { internal: number; inbound: number; outbound: number };
  /** Mean talk time in ms. Default 30 s. */
  talkMeanMs?: number;
  /** Ring time before a user answers, ms range. Default 1-6 s. */
  ringMs?: [number, number];
  /** A caller gives up a call that rings or waits in a queue this long. Default 20 s. */
  abandonMs?: number;
  /** Share of ringing calls a user answers. Default 0.85. */
  answerProbability?: number;
  /** Share of answered calls that are held for a moment. Default 0.1. */
  holdProbability?: number;
  /** Share of answered calls that are transferred (half blind, half after consultation). Default 0.1. */
  transferProbability?: number;
  /** Share of ringing calls the user deflects to a colleague. Default 0.03. */
  deflectProbability?: number;
  /** Share of outbound calls that meet a busy far end. Default 0.1. */
  remoteBusyProbability?: number;
  /** Share of outbound calls the far end never answers. Default 0.1. */
  remoteNoAnswerProbability?: number;
}

/** What the generator did so far. */
export interface TrafficStats {
  /** Calls the generator tried to start. */
  offered: number;
  /** Calls started (the engine accepted them). */
  started: number;
  /** Calls not started: no idle extension or no free CO line. */
  blocked: number;
  answered: number;
  transfers: number;
  holds: number;
  deflections: number;
  abandoned: number;
}

/** Drives random traffic through a call engine on its clock; `start`/`stop`. */
export class TrafficGenerator {
  readonly stats: TrafficStats = {
    offered: 0,
    started: 0,
    blocked: 0,
    answered: 0,
    transfers: 0,
    holds: 0,
    deflections: 0,
    abandoned: 0,
  };
  readonly #engine: CallEngine;
  readonly #clock: Clock;
  readonly #dice: Dice;
  readonly #options: Required<Omit<TrafficOptions, "seed">>;
  readonly #timers = new Set<TimerHandle>();
  readonly #talkTimers = new Set<number>();
  /** Extensions that will transfer their consultation call once it is answered. */
  readonly #transferOnAnswer = new Set<DeviceKey>();
  #unsubscribe?: () => void;
  #running = false;
  #nextArrivalAt?: number;

  constructor(engine: CallEngine, clock: Clock, options: TrafficOptions) {
    if (!(options.callsPerMinute > 0) || !Number.isFinite(options.callsPerMinute)) {
      throw new RangeError(`callsPerMinute must be a positive number, got ${options.callsPerMinute}`);
    }
    this.#engine = engine;
    this.#clock = clock;
    this.#dice = new Dice(seededRandom(options.seed ?? 1));
    this.#options = {
      callsPerMinute: options.callsPerMinute,
      mix: options.mix ?? { internal: 3, inbound: 4, outbound: 3 },
      talkMeanMs: options.talkMeanMs ?? 30_000,
      ringMs: options.ringMs ?? [1000, 6000],
      abandonMs: options.abandonMs ?? 20_000,
      answerProbability: options.answerProbability ?? 0.85,
      holdProbability: options.holdProbability ?? 0.1,
      transferProbability: options.transferProbability ?? 0.1,
      deflectProbability: options.deflectProbability ?? 0.03,
      remoteBusyProbability: options.remoteBusyProbability ?? 0.1,
      remoteNoAnswerProbability: options.remoteNoAnswerProbability ?? 0.1,
    };
  }

  get running(): boolean {
    return this.#running;
  }

  /** Changes the mean talk time for calls answered from now on. */
  setTalkMean(ms: number): void {
    if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`talk time must be positive, got ${ms} ms`);
    this.#options.talkMeanMs = ms;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#engine.subscribe((fact) => this.#onFact(fact));
    this.#scheduleArrival();
  }

  /** Stops new calls and pending decisions; calls in progress stay as they are. */
  stop(): void {
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const handle of this.#timers) this.#clock.clearTimeout(handle);
    this.#timers.clear();
    this.#talkTimers.clear();
    this.#transferOnAnswer.clear();
    this.#nextArrivalAt = undefined;
  }

  #later(ms: number, action: () => void): void {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      if (this.#running) action();
    }, Math.max(0, ms));
    this.#timers.add(handle);
  }

  /** Arrivals follow an absolute timeline of exponential gaps (Poisson arrivals at the given rate). */
  #scheduleArrival(): void {
    const now = this.#clock.now();
    this.#nextArrivalAt ??= now + this.#gap();
    this.#later(this.#nextArrivalAt - now, () => {
      // A late timer starts every call that is due, so timer granularity (about 1 ms per timer in Deno)
      // does not lower the rate.
      for (let due = 0; due < 10_000 && this.#nextArrivalAt! <= this.#clock.now(); due++) {
        this.#newCall();
        this.#nextArrivalAt! += this.#gap();
      }
      this.#scheduleArrival();
    });
  }

  #gap(): number {
    return this.#dice.exponential(60_000 / this.#options.callsPerMinute);
  }

  #newCall(): void {
    this.stats.offered++;
    const { internal, inbound, outbound } = this.#options.mix;
    const roll = this.#dice.random() * (internal + inbound + outbound);
    const started = roll < internal
      ? this.#internalCall()
      : roll < internal + inbound
      ? this.#inboundCall()
      : this.#outboundCall();
    if (started) this.stats.started++;
    else this.stats.blocked++;
  }

  #idleExtension(): DeviceKey | undefined {
    const extensions = this.#engine.plan.extensions();
    // A few random tries, then give up: at high load most extensions are busy, which is realistic blocking.
    for (let i = 0; i < 8; i++) {
      const candidate = this.#dice.pick(extensions).number;
      if (this.#engine.isIdle(candidate)) return candidate;
    }
    return undefined;
  }

  #internalCall(): boolean {
    const caller = this.#idleExtension();
    if (!caller) return false;
    const extensions = this.#engine.plan.extensions().filter((e) => e.number !== caller);
    const groups = this.#engine.plan.groups();
    const target = groups.length > 0 && this.#dice.chance(0.1)
      ? this.#dice.pick(groups).number
      : this.#dice.pick(extensions).number;
    return this.#engine.makeCall(caller, target).ok;
  }

  #inboundCall(): boolean {
    const plan = this.#engine.plan;
    const ddis = plan.ddiTable();
    if (ddis.length === 0) return false;
    // Many outside callers dial a main number, which rings a group (and may queue there).
    const groupDdis = ddis.filter(([, destination]) => plan.device(destination)?.kind === "group");
    const [ddi] = this.#dice.pick(groupDdis.length > 0 && this.#dice.chance(0.3) ? groupDdis : ddis);
    const cli = this.#dice.chance(0.05)
      ? "restricted" as const
      : `0${this.#dice.between(2, 9)}${this.#dice.digits(8)}`;
    return this.#engine.incomingCall({ cli, ddi }).ok;
  }

  #outboundCall(): boolean {
    const caller = this.#idleExtension();
    if (!caller) return false;
    const number = `${this.#engine.plan.outsideLineCode}${this.#dice.between(2, 9)}${this.#dice.digits(8)}`;
    return this.#engine.makeCall(caller, number).ok;
  }

  #onFact(fact: EngineFact): void {
    if (fact.kind !== "event") return;
    const event = fact.event;
    switch (event.type) {
      case "delivered":
        return this.#onRinging(event);
      case "queued":
        return this.#abandonIfStill(event.queuedConnection, "queued");
      case "networkReached":
        return this.#playFarEnd(event.outboundConnection);
      case "failed":
        return this.#later(this.#dice.between(500, 2000), () => this.#hangUp(event.failedConnection, "fail"));
      case "established":
        return this.#onAnswered(event.establishedConnection);
      case "held":
        return this.#retrieveEventually(event.heldConnection);
    }
  }

  #isExtension(device: DeviceKey): boolean {
    return this.#engine.plan.device(device)?.kind === "extension";
  }

  #onRinging(event: Extract<SimEvent, { type: "delivered" }>): void {
    const ref = event.connection;
    if (!this.#isExtension(ref.device)) return;
    const ring = this.#dice.between(this.#options.ringMs[0], this.#options.ringMs[1]);
    if (event.cause === "callBack" || this.#dice.chance(this.#options.answerProbability)) {
      this.#later(ring, () => {
        if (this.#engine.stateOf(ref) === "alerting" && this.#engine.answerCall(ref).ok) {
          this.stats.answered++;
        }
      });
    } else if (this.#dice.chance(this.#options.deflectProbability / (1 - this.#options.answerProbability))) {
      this.#later(ring, () => {
        const to = this.#dice.pick(this.#engine.plan.extensions()).number;
        if (this.#engine.stateOf(ref) === "alerting" && this.#engine.deflectCall(ref, to).ok) {
          this.stats.deflections++;
        }
      });
    }
    this.#abandonIfStill(ref, "alerting");
  }

  /** The waiting caller gives up if `ref` still rings (or waits in a queue) after the abandon time. */
  #abandonIfStill(ref: ConnRef, state: "alerting" | "queued"): void {
    this.#later(this.#options.abandonMs, () => {
      if (this.#engine.stateOf(ref) !== state) return;
      const caller = this.#engine.callConnections(ref.callId).find((c) =>
        c.device !== ref.device && c.state === "connected"
      );
      if (caller && this.#hangUp(caller)) this.stats.abandoned++;
    });
  }

  #playFarEnd(ref: ConnRef): void {
    const e = this.#engine;
    if (this.#dice.chance(this.#options.remoteBusyProbability)) {
      this.#later(this.#dice.between(500, 1500), () => {
        if (e.stateOf(ref) === "initiated") e.networkBusy(ref.device);
      });
      return;
    }
    this.#later(this.#dice.between(300, 1000), () => {
      if (e.stateOf(ref) === "initiated") e.networkAlert(ref.device);
    });
    if (this.#dice.chance(this.#options.remoteNoAnswerProbability)) {
      this.#later(this.#options.abandonMs, () => {
        if (e.stateOf(ref) !== "alerting") return;
        const caller = e.callConnections(ref.callId).find((c) => c.device !== ref.device);
        if (caller && this.#hangUp(caller)) this.stats.abandoned++;
      });
      return;
    }
    this.#later(this.#dice.between(this.#options.ringMs[0], this.#options.ringMs[1]), () => {
      const state = e.stateOf(ref);
      if ((state === "initiated" || state === "alerting") && e.networkAnswer(ref.device).ok) {
        this.stats.answered++;
      }
    });
  }

  #onAnswered(ref: ConnRef): void {
    const e = this.#engine;
    const consulting = e.callConnections(ref.callId).find((c) => this.#transferOnAnswer.has(c.device));
    if (consulting) {
      this.#transferOnAnswer.delete(consulting.device);
      this.#later(this.#dice.between(1000, 3000), () => this.#completeTransfer(consulting.device));
      return;
    }
    if (!this.#talkTimers.has(ref.callId)) {
      this.#talkTimers.add(ref.callId);
      const talk = this.#dice.exponential(this.#options.talkMeanMs);
      this.#later(talk, () => {
        this.#talkTimers.delete(ref.callId);
        const parties = e.callConnections(ref.callId).filter((c) => c.state === "connected");
        if (parties.length > 0) this.#hangUp(this.#dice.pick(parties));
      });
    }
    if (!this.#isExtension(ref.device)) return;
    if (this.#dice.chance(this.#options.holdProbability)) {
      this.#later(this.#dice.between(1000, 5000), () => {
        if (e.stateOf(ref) === "connected" && e.holdCall(ref).ok) this.stats.holds++;
      });
    } else if (this.#dice.chance(this.#options.transferProbability)) {
      this.#later(this.#dice.between(1000, 5000), () => this.#startTransfer(ref));
    }
  }

  #startTransfer(ref: ConnRef): void {
    const e = this.#engine;
    if (e.stateOf(ref) !== "connected") return;
    const target = this.#idleExtension();
    if (!target || target === ref.device) return;
    if (this.#dice.chance(0.5)) {
      if (e.singleStepTransfer(ref, target).ok) this.stats.transfers++;
      return;
    }
    if (e.consultationCall(ref, target).ok) this.#transferOnAnswer.add(ref.device);
  }

  #completeTransfer(device: DeviceKey): void {
    const conns = this.#engine.connectionsOf(device);
    const held = conns.find((c) => c.state === "hold");
    const active = conns.find((c) => c.state === "connected");
    if (held && active && this.#engine.transferCall(held, active).ok) this.stats.transfers++;
  }

  /** A held call is taken back after a while, once the user has no other active call. */
  #retrieveEventually(ref: ConnRef): void {
    this.#later(this.#dice.between(2000, 8000), () => {
      const e = this.#engine;
      if (e.stateOf(ref) !== "hold") return;
      const busy = e.connectionsOf(ref.device).some((c) => c.state !== "hold" && c.state !== "alerting");
      if (busy) return this.#retrieveEventually(ref);
      this.#transferOnAnswer.delete(ref.device);
      e.retrieveCall(ref);
    });
  }

  /** Hangs up a connection (a CO line: the far end releases); only if it is still in `state` when given. */
  #hangUp(ref: ConnRef, state?: string): boolean {
    const e = this.#engine;
    const current = e.stateOf(ref);
    if (current === undefined || (state !== undefined && current !== state)) return false;
    if (e.plan.device(ref.device)?.kind === "trunk") return e.networkRelease(ref.device).ok;
    return e.clearConnection(ref).ok;
  }
}
