// Reconnect delays for the PBX link and the SMDR push client: doubling from a floor to a ceiling, with
// jitter so that many appliances do not knock on one PBX or collector in step. Randomness is injected.

export interface BackoffPolicy {
  /** The first delay and the floor of every delay. */
  minMs: number;
  /** The ceiling no delay exceeds. */
  maxMs: number;
}

/** The default: 1 s doubling to 60 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { minMs: 1_000, maxMs: 60_000 };

/**
 * The delay before reconnect attempt `attempt` (0 = the first after a loss): a ceiling of
 * `minMs * 2^attempt` capped at `maxMs`, of which a random half is taken off ("equal jitter"), never
 * below `minMs`. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(Math.max(attempt, 0), 40));
  const jittered = ceiling / 2 + (ceiling / 2) * random();
  return Math.min(policy.maxMs, Math.max(policy.minMs, Math.round(jittered)));
}
