// What /metrics reports: the appliance's figures, read from the services at scrape time, as Prometheus
// families. docs/integrations.md lists them for Grafana; a test parses the text strictly.

import type { CstaListenerDetails } from "../../server/csta_listener.ts";
import type { DeliveryStats } from "../delivery_stats.ts";
import { INTEGRATION_KINDS } from "../integration_kinds.ts";
import type { MetricFamily, MetricType, Sample } from "./exposition.ts";

export interface MetricsSources {
  link: () => { up: boolean; connects: number; reconnects: number; requests: number; timeouts: number };
  listeners: () => CstaListenerDetails[];
  multiplexer: () => {
    applications: { transport: string; queuedBytes: number; monitors: number }[];
    monitors: number;
    eventsReceived: number;
    eventCopiesSent: number;
    eventsFiltered: number;
    eventsUnknownXref: number;
    shedForMemory: number;
    refusedAttaches: number;
    licenceRefusals: number;
  };
  smdr: () => { records: number; backlog: number; dropped: number; collectors: number };
  calls: () => { inProgress: number; records: number };
  licence: () => { linesLicensed: number; linesInUse: number; daysLeft: number | null; mode: string };
  certificateDaysLeft: () => number | null;
  mqtt: () => {
    connected: boolean;
    backlog: number;
    backlogDropped: number;
    connects: number;
    stats: DeliveryStats;
  };
  webhooks: () => { endpoints: number; backlog: number; queued: number; stats: DeliveryStats };
  /** The line API (issue 20): clients holding lines, open lines, their calls. */
  lineApi: () => { clients: number; openLines: number; calls: number };
  process: () => {
    rssBytes: number;
    heapUsedBytes: number;
    heapTotalBytes: number;
    externalBytes: number;
    uptimeSeconds: number;
  };
  eventLoop: () => { maxSeconds: number; sumSeconds: number; count: number };
}

/** Every family, each read from its source; a source that throws leaves its families out, not the scrape. */
export function collectMetrics(s: MetricsSources): MetricFamily[] {
  const out: MetricFamily[] = [];
  const add = (name: string, type: MetricType, help: string, samples: Sample[] | number) => {
    out.push({
      name: `cstabox_${name}`,
      type,
      help,
      samples: typeof samples === "number" ? [{ value: samples }] : samples,
    });
  };
  const section = (read: () => void) => {
    try {
      read();
    } catch {
      // A service not started yet (certificate store) has no figures; the others still count.
    }
  };

  section(() => {
    const link = s.link();
    add("pbx_link_up", "gauge", "1 while the CSTA link to the PBX is associated, else 0", link.up ? 1 : 0);
    add("pbx_link_connects_total", "counter", "CSTA associations made with the PBX", link.connects);
    add(
      "pbx_link_reconnects_total",
      "counter",
      "reconnects to the PBX after the link was lost",
      link.reconnects,
    );
    add("pbx_requests_total", "counter", "requests sent to the PBX", link.requests);
    add("pbx_request_timeouts_total", "counter", "requests the PBX did not answer in time", link.timeouts);
  });

  section(() => {
    const mux = s.multiplexer();
    const byTransport = new Map<string, { apps: number; queued: number }>();
    for (const app of mux.applications) {
      const t = byTransport.get(app.transport) ?? { apps: 0, queued: 0 };
      t.apps++;
      t.queued += app.queuedBytes;
      byTransport.set(app.transport, t);
    }
    for (const transport of ["tcp", "tls"]) {
      byTransport.set(transport, byTransport.get(transport) ?? { apps: 0, queued: 0 });
    }
    const per = (pick: (t: { apps: number; queued: number }) => number) =>
      [...byTransport].map(([transport, t]) => ({ labels: { transport }, value: pick(t) }));
    add(
      "applications",
      "gauge",
      "applications attached to the multiplexer, by transport",
      per((t) => t.apps),
    );
    add(
      "queued_bytes",
      "gauge",
      "bytes queued for applications that have not read them yet, by transport",
      per((t) => t.queued),
    );
    add("monitors", "gauge", "devices monitored at the PBX", mux.monitors);
    add("events_in_total", "counter", "CSTA events received from the PBX", mux.eventsReceived);
    add("events_out_total", "counter", "event copies sent to applications", mux.eventCopiesSent);
    add("event_copies_dropped_total", "counter", "event copies not sent, by reason", [
      { labels: { reason: "filtered" }, value: mux.eventsFiltered },
      { labels: { reason: "unknown_monitor" }, value: mux.eventsUnknownXref },
    ]);
    add("applications_refused_total", "counter", "applications refused at attach, by reason", [
      { labels: { reason: "application_limit" }, value: mux.refusedAttaches },
    ]);
    add(
      "licence_refusals_total",
      "counter",
      "monitors refused for want of a licence seat",
      mux.licenceRefusals,
    );
    const cut: Sample[] = [{
      labels: { transport: "all", reason: "memory_budget" },
      value: mux.shedForMemory,
    }];
    section(() => {
      for (const l of s.listeners()) {
        cut.push({ labels: { transport: l.transport, reason: "slow_reader" }, value: l.droppedSlow });
        cut.push({
          labels: { transport: l.transport, reason: "malformed_frames" },
          value: l.closedMalformed,
        });
        cut.push({
          labels: { transport: l.transport, reason: "incomplete_frame" },
          value: l.closedIncompleteFrame,
        });
      }
    });
    add(
      "applications_cut_off_total",
      "counter",
      "applications disconnected by cstabox, by transport and reason",
      cut,
    );
  });

  section(() => {
    const listeners = s.listeners();
    add(
      "connections_accepted_total",
      "counter",
      "CSTA connections accepted, by transport",
      listeners.map((l) => ({ labels: { transport: l.transport }, value: l.accepted })),
    );
    add(
      "logins_failed_total",
      "counter",
      "CSTA logins refused, by transport",
      listeners.map((l) => ({ labels: { transport: l.transport }, value: l.loginFailed })),
    );
  });

  section(() => {
    const smdr = s.smdr();
    add("smdr_records_total", "counter", "SMDR records stored", smdr.records);
    add("smdr_push_backlog_records", "gauge", "SMDR records waiting for the push collector", smdr.backlog);
    add("smdr_push_dropped_total", "counter", "SMDR records dropped by the push backlog limit", smdr.dropped);
    add("smdr_collectors", "gauge", "SMDR collectors connected in local mode", smdr.collectors);
  });

  section(() => {
    const calls = s.calls();
    add("calls_in_progress", "gauge", "calls the call tracker follows now", calls.inProgress);
    add("call_records_total", "counter", "finished-call records made", calls.records);
  });

  section(() => {
    const licence = s.licence();
    add("licence_seats_used", "gauge", "licence seats in use (one per monitored device)", licence.linesInUse);
    add(
      "licence_seats_licensed",
      "gauge",
      "licence seats the trial or the keys allow",
      licence.linesLicensed,
    );
    if (licence.daysLeft !== null) {
      add("licence_days_left", "gauge", "days until the trial or the first licence key ends", [
        { labels: { mode: licence.mode }, value: licence.daysLeft },
      ]);
    }
  });

  section(() => {
    const days = s.certificateDaysLeft();
    if (days !== null) add("certificate_days_left", "gauge", "days until the TLS certificate expires", days);
  });

  section(() => {
    const mqtt = s.mqtt();
    add("mqtt_connected", "gauge", "1 while connected to the MQTT broker", mqtt.connected ? 1 : 0);
    add("mqtt_connects_total", "counter", "connections made to the MQTT broker", mqtt.connects);
    add("mqtt_backlog_messages", "gauge", "records and SMDR lines waiting for the MQTT broker", mqtt.backlog);
    add(
      "mqtt_backlog_dropped_total",
      "counter",
      "records and SMDR lines dropped by the MQTT backlog limit",
      mqtt.backlogDropped,
    );
    deliveries(add, "mqtt", "MQTT messages", mqtt.stats);
  });

  section(() => {
    const hooks = s.webhooks();
    add("webhook_endpoints", "gauge", "webhook endpoints configured", hooks.endpoints);
    add(
      "webhook_backlog_deliveries",
      "gauge",
      "record and SMDR deliveries waiting for their endpoints",
      hooks.backlog,
    );
    add("webhook_queued_deliveries", "gauge", "call event deliveries waiting in memory", hooks.queued);
    deliveries(add, "webhook", "webhook deliveries", hooks.stats);
  });

  section(() => {
    const lineApi = s.lineApi();
    add("line_api_clients", "gauge", "line API clients holding open lines", lineApi.clients);
    add("line_api_open_lines", "gauge", "lines open through the line API", lineApi.openLines);
    add("line_api_calls", "gauge", "calls on the line API's open lines", lineApi.calls);
  });

  section(() => {
    const p = s.process();
    add("process_resident_memory_bytes", "gauge", "resident set size of the cstabox process", p.rssBytes);
    add("process_heap_used_bytes", "gauge", "V8 heap in use", p.heapUsedBytes);
    add("process_heap_total_bytes", "gauge", "V8 heap reserved", p.heapTotalBytes);
    add(
      "process_external_bytes",
      "gauge",
      "memory outside the V8 heap held by JavaScript objects",
      p.externalBytes,
    );
    add("process_uptime_seconds", "gauge", "seconds since cstabox started", p.uptimeSeconds);
    const loop = s.eventLoop();
    add(
      "event_loop_delay_max_seconds",
      "gauge",
      "largest event-loop delay since the previous scrape",
      loop.maxSeconds,
    );
    add("event_loop_delay_seconds", "summary", "event-loop delay measured every 100 ms", [
      { suffix: "_sum", value: loop.sumSeconds },
      { suffix: "_count", value: loop.count },
    ]);
  });
  return out;
}

function deliveries(
  add: (name: string, type: MetricType, help: string, samples: Sample[]) => void,
  prefix: string,
  what: string,
  stats: DeliveryStats,
): void {
  const byKind = (counts: Record<string, number>) =>
    INTEGRATION_KINDS.map((kind) => ({ labels: { kind }, value: counts[kind] }));
  add(`${prefix}_delivered_total`, "counter", `${what} delivered, by kind`, byKind(stats.delivered));
  add(`${prefix}_failed_total`, "counter", `${what} that failed, by kind`, byKind(stats.failed));
  add(
    `${prefix}_dropped_total`,
    "counter",
    `${what} given up (receiver away, queue full), by kind`,
    byKind(stats.dropped),
  );
  add(
    `${prefix}_delivery_latency_seconds`,
    "summary",
    `delay from the PBX event to its acknowledged delivery (${what})`,
    [
      { labels: { quantile: "0.5" }, value: (stats.quantile(0.5) ?? NaN) / 1000 },
      { labels: { quantile: "0.99" }, value: (stats.quantile(0.99) ?? NaN) / 1000 },
      { suffix: "_sum", value: stats.latencySum },
      { suffix: "_count", value: stats.latencyCount },
    ],
  );
}
