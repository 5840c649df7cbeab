// The trial: 45 days with 25 lines from the first start, as the estos driver offers. Fixed by design, not
// settings: a trial an administrator could lengthen would be no trial.

export const TRIAL_DAYS = 45;
export const TRIAL_LINES = 25;
export const DAY_MS = 86_400_000;

export interface TrialState {
  startedAt: number;
  endsAt: number;
  ended: boolean;
  /** Whole days left, counting a started day as a day; 0 once ended. */
  daysLeft: number;
}

/** Where the trial stands at `now`, given when it started. */
export function trialState(startedAt: number, now: number): TrialState {
  const endsAt = startedAt + TRIAL_DAYS * DAY_MS;
  const ended = now >= endsAt;
  return { startedAt, endsAt, ended, daysLeft: ended ? 0 : Math.ceil((endsAt - now) / DAY_MS) };
}
