// A count read from the store for a status: null, never a made-up 0, when the store cannot answer.

/**
 * `count()`, or null when it throws. Status is read often (every page view, every scrape), so the error is
 * not logged here; the null shows as "unknown". A 0 instead once let "every backlog drained" (an operator's
 * check, and the outage test's) pass while deliveries still waited.
 *
 * @example
 * ```ts
 * const backlog = countOrNull(() => outbox.size()); // 3, or null while the disk fails
 * ```
 */
export function countOrNull(count: () => number): number | null {
  try {
    return count();
  } catch {
    return null;
  }
}
