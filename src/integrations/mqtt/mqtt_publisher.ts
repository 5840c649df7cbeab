// The MQTT publisher service: keeps one connection to the broker (reconnecting with back-off), publishes
// status with a last will, the link and line states retained, call events as they happen, and drains the
// durable outbox of records and SMDR lines in order with QoS 1. See docs/integrations.md.

import type { DatabaseSync } from "node:sqlite";
import type { IClientOptions, MqttClient } from "mqtt";
import { type Clock, systemClock, type TimerHandle, withinTime } from "../../clock.ts";
import { Lifecycle } from "../../lifecycle.ts";
import { Latch } from "../../latch.ts";
import type { Logger } from "../../log/logger.ts";
import { backoffDelay } from "../../net/backoff.ts";
import type { Service, ServiceStatus } from "../../service.ts";
import { errorText } from "../../log/error_text.ts";
import { countOrNull } from "../count_or_null.ts";
import { DeliveryStats } from "../delivery_stats.ts";
import { type FeedItem, type IntegrationFeed, payloadJson } from "../integration_feed.ts";
import { DURABLE_KINDS, type IntegrationKind } from "../integration_kinds.ts";
import { immediateWrites, LaterWrite, type OutboxWrites } from "../outbox_commits.ts";
import { clientIdOf, type MqttSettings, topicPrefixOf, topicSafe } from "./mqtt_options.ts";
import { MqttOutbox } from "./mqtt_outbox.ts";
import { homeAssistantDiscovery, RETAINED, topics } from "./mqtt_topics.ts";

/**
 * mqtt.js, loaded the first time MQTT is switched on. With MQTT off (the default) cstabox does not load it
 * or the Node stream layer under it: 3.4 MB less RSS at idle (120 against 117 MB, measured 2026-12-07), and
 * the import took 120 to 280 ms of the start.
 */
let mqttLibrary: Promise<typeof import("mqtt")> | undefined;

function loadMqtt(): Promise<typeof import("mqtt")> {
  return mqttLibrary ??= import("mqtt");
}

export interface MqttPublisherOptions {
  settings: () => MqttSettings;
  /** The appliance's name: the default topic prefix and client id. */
  boxName: string;
  version: string;
  feed: IntegrationFeed;
  db: () => DatabaseSync;
  /**
   * Deletes acknowledged messages from the outbox with the outboxes' next shared commit (the integrations'
   * OutboxCommits; at once without); after a crash in between they are published again (same record id).
   */
  writes?: OutboxWrites;
  /** Enabled extension lines, for Home Assistant discovery. */
  lines: () => readonly { number: string; name: string }[];
  log: Logger;
  clock?: Clock;
  random?: () => number;
  /** Messages of the outbox published before their acknowledgements are awaited. Default 64. */
  window?: number;
}

/** What the publisher reports in its status: the Integrations page and the API show these. */
export interface MqttStatusDetails extends ReturnType<DeliveryStats["snapshot"]> {
  enabled: boolean;
  /** The broker URL, its password redacted; null when none is set. */
  broker: string | null;
  topicPrefix: string;
  connection: MqttConnectionState;
  connectedSince: string | null;
  connects: number;
  lastError: { at: string; message: string } | null;
  nextRetryAt: string | null;
  /** Records and SMDR lines waiting in the outbox; null when the store could not count them. */
  backlog: number | null;
  /** Messages the backlog limit dropped; null when the store could not count them. */
  backlogDropped: number | null;
}

export type MqttConnectionState = "disabled" | "connecting" | "connected" | "waiting";

const CONNECT_TIMEOUT_MS = 10_000;
/** How often the lines are compared with those announced to Home Assistant. */
const DISCOVERY_CHECK_MS = 5_000;

export class MqttPublisher implements Service<MqttStatusDetails> {
  readonly name = "mqtt";
  readonly stats = new DeliveryStats();
  readonly outbox: MqttOutbox;
  readonly #options: MqttPublisherOptions;
  readonly #clock: Clock;
  readonly #lifecycle = new Lifecycle();
  #settings!: MqttSettings;
  #prefix = "";
  #client?: MqttClient;
  /** mqtt.js, once MQTT was switched on ({@link loadMqtt}). */
  #mqtt?: typeof import("mqtt").default;
  #connection: MqttConnectionState = "disabled";
  #connectedSince: string | null = null;
  #lastError: { at: string; message: string } | null = null;
  #attempts = 0;
  #connects = 0;
  #retryTimer?: TimerHandle;
  #nextRetryAt: string | null = null;
  #unsubscribe?: () => void;
  #draining = false;
  #wake = false;
  /** When the durable messages of this process were made (monotonic ms), for their latency. */
  #madeAt = new Map<number, number>();
  /** Settles when the client's connection closes: the outbox stops waiting for its acknowledgements. */
  #closed = new WeakMap<MqttClient, Latch<"closed">>();
  /** Discovery config topics published on this connection. */
  #announced = new Set<string>();
  #discoveryTimer?: TimerHandle;
  /** Every outbox message up to here is acknowledged by the broker (this connection). */
  #cursor = 0;
  /** …and deleted from the outbox up to here. */
  #deletedUpTo = 0;
  readonly #writes: OutboxWrites;
  /** The deletion of acknowledged messages with the outboxes' next commit. */
  readonly #deleteLater: LaterWrite;
  /** The socket held corked until the write batch's timer ends, while one is open. */
  #corked?: MqttClient["stream"];

  constructor(options: MqttPublisherOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.outbox = new MqttOutbox(options.db, this.#clock);
    this.#writes = options.writes ?? immediateWrites;
    this.#deleteLater = new LaterWrite(
      this.#writes,
      () => this.#removeAcknowledged(),
      (e) => this.#notRemoved(e),
    );
  }

  /** The connection now, for the UI and /metrics. */
  get connection(): MqttConnectionState {
    return this.#connection;
  }

  async start(): Promise<void> {
    this.#lifecycle.set("starting");
    this.#settings = this.#options.settings();
    this.#prefix = topicPrefixOf(this.#settings, this.#options.boxName);
    this.#attempts = 0;
    if (!this.#settings.enabled) {
      this.#connection = "disabled";
      this.#lifecycle.set("running");
      return;
    }
    this.#mqtt = (await loadMqtt()).default;
    this.#unsubscribe = this.#options.feed.subscribe(
      (item) => this.#onItem(item),
      (kind) => this.#settings.publish.includes(kind),
    );
    this.#lifecycle.set("running");
    this.#connect();
    if (this.#settings.homeAssistantDiscovery) this.#scheduleDiscovery();
  }

  async stop(): Promise<void> {
    if (this.#lifecycle.state === "stopped") return;
    this.#lifecycle.set("stopping");
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
    if (this.#discoveryTimer !== undefined) this.#clock.clearTimeout(this.#discoveryTimer);
    this.#retryTimer = this.#discoveryTimer = undefined;
    this.#deleteAcknowledged();
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      // A clean stop says so; the last will only covers a crash or a lost connection.
      if (client.connected) {
        await withinTime(
          this.#clock,
          client.publishAsync(topics.status(this.#prefix), "offline", { qos: 1, retain: true }),
          2000,
        ).catch(() => {});
      }
      await withinTime(this.#clock, client.endAsync(), 2000).catch(() => client.end(true));
    }
    this.#connection = "disabled";
    this.#connectedSince = null;
    this.#lifecycle.set("stopped");
  }

  status(): ServiceStatus<MqttStatusDetails> {
    const s = this.#settings ?? this.#options.settings();
    const details: MqttStatusDetails = {
      enabled: s.enabled,
      broker: s.url ? redactUrl(s.url) : null,
      topicPrefix: this.#prefix,
      connection: this.#connection,
      connectedSince: this.#connectedSince,
      connects: this.#connects,
      lastError: this.#lastError,
      nextRetryAt: this.#nextRetryAt,
      backlog: countOrNull(() => this.outbox.size()),
      backlogDropped: countOrNull(() => this.outbox.dropped()),
      ...this.stats.snapshot(),
    };
    const snapshot = this.#lifecycle.snapshot({ details });
    if (snapshot.state !== "running" || !s.enabled) return snapshot;
    if (this.#connection !== "connected") {
      const why = this.#lastError?.message ?? "connecting to the broker";
      return { ...snapshot, state: "degraded", reason: `MQTT broker not connected: ${why}` };
    }
    return snapshot;
  }

  /** Publishes `<prefix>/test` with QoS 1 and waits for the broker's acknowledgement (the UI's test button). */
  async sendTest(): Promise<{ ok: boolean; ms: number; topic: string; error: string | null }> {
    const topic = `${this.#prefix}/test`;
    const client = this.#client;
    if (!this.#settings?.enabled) return { ok: false, ms: 0, topic, error: "MQTT is off (mqtt.enabled)" };
    if (!client || this.#connection !== "connected") {
      return { ok: false, ms: 0, topic, error: `not connected: ${this.#lastError?.message ?? "connecting"}` };
    }
    const started = this.#clock.monotonic();
    const payload = JSON.stringify({
      message: "a test message from cstabox",
      at: new Date(this.#clock.now()).toISOString(),
    });
    try {
      await withinTime(this.#clock, client.publishAsync(topic, payload, { qos: 1 }), CONNECT_TIMEOUT_MS);
      return { ok: true, ms: Math.round(this.#clock.monotonic() - started), topic, error: null };
    } catch (error) {
      return { ok: false, ms: Math.round(this.#clock.monotonic() - started), topic, error: errorText(error) };
    }
  }

  // ---- the feed ---------------------------------------------------------------------------------

  #onItem(item: FeedItem): void {
    if (!this.#settings.publish.includes(item.kind)) return;
    const topic = this.#topicOf(item);
    const payload = payloadJson(item);
    if (DURABLE_KINDS.has(item.kind)) {
      try {
        const stored = this.outbox.append(topic, payload, this.#settings.backlogLimit);
        this.#madeAt.set(stored.position, item.madeAt);
        if (this.#madeAt.size > 100_000) this.#madeAt.clear();
      } catch (error) {
        this.stats.failed[item.kind]++;
        this.#options.log.error("MQTT message not stored in the outbox", { kind: item.kind, error });
        return;
      }
      this.#drain();
      return;
    }
    this.#publishLive(item.kind, topic, payload, item.madeAt);
  }

  #topicOf(item: FeedItem): string {
    switch (item.kind) {
      case "lineState":
        return topics.lineState(this.#prefix, item.payload.line);
      case "callEvent":
        return topics.callEvent(this.#prefix, item.payload.line);
      case "callRecord":
        return topics.callRecord(this.#prefix);
      case "smdr":
        return topics.smdr(this.#prefix);
      case "link":
        return topics.link(this.#prefix);
    }
  }

  /** Line states, call events and the link: now or never (states are published again on reconnect). */
  #publishLive(kind: IntegrationKind, topic: string, payload: string, madeAt?: number): void {
    const client = this.#client;
    if (!client || this.#connection !== "connected") {
      this.stats.dropped[kind]++;
      return;
    }
    this.#batchWrites(client);
    client.publish(
      topic,
      payload,
      { qos: this.#settings.qos as 0 | 1 | 2, retain: RETAINED[kind] },
      (error) => {
        if (error) {
          this.stats.failed[kind]++;
          return;
        }
        this.stats.delivered[kind]++;
        if (madeAt !== undefined) this.stats.latency(this.#clock.monotonic() - madeAt);
      },
    );
  }

  /**
   * Holds the socket's writes for `writeBatchMs`, then sends what was published meanwhile in one write.
   * mqtt.js writes each packet in the turn it was made; at 1,100 messages/s (integrations bench) those
   * writes cost 43 ms of every second on the event loop of the CSTA fan-out, and one write per 5 ms window
   * took 40 µs of CPU off each message (127 to 83 µs, measured with a real Mosquitto, 2026-12-07).
   * A Node stream's cork is counted: mqtt.js's own cork and uncork of each packet nest inside this one.
   */
  #batchWrites(client: MqttClient): void {
    const ms = this.#settings.writeBatchMs;
    const stream = client.stream;
    if (ms <= 0 || this.#corked === stream || typeof stream?.cork !== "function") return;
    stream.cork();
    this.#corked = stream;
    this.#clock.setTimeout(() => {
      if (this.#corked === stream) this.#corked = undefined;
      stream.uncork();
    }, ms);
  }

  // ---- connection -------------------------------------------------------------------------------

  #connect(): void {
    if (this.#lifecycle.state !== "running") return;
    this.#connection = "connecting";
    this.#nextRetryAt = null;
    const s = this.#settings;
    let options: IClientOptions;
    try {
      options = this.#clientOptions(s);
    } catch (error) {
      this.#failed(`the TLS files could not be read: ${errorText(error)}`);
      return;
    }
    const client = this.#mqtt!.connect(s.url, options);
    this.#client = client;
    const closed = new Latch<"closed">();
    this.#closed.set(client, closed);
    let settled = false;
    client.on("connect", () => {
      if (this.#client !== client) return;
      settled = true;
      this.#attempts = 0;
      this.#connects++;
      this.#connection = "connected";
      this.#connectedSince = new Date(this.#clock.now()).toISOString();
      this.#lastError = null;
      this.#deleteAcknowledged();
      this.#cursor = 0;
      this.#options.log.info("MQTT broker connected", { broker: redactUrl(s.url), prefix: this.#prefix });
      this.#announce(client);
      this.#drain();
    });
    client.on("error", (error) => {
      if (this.#client !== client) return;
      this.#lastError = { at: new Date(this.#clock.now()).toISOString(), message: explain(error) };
    });
    client.on("close", () => {
      if (this.#client !== client) return;
      closed.fire("closed");
      const wasConnected = this.#connection === "connected";
      this.#client = undefined;
      client.removeAllListeners();
      client.on("error", () => {});
      client.end(true);
      if (this.#lifecycle.state !== "running") return;
      if (wasConnected) {
        this.#options.log.warn("MQTT broker connection lost", { reason: this.#lastError?.message });
      } else if (!settled) {
        this.#options.log.debug("MQTT connect failed", { reason: this.#lastError?.message });
      }
      this.#failed(this.#lastError?.message ?? "the broker closed the connection");
    });
  }

  #failed(message: string): void {
    this.#lastError = { at: new Date(this.#clock.now()).toISOString(), message };
    this.#connection = "waiting";
    this.#connectedSince = null;
    const delay = backoffDelay(
      this.#attempts++,
      { minMs: this.#settings.reconnectMinSeconds * 1000, maxMs: this.#settings.reconnectMaxSeconds * 1000 },
      this.#options.random ?? Math.random,
    );
    if (this.#attempts === 1) {
      this.#options.log.warn("MQTT broker not reachable; retrying", { reason: message });
    }
    this.#nextRetryAt = new Date(this.#clock.now() + delay).toISOString();
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, delay);
  }

  #clientOptions(s: MqttSettings): IClientOptions {
    const options: IClientOptions = {
      clientId: clientIdOf(s, this.#options.boxName),
      protocolVersion: s.protocolVersion as 4 | 5,
      clean: true,
      // The publisher reconnects itself, with back-off: mqtt.js would retry at a fixed period.
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      keepalive: 30,
      // mqtt.js otherwise clears and sets its ping timer on every acknowledgement (1,100 a second in the
      // integrations bench): 90 to 96 against 99 to 102 µs of CPU per QoS 1 message, measured with a real
      // Mosquitto (2026-12-08). The ping then goes every keepalive period, busy or not.
      reschedulePings: false,
      will: { topic: topics.status(this.#prefix), payload: "offline", qos: 1, retain: true },
    };
    if (s.username !== "") options.username = s.username;
    if (s.password !== "") options.password = s.password;
    if (s.caFile !== "") options.ca = Deno.readTextFileSync(s.caFile);
    if (s.certFile !== "") options.cert = Deno.readTextFileSync(s.certFile);
    if (s.keyFile !== "") options.key = Deno.readTextFileSync(s.keyFile);
    return options;
  }

  /**
   * Home Assistant discovery for lines not announced on this connection yet; a line no longer enabled gets
   * an empty retained config, which removes its entity. Checked at connect and every few seconds after,
   * as lines come from the PBX once the link is up.
   */
  #discover(client: MqttClient): void {
    if (!this.#settings.homeAssistantDiscovery || this.#client !== client) return;
    const lines = this.#safe(() => this.#options.lines(), []);
    const node = topicSafe(this.#options.boxName) || "box";
    const messages = homeAssistantDiscovery({
      discoveryPrefix: this.#settings.homeAssistantPrefix,
      prefix: this.#prefix,
      node,
      boxName: this.#options.boxName,
      version: this.#options.version,
      lines,
    });
    const wanted = new Set(messages.map((m) => m.topic));
    for (const topic of this.#announced) {
      if (!wanted.has(topic)) client.publish(topic, "", { qos: 1, retain: true });
    }
    for (const message of messages) {
      if (this.#announced.has(message.topic)) continue;
      client.publish(message.topic, JSON.stringify(message.payload), { qos: 1, retain: true });
    }
    this.#announced = wanted;
  }

  /** After each connect: online, the link and every line state (retained), Home Assistant discovery. */
  #announce(client: MqttClient): void {
    const publish = this.#settings.publish;
    client.publish(topics.status(this.#prefix), "online", { qos: 1, retain: true });
    if (publish.includes("link")) {
      this.#publishLive("link", topics.link(this.#prefix), JSON.stringify(this.#options.feed.link()));
    }
    if (publish.includes("lineState")) {
      for (const state of this.#options.feed.lineStates()) {
        this.#publishLive("lineState", topics.lineState(this.#prefix, state.line), JSON.stringify(state));
      }
    }
    this.#announced = new Set();
    this.#discover(client);
  }

  #scheduleDiscovery(): void {
    this.#discoveryTimer = this.#clock.setTimeout(() => {
      if (this.#lifecycle.state !== "running") return;
      if (this.#client && this.#connection === "connected") this.#discover(this.#client);
      this.#scheduleDiscovery();
    }, DISCOVERY_CHECK_MS);
  }

  // ---- the outbox -------------------------------------------------------------------------------

  /** Publishes the outbox in order with QoS 1 while connected; each acknowledged window leaves it. */
  #drain(): void {
    if (this.#draining) {
      this.#wake = true;
      return;
    }
    const client = this.#client;
    if (!client || this.#connection !== "connected") return;
    this.#draining = true;
    void this.#drainLoop(client).finally(() => {
      this.#draining = false;
      if (this.#wake) {
        this.#wake = false;
        this.#drain();
      }
    });
  }

  async #drainLoop(client: MqttClient): Promise<void> {
    const qos = Math.max(1, this.#settings.qos) as 1 | 2;
    const closed = this.#closed.get(client) ?? new Latch<"closed">();
    while (this.#client === client && this.#connection === "connected") {
      this.#wake = false;
      const batch = this.outbox.after(this.#cursor, this.#options.window ?? 64);
      if (batch.length === 0) return;
      try {
        // mqtt.js keeps QoS 1 messages of one client in order; a window of them in flight at once.
        this.#batchWrites(client);
        const acked = Promise.all(batch.map((m) => client.publishAsync(m.topic, m.payload, { qos })));
        acked.catch(() => {});
        if (await closed.race(acked) === "closed") return;
      } catch (error) {
        this.#options.log.debug("MQTT outbox publish interrupted", { reason: errorText(error) });
        return;
      }
      if (this.#client !== client) return;
      this.#cursor = batch[batch.length - 1].position;
      this.#deleteLater.schedule();
      for (const message of batch) {
        const kind: IntegrationKind = message.topic.endsWith("/smdr") ? "smdr" : "callRecord";
        this.stats.delivered[kind]++;
        const madeAt = this.#madeAt.get(message.position);
        if (madeAt !== undefined) {
          this.stats.latency(this.#clock.monotonic() - madeAt);
          this.#madeAt.delete(message.position);
        }
      }
    }
  }

  /**
   * Deletes what the broker acknowledged now, in one commit (at a stop and a new connection); the commit
   * also takes the other outboxes' waiting work, so none is left for after the store closes.
   */
  #deleteAcknowledged(): void {
    try {
      this.#writes.commit(() => this.#removeAcknowledged());
    } catch (error) {
      this.#notRemoved(error);
    }
  }

  #removeAcknowledged(): void {
    if (this.#cursor <= this.#deletedUpTo) return;
    const upTo = this.#cursor;
    this.outbox.acknowledge(upTo);
    this.#deletedUpTo = upTo;
  }

  #notRemoved(error: unknown): void {
    this.#options.log.error("acknowledged MQTT messages not removed from the outbox", { error });
  }

  #safe<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch {
      return fallback;
    }
  }
}

/** The broker URL without a password in it, for status and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** An MQTT error in the words an administrator acts on. */
function explain(error: Error & { code?: string | number }): string {
  const message = error.message || String(error);
  // The broker's CONNACK refusal reads "Connection refused: Not authorized": the credentials, not the address.
  if (/Not authorized|Bad username or password|bad user name or password/i.test(message)) {
    return `the broker refused the credentials (${message})`;
  }
  if (/ECONNREFUSED|Connection refused/i.test(message)) return `connection refused (${message})`;
  if (/certificate|self.signed|TLS|SSL/i.test(message)) return `TLS failed (${message})`;
  return message;
}
