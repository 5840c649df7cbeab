// What a new web password must be: long enough, and neither the old one, the user name nor the default.

import { defaultAdminPassword } from "../../accounts/web_users.ts";
import { weakPasswordReason } from "../../accounts/weak_passwords.ts";

/** Fixed, not settings: NIST SP 800-63B asks for at least 8 characters; an administrator account gets 10. */
export const PASSWORD_MIN_LENGTH = 10;
/** Bounds the input one login hands to the password hash. */
export const PASSWORD_MAX_LENGTH = 200;

/** Why `password` cannot be the new password, or undefined when it can. */
export function newPasswordProblem(
  password: string,
  context: { user: string; current: string },
): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password === context.current) return "must differ from the current password";
  if (password.toLowerCase() === context.user.toLowerCase() || password === defaultAdminPassword) {
    return "must not be the user name or the default password";
  }
  const weak = weakPasswordReason(context.user, password);
  return weak ? `too easy to guess: ${weak}` : undefined;
}
