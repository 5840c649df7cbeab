// The messages between the webhook dispatcher (main thread) and its HTTP sender thread
// (webhook_http_worker.ts): batches of one endpoint's deliveries out, their outcomes back.

/** One endpoint's deliveries to send in order, one at a time, stopping at the first that fails. */
export interface HttpBatch {
  batch: number;
  url: string;
  secret: string;
  userAgent: string;
  timeoutMs: number;
  /** The dispatcher's clock (ms) when it handed the batch over: the signed timestamps follow that clock. */
  handedAt: number;
  items: { id: string; kind: string; body: string }[];
}

/** How one attempt went; `ms` from the request to the end of the answer. */
export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
}

export type ToWorker =
  | { type: "send"; batches: HttpBatch[] }
  | { type: "abort"; batches: number[] };

/** `outcomes` follow the batch's items; items past the end were not sent (a failure before, or a stop). */
export type ToMain = { type: "done"; results: { batch: number; outcomes: PostResult[] }[] };
