// Which passwords are too easy to guess: the user name (or it repeated, "adminadmin"), one character
// repeated, or one of a short list of the most common passwords and appliance defaults. Used when a
// password is set (web and CSTA users) and by the audit that flags weak passwords already in place.

/** The most common passwords (lowercase) and this kind of appliance's usual defaults. */
const COMMON = new Set([
  "admin",
  "administrator",
  "password",
  "passw0rd",
  "password1",
  "1234",
  "12345",
  "123456",
  "12345678",
  "123456789",
  "1234567890",
  "0000",
  "qwerty",
  "qwertz",
  "qwertyuiop",
  "letmein",
  "welcome",
  "changeme",
  "secret",
  "panasonic",
  "cstabox",
  "csta",
]);

/** Why `password` is too easy to guess for `user`, or undefined. */
export function weakPasswordReason(user: string, password: string): string | undefined {
  const p = password.toLowerCase();
  const u = user.toLowerCase();
  if (u !== "" && p.length % u.length === 0 && u.repeat(p.length / u.length) === p) {
    return "it is the user name, or the user name repeated";
  }
  if (COMMON.has(p)) return "it is one of the most common passwords";
  if (/^(.)\1*$/.test(p)) return "it is one character repeated";
  return undefined;
}

/** The passwords the audit tries against a stored hash: few, since each try costs one password hash. */
export function likelyPasswords(user: string): string[] {
  return [...new Set([user, user + user, "admin", "password", "1234", "0000", "12345678", "1234567890"])];
}
