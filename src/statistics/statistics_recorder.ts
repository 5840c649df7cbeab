// Records the appliance's figures once a minute on the Clock (events from the PBX, finished calls, SMDR
// records, whether the PBX link stayed up, memory) into the store, for the Statistics page's charts. The
// minute cstabox stops in is written at stop, so a restart loses nothing; the minutes it was off stay empty.

import type { Clock, TimerHandle } from "../clock.ts";
import { Lifecycle } from "../lifecycle.ts";
import { errorText } from "../log/error_text.ts";
import type { Logger } from "../log/logger.ts";
import type { Service, ServiceStatus } from "../service.ts";
import { readCharts, type SeriesChart } from "./statistic_charts.ts";
import { MINUTE_MS, SERIES, type SeriesDefinition, type SeriesName } from "./statistic_series.ts";
import type { MinuteValues, StatisticsStore } from "./statistics_store.ts";

/** What the recorder reads each minute; the counters only grow while their service runs. */
export interface StatisticsSample {
  /** CSTA events received from the PBX since the switchboard started. */
  eventsIn: number;
  /** Finished calls since call tracking started. */
  callsFinished: number;
  /** The SMDR store's last record position (kept across restarts). */
  smdrRecords: number;
  linkUp: boolean;
  /** Times the link connected: a change between two readings means it went down between them. */
  linkConnects: number;
  rssBytes: number;
}

export interface StatisticsRecorderOptions {
  store: StatisticsStore;
  sample: () => StatisticsSample;
  clock: Clock;
  log: Logger;
  series?: readonly SeriesDefinition[];
}

export interface StatisticsDetails {
  /** Rows kept in the store, every series together (fixed once the longest range has passed). */
  rows: number;
  lastWrittenAt: string | null;
}

export class StatisticsRecorder implements Service<StatisticsDetails> {
  readonly name = "statistics";
  #options: StatisticsRecorderOptions;
  #series: readonly SeriesDefinition[];
  #lifecycle = new Lifecycle();
  #timer?: TimerHandle;
  #previous?: StatisticsSample;
  #lastWrittenAt?: number;

  constructor(options: StatisticsRecorderOptions) {
    this.#options = options;
    this.#series = options.series ?? SERIES;
  }

  start(): Promise<void> {
    this.#previous = this.#read();
    this.#lifecycle.set("running");
    this.#schedule();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // The minute under way, so far: counts add to what the next start writes into the same minute.
    if (this.#lifecycle.state !== "stopped") this.#record(this.#options.clock.now(), "current");
    this.#previous = undefined;
    this.#lifecycle.set("stopped");
    return Promise.resolve();
  }

  status(): ServiceStatus<StatisticsDetails> {
    let rows = 0;
    try {
      rows = this.#options.store.count();
    } catch { /* the store is down: its own status says why */ }
    return this.#lifecycle.snapshot({
      details: {
        rows,
        lastWrittenAt: this.#lastWrittenAt === undefined ? null : new Date(this.#lastWrittenAt).toISOString(),
      },
    });
  }

  /** Every series' chart now. */
  charts(): SeriesChart[] {
    return readCharts(this.#options.store, this.#options.clock.now(), this.#series);
  }

  #schedule(): void {
    const now = this.#options.clock.now();
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#record(this.#options.clock.now(), "ended");
      this.#schedule();
    }, MINUTE_MS - (now % MINUTE_MS));
  }

  /** Writes the minute that just `ended` at a tick, or the `current` one at stop. */
  #record(now: number, which: "ended" | "current"): void {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS - (which === "ended" ? MINUTE_MS : 0);
    const previous = this.#previous;
    const current = this.#read();
    this.#previous = current;
    // Without both readings the minute is left empty: a gap, which is what is known about it.
    if (!previous || !current) return;
    try {
      this.#options.store.writeMinute(this.#series, minute, minuteValues(previous, current), now);
      this.#lastWrittenAt = now;
      if (this.#lifecycle.state === "degraded") this.#lifecycle.set("running");
    } catch (error) {
      const reason = `figures not stored: ${errorText(error)}`;
      if (this.#lifecycle.state !== "degraded") this.#options.log.warn(reason, { minute });
      this.#lifecycle.set("degraded", reason);
    }
  }

  #read(): StatisticsSample | undefined {
    try {
      return this.#options.sample();
    } catch (error) {
      this.#options.log.warn("figures not read: the minute stays empty", { error });
      return undefined;
    }
  }
}

/** One minute's values from the readings at its start and end. */
export function minuteValues(previous: StatisticsSample, current: StatisticsSample): MinuteValues {
  const values: Record<SeriesName, number> = {
    events: grew(previous.eventsIn, current.eventsIn),
    calls: grew(previous.callsFinished, current.callsFinished),
    // The store's position only goes back when a restore replaced the database: no records were made then.
    smdr: Math.max(0, current.smdrRecords - previous.smdrRecords),
    // Up for the minute only when up at both ends and not reconnected in between.
    link: previous.linkUp && current.linkUp && previous.linkConnects === current.linkConnects ? 1 : 0,
    rss: current.rssBytes,
  };
  return values;
}

/** How much a counter grew; a counter that went back (its service restarted) grew by its new value. */
function grew(before: number, after: number): number {
  return after >= before ? after - before : after;
}
