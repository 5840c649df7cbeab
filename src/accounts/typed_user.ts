// A user name as typed at a failed login, in a form safe for the log: a name that is no user may be a
// password typed in the wrong field (it landed in the log as typed, issue 18), so only its length is kept.

/** The name when it is a user's, else `(no such user, N characters)`. */
export function typedUserForLog(typed: string, isUser: boolean): string {
  return isUser ? typed : `(no such user, ${[...typed].length} characters)`;
}
