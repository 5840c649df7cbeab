// The one stream MQTT and webhooks read: line states and call events from the call tracker's live view,
// finished-call records, SMDR lines and the PBX link state, each stamped with the monotonic time it was
// made (for the publish latency figures).

import type { CallRecord } from "../calls/call_record.ts";
import type { CallView, CallViewChange } from "../calls/call_view.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { Logger } from "../log/logger.ts";
import type { StoredRecord } from "../smdr/outbox.ts";
import { parseRecord } from "../smdr/record.ts";
import { DURABLE_KINDS, type IntegrationKind } from "./integration_kinds.ts";
import { type CallEventPayload, type LinePartyFormatter, type LineState, LineStates } from "./line_states.ts";

/** One SMDR line as JSON: its position in the SMDR outbox, the 162 characters, and the fields. */
export interface SmdrLinePayload {
  position: number;
  at: string;
  raw: string;
  fields: Record<string, string> | null;
}

export interface LinkPayload {
  state: "up" | "down";
  /** The link's own state (`ready`, `connecting`, …). */
  detail: string;
  since: string;
}

export type FeedItem =
  | { kind: "lineState"; lines: readonly string[]; payload: LineState; madeAt: number }
  | { kind: "callEvent"; lines: readonly string[]; payload: CallEventPayload; madeAt: number }
  | { kind: "callRecord"; lines: readonly string[]; payload: CallRecord; madeAt: number }
  | { kind: "smdr"; lines: readonly string[]; payload: SmdrLinePayload; madeAt: number }
  | { kind: "link"; lines: readonly string[]; payload: LinkPayload; madeAt: number };

/** What the feed reads; the composition root passes the call tracker, SMDR service and PBX link. */
export interface FeedSources {
  calls: {
    calls(): CallView[];
    /** A change without detail (or `all`) makes the feed read the whole view again. */
    onChange(listener: (change?: CallViewChange) => void): () => void;
    onRecord(listener: (record: CallRecord) => void): () => void;
  };
  smdr: { onRecord(listener: (record: StoredRecord) => void): () => void };
  /** The PBX link's state now (`ready` = up). */
  linkState: () => string;
  /** The numbers of the stored lines (for line states and webhook line filters). */
  isLine: (number: string) => boolean;
  formatParty?: LinePartyFormatter;
  /**
   * Runs the deliveries of one record or SMDR line to every subscriber as one transaction of the store, so
   * each record is in every durable outbox or in none, whenever the process dies (one commit, one fsync).
   */
  durably?: (work: () => void) => void;
  /**
   * Records and SMDR lines made within this many ms go to the outboxes in one commit (0 = each at once).
   * A commit costs one fsync: 6.5 ms measured on the 2-core development VM, so 100 records/s committed one
   * by one would hold the event loop 65 % of the time.
   */
  commitIntervalMs?: () => number;
  log: Logger;
  clock?: Clock;
  /** How often the link state is read. Default 500 ms. */
  linkPollMs?: number;
}

export class IntegrationFeed {
  readonly #options: FeedSources;
  readonly #clock: Clock;
  readonly #lines: LineStates;
  readonly #subscribers = new Set<(item: FeedItem) => void>();
  readonly #wants = new Map<(item: FeedItem) => void, (kind: IntegrationKind) => boolean>();
  #unsubscribe: (() => void)[] = [];
  #linkTimer?: TimerHandle;
  /** Records and SMDR lines waiting for the next group commit. */
  #batch: FeedItem[] = [];
  #batchTimer?: TimerHandle;
  #link: LinkPayload;
  /** The line states were not kept up while nobody wanted them: the next change reads the whole view. */
  #stale = true;
  readonly counters: Record<IntegrationKind, number> = {
    lineState: 0,
    callEvent: 0,
    callRecord: 0,
    smdr: 0,
    link: 0,
  };

  constructor(sources: FeedSources) {
    this.#options = sources;
    this.#clock = sources.clock ?? systemClock;
    this.#lines = new LineStates(sources.isLine, sources.formatParty);
    this.#link = this.#readLink();
  }

  /**
   * Every item from now on; returns the unsubscribe function. `wants` says which kinds the subscriber
   * takes now (all without it): line states and call events are only worked out while someone wants them.
   * Unsubscribing first hands over the records waiting for the group commit: MQTT and webhooks leave when
   * cstabox stops, before the store closes, and those records would otherwise reach no outbox.
   */
  subscribe(listener: (item: FeedItem) => void, wants?: (kind: IntegrationKind) => boolean): () => void {
    this.#subscribers.add(listener);
    if (wants) this.#wants.set(listener, wants);
    return () => {
      if (this.#subscribers.has(listener)) this.flush();
      this.#subscribers.delete(listener);
      this.#wants.delete(listener);
    };
  }

  /** The lines' states now (for retained topics after a reconnect). */
  lineStates(): LineState[] {
    return this.#lines.states();
  }

  link(): LinkPayload {
    return this.#link;
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    this.#unsubscribe = [
      this.#options.calls.onChange((change) => this.#viewChanged(change)),
      this.#options.calls.onRecord((record) =>
        this.#emit({
          kind: "callRecord",
          lines: this.#recordLines(record),
          payload: record,
          madeAt: this.#clock.monotonic(),
        })
      ),
      this.#options.smdr.onRecord((stored) =>
        this.#emit({ kind: "smdr", lines: [], payload: smdrPayload(stored), madeAt: this.#clock.monotonic() })
      ),
    ];
    this.#pollLink();
  }

  stop(): void {
    this.flush();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    if (this.#linkTimer !== undefined) this.#clock.clearTimeout(this.#linkTimer);
    this.#linkTimer = undefined;
  }

  /**
   * Reads the calls that changed after every change, so each state a call takes on a line is reported,
   * also when the PBX sends Delivered and Established in one read; the whole view only after a re-sync or
   * when the line states were not kept up (nobody wanted them).
   */
  #viewChanged(change: CallViewChange | undefined): void {
    if (!this.#wanted("lineState") && !this.#wanted("callEvent")) {
      this.#stale = true;
      return;
    }
    const madeAt = this.#clock.monotonic();
    const at = new Date(this.#clock.now());
    const full = this.#stale || change === undefined || change.all;
    this.#stale = false;
    const { events, lines } = full
      ? this.#lines.update(this.#options.calls.calls(), at)
      : this.#lines.change(change.calls, change.ended, at);
    for (const event of events) {
      this.#emit({ kind: "callEvent", lines: [event.line], payload: event, madeAt });
    }
    for (const state of lines) {
      this.#emit({ kind: "lineState", lines: [state.line], payload: state, madeAt });
    }
  }

  #pollLink(): void {
    const next = this.#readLink();
    if (next.state !== this.#link.state) {
      this.#link = next;
      this.#emit({ kind: "link", lines: [], payload: next, madeAt: this.#clock.monotonic() });
    }
    this.#linkTimer = this.#clock.setTimeout(() => this.#pollLink(), this.#options.linkPollMs ?? 500);
  }

  #readLink(): LinkPayload {
    const detail = this.#options.linkState();
    return {
      state: detail === "ready" ? "up" : "down",
      detail,
      since: new Date(this.#clock.now()).toISOString(),
    };
  }

  #recordLines(record: CallRecord): string[] {
    const numbers = [
      record.from,
      record.to,
      record.answeredBy,
      ...record.transfers.flatMap((t) => [t.from, t.to]),
    ]
      .map((p) => p?.number)
      .filter((n): n is string => n !== undefined && this.#options.isLine(n));
    return [...new Set(numbers)];
  }

  /** Hands the records and SMDR lines waiting for the group commit to the subscribers now, in one commit. */
  flush(): void {
    if (this.#batchTimer !== undefined) this.#clock.clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    const items = this.#batch;
    if (items.length === 0) return;
    this.#batch = [];
    try {
      this.#options.durably!(() => {
        for (const item of items) this.#deliver(item);
      });
    } catch (error) {
      this.#options.log.error("integration outboxes not committed", { items: items.length, error });
    }
  }

  #emit(item: FeedItem): void {
    this.counters[item.kind]++;
    if (!this.#options.durably || !DURABLE_KINDS.has(item.kind) || this.#subscribers.size === 0) {
      return this.#deliver(item);
    }
    this.#batch.push(item);
    const ms = this.#options.commitIntervalMs?.() ?? 0;
    if (ms <= 0) return this.flush();
    this.#batchTimer ??= this.#clock.setTimeout(() => {
      this.#batchTimer = undefined;
      this.flush();
    }, ms);
  }

  /** Whether any subscriber takes this kind now. */
  #wanted(kind: IntegrationKind): boolean {
    for (const subscriber of this.#subscribers) {
      const wants = this.#wants.get(subscriber);
      if (!wants || wants(kind)) return true;
    }
    return false;
  }

  #deliver(item: FeedItem): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(item);
      } catch (error) {
        this.#options.log.error("integration subscriber failed", { kind: item.kind, error });
      }
    }
  }
}

const payloadTexts = new WeakMap<object, string>();

/**
 * An item's payload as JSON, made once for all subscribers (MQTT and every webhook endpoint send the same
 * text: one stringify per call event instead of one per receiver).
 */
export function payloadJson(item: FeedItem): string {
  let text = payloadTexts.get(item.payload);
  if (text === undefined) {
    text = JSON.stringify(item.payload);
    payloadTexts.set(item.payload, text);
  }
  return text;
}

function smdrPayload(stored: StoredRecord): SmdrLinePayload {
  let fields: Record<string, string> | null = null;
  try {
    fields = Object.fromEntries(Object.entries(parseRecord(stored.record)).map(([k, v]) => [k, v.trim()]));
  } catch {
    fields = null;
  }
  return {
    position: stored.position,
    at: new Date(stored.createdAt).toISOString(),
    raw: stored.record,
    fields,
  };
}
