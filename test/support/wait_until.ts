// Polling for integration tests: wait until a condition holds, bounded in time, and say what was awaited
// when it never does.

/**
 * Polls `test` every `everyMs` (10 by default) until it holds; rejects after `ms` with `what()`.
 *
 * @example
 * ```ts
 * await waitUntil(() => collector.records.length >= 3, 5000, () => `${collector.records.length} records`);
 * ```
 */
export async function waitUntil(
  test: () => boolean | Promise<boolean>,
  ms: number,
  what: () => string,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
