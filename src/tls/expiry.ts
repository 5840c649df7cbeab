// How close a certificate is to its end: days left, a warning from a number of days before (30 by
// default), an error once expired or while not yet valid. Time is passed in, so tests use a fake clock.

export type ExpiryState = "valid" | "expires_soon" | "expired" | "not_yet_valid";

export interface Expiry {
  state: ExpiryState;
  /** Whole days until notAfter, rounded down; negative once expired. */
  daysLeft: number;
  /** Plain words for the status page. */
  message: string;
}

/** Days before notAfter from which status warns, unless the settings say otherwise. */
export const defaultWarningDays = 30;

const dayMs = 86_400_000;

export function assessExpiry(
  notBefore: Date,
  notAfter: Date,
  now: number,
  warningDays = defaultWarningDays,
): Expiry {
  const daysLeft = Math.floor((notAfter.getTime() - now) / dayMs);
  const until = notAfter.toISOString();
  if (now < notBefore.getTime()) {
    const days = Math.ceil((notBefore.getTime() - now) / dayMs);
    return {
      state: "not_yet_valid",
      daysLeft,
      message: `not valid before ${notBefore.toISOString()} (in ${
        plural(days, "day")
      }); check the appliance's clock`,
    };
  }
  if (now > notAfter.getTime()) {
    const ago = Math.floor((now - notAfter.getTime()) / dayMs);
    return {
      state: "expired",
      daysLeft,
      message: `expired on ${until}${ago > 0 ? ` (${plural(ago, "day")} ago)` : ""}; TLS clients refuse it`,
    };
  }
  if (daysLeft < warningDays) {
    return { state: "expires_soon", daysLeft, message: `expires on ${until}, in ${plural(daysLeft, "day")}` };
  }
  return { state: "valid", daysLeft, message: `valid until ${until} (${plural(daysLeft, "day")} left)` };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
