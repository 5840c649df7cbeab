// The messages between the webhook dispatcher (main thread) and its HTTP sender thread
// (webhook_http_worker.ts): the endpoints' settings, call events handed over once for all endpoints that want
// them, batches of one endpoint's stored deliveries out; their outcomes and the call events' counts back.

/** One endpoint's deliveries to send in order, one at a time, stopping at the first that fails. */
export interface HttpBatch {
  batch: number;
  /**
   * The endpoint whose queue the batch joins (its items and its call events go out one at a time, oldest
   * first); without it the batch is sent on its own (a *send test*).
   */
  endpoint?: string;
  url: string;
  secret: string;
  userAgent: string;
  timeoutMs: number;
  /** The dispatcher's clock (ms) when it handed the batch over: the signed timestamps follow that clock. */
  handedAt: number;
  /** `createdAt` (the dispatcher's clock, ms) orders the items among the endpoint's call events. */
  items: { id: string; kind: string; body: string; createdAt: number }[];
}

/** How one attempt went; `ms` from the request to the end of the answer. */
export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
  /** The dispatcher's clock (ms) when the attempt ended: the delivery log's time, whenever it is reported. */
  at: number;
}

/** What the sender thread needs to send, retry and drop an endpoint's call events itself. */
export interface EndpointConfig {
  id: string;
  url: string;
  secret: string;
  enabled: boolean;
  userAgent: string;
  timeoutMs: number;
  /** Call events waiting per endpoint; more are dropped and counted (`webhooks.queuePerEndpoint`). */
  queueLimit: number;
  /** A call event is given up this long after it was made (`webhooks.eventRetrySeconds`). */
  eventRetryMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

/**
 * A call event, line or link state for every endpoint named: the thread makes each endpoint's delivery
 * (id, body, signature), so the main thread's work per event does not grow with the endpoints.
 */
export interface LiveEvent {
  endpoints: string[];
  kind: string;
  /** The dispatcher's clock (ms) when the event reached it: the body's `createdAt`. */
  createdAt: number;
  /** The event's data, already JSON. */
  data: string;
  /** The dispatcher's clock (ms) of the PBX event, for the delivery latency. */
  madeAt: number;
}

/** One turn's worth for the thread; every part is optional. */
export interface ToWorker {
  /** The dispatcher's clock (ms) when the message was posted. */
  handedAt: number;
  /** Every endpoint (the whole list: one not named is forgotten with its call events). */
  endpoints?: EndpointConfig[];
  /** The call events, as the JSON text of a `LiveEvent[]` (one string clones cheaply; the thread parses). */
  live?: string;
  send?: HttpBatch[];
  abort?: number[];
}

/** An attempt at a call event, as the endpoint's delivery log shows it (`at`: the dispatcher's clock). */
export interface LiveAttempt {
  delivery: string;
  kind: string;
  at: number;
  status: number | null;
  ms: number;
  error: string | null;
  outcome: "delivered" | "retrying" | "dropped";
}

/** What became of one endpoint's call events since the last report. */
export interface LiveReport {
  endpoint: string;
  /** Call events waiting now, by kind. */
  queued: Record<string, number>;
  delivered: Record<string, number>;
  dropped: Record<string, number>;
  /** ms from the PBX event to each delivery. */
  latencies: number[];
  /** The newest attempts, oldest first. */
  attempts: LiveAttempt[];
}

/** `outcomes` follow the batch's items; items past the end were not sent (a failure before, or a stop). */
export interface ToMain {
  results: { batch: number; outcomes: PostResult[] }[];
  live: LiveReport[];
}
