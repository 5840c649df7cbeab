// The two roles of web users and what an operator may change: an administrator may do everything; an
// operator sees everything but the backup, the CSTA trace and the support bundle, may disconnect
// applications, use the line API and keep API tokens of their own, but changes no setting, user,
// certificate or licence. One table, read by the API gate, the page guard and the pages alike.

export const ROLES = ["administrator", "operator"] as const;
export type Role = typeof ROLES[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** State-changing `/api` paths (below `/api`) an operator may call; `ownToken`: only the operator's own token. */
const OPERATOR_API: { method: string; path: RegExp; ownToken?: true }[] = [
  { method: "POST", path: /^\/multiplexer\/applications\/[^/]+\/disconnect$/ },
  // Call control of the line API: operating the telephones, not configuring the appliance.
  {
    method: "*",
    path: /^\/(lines\/[^/]+\/(open|close|calls|pickup|forwarding|do-not-disturb)|calls\/[^/]+\/[a-z-]+)$/,
  },
  { method: "POST", path: /^\/system\/tokens$/ },
  { method: "DELETE", path: /^\/system\/tokens\/[^/]+$/, ownToken: true },
];

/** State-changing page forms an operator may send; each calls one of the API paths above. */
const OPERATOR_PAGES: RegExp[] = [
  // Their own account: a new password, and logging out.
  /^\/(password|logout)$/,
  /^\/applications\/[^/]+\/disconnect$/,
  /^\/system\/tokens$/,
  /^\/system\/tokens\/[^/]+\/revoke$/,
];

/**
 * Reads an operator may not make, as paths below `/api` and page paths alike: the backup holds every
 * user's password hash; the CSTA trace and the support bundle carry every number dialled, names and the
 * frames of the applications (the support bundle holds the last trace too).
 */
const ADMINISTRATOR_READS: RegExp[] = [/^\/system\/backup$/, /^\/trace(\/|$)/, /^\/support-bundle$/];

/** Why `role` may not read `path` (below `/api`, or a page), or undefined when it may. */
export function readRefused(role: Role | undefined, path: string, user: string): string | undefined {
  if (role === "administrator" || !ADMINISTRATOR_READS.some((p) => p.test(path))) return undefined;
  return operatorRefusal(user, `reading ${path}`);
}

/** What an operator is told when a change is refused. */
export function operatorRefusal(user: string, what: string): string {
  return `user ${user} has the operator role: operators may view everything and disconnect applications, ` +
    `but not change settings, users, certificates or licences (refused: ${what})`;
}

/**
 * Why `role` may not send this API request (`path` below `/api`), or undefined when it may. `tokenOwner`
 * tells who owns the API token named in a token path.
 */
export function apiRequestRefused(
  role: Role,
  method: string,
  path: string,
  tokenOwner: (id: string) => string | undefined,
  user: string,
): string | undefined {
  if (role === "administrator") return undefined;
  if (["GET", "HEAD", "OPTIONS"].includes(method)) {
    return readRefused(role, path, user) && operatorRefusal(user, `${method} /api${path}`);
  }
  const rule = OPERATOR_API.find((r) => (r.method === "*" || r.method === method) && r.path.test(path));
  if (rule && (!rule.ownToken || tokenOwner(decodeURIComponent(path.split("/").at(-1)!)) === user)) {
    return undefined;
  }
  return operatorRefusal(user, `${method} /api${path}`);
}

/** Why `role` may not send this state-changing page form, or undefined when it may. */
export function pageChangeRefused(
  role: Role,
  method: string,
  path: string,
  user: string,
): string | undefined {
  if (role === "administrator" || OPERATOR_PAGES.some((p) => p.test(path))) return undefined;
  return operatorRefusal(user, `${method} ${path}`);
}
