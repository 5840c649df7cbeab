// The body of every webhook delivery, made on the main thread for stored deliveries and on the sender thread
// for call events.

/**
 * The JSON a delivery carries: what it is, its id (also in `X-Cstabox-Delivery`), when, and the data
 * (`dataJson`, already JSON, so one payload is serialised once for every endpoint). The same text as
 * `JSON.stringify({ event, delivery, createdAt, data })`.
 *
 * @example
 * ```ts
 * deliveryBody("d1", "callEvent", 0, '{"line":"101"}');
 * // '{"event":"callEvent","delivery":"d1","createdAt":"1970-01-01T00:00:00.000Z","data":{"line":"101"}}'
 * ```
 */
export function deliveryBody(id: string, kind: string, createdAt: number, dataJson: string): string {
  const head = JSON.stringify({ event: kind, delivery: id, createdAt: new Date(createdAt).toISOString() });
  return `${head.slice(0, -1)},"data":${dataJson}}`;
}
