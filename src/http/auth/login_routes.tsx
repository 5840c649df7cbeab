// The login, logout and password pages. A login with the default or provisioned password leads straight
// to the password page; failed logins count per address and per user name (LoginThrottle) and past the
// limit either is refused for a minute. A password change ends every other session of that user.

import type { Context, Hono } from "hono";
import type { LoginThrottle } from "../../accounts/login_throttle.ts";
import { PasswordChecksBusyError } from "../../accounts/password_checks.ts";
import { typedUserForLog } from "../../accounts/typed_user.ts";
import type { WebUser, WebUsers } from "../../accounts/web_users.ts";
import type { Clock } from "../../clock.ts";
import type { Logger } from "../../log/logger.ts";
import { SummarisedWarning } from "../../log/summarised_log.ts";
import { bodyTooLarge, LOGIN_BODY_MAX } from "../body_limit.ts";
import type { HttpEnv } from "../context.ts";
import { Csrf, Field, type FormState } from "../pages/components.tsx";
import { Document } from "../pages/layout.tsx";
import { toHtml } from "../pages/to_html.ts";
import { crossSiteReason } from "./csrf.ts";
import { pageGuard, safeNext } from "./page_guard.ts";
import { newPasswordProblem, PASSWORD_MIN_LENGTH } from "./password_policy.ts";
import { clearSessionCookie, readSessionCookie, writeSessionCookie } from "./session_cookie.ts";
import type { SessionStore } from "./session_store.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { auditActor } from "./audit_actor.ts";

export interface LoginRoutesOptions {
  users: WebUsers;
  sessions: SessionStore;
  throttle: LoginThrottle;
  log: Logger;
  audit?: AuditLog;
  /** The interval of the refusals' log lines runs on it (the system clock when absent). */
  clock?: Clock;
}

export function mountLoginRoutes(app: Hono<HttpEnv>, options: LoginRoutesOptions): void {
  const { users, sessions, throttle, log, audit, clock } = options;

  app.get("/login", async (c) => {
    const token = readSessionCookie(c);
    if (token && (await sessions.find(token))) return c.redirect(safeNext(c.req.query("next")), 303);
    return page(
      c,
      <LoginPage
        next={safeNext(c.req.query("next"))}
        form={{ values: {}, errors: {} }}
        notice={LOGIN_NOTICES[c.req.query("notice") ?? ""]}
      />,
    );
  });

  // Measured in the soak's login flood (issue 18, defect 5; `--prof` of cstabox): logging each refusal was
  // 19 % of the main thread's CPU (a synchronous stderr write each), reading the form and rendering the page
  // most of the rest. A throttled address is refused before its form is read, in plain text, and its
  // refusals are logged once a minute with their count.
  const refusals = new SummarisedWarning(
    log,
    "web login refused: too many failed attempts",
    "address",
    60_000,
    clock,
  );

  app.post("/login", async (c) => {
    const crossSite = crossSiteReason(c.req.raw.headers);
    if (crossSite) return c.text(`Refused: ${crossSite}.`, 403);
    const address = c.env.remoteAddress;
    if (throttle.blocked(address)) {
      refusals.note(address);
      const seconds = throttle.retryAfterSeconds(address);
      c.header("Retry-After", String(seconds));
      c.header("Cache-Control", "no-store");
      return c.text(`Too many failed logins from this address. Try again in ${seconds} s.\n`, 429);
    }
    // Read before anyone is known: a login form is small, a larger body is cut while it streams.
    const tooLarge = await bodyTooLarge(c, LOGIN_BODY_MAX);
    if (tooLarge) return tooLarge;
    const body = await c.req.parseBody();
    const name = String(body.user ?? "").trim();
    const password = String(body.password ?? "");
    const next = safeNext(String(body.next ?? "/"));
    if (throttle.blocked(address, name)) {
      // The user name is locked, not the address: the page keeps the form for another name.
      refusals.note(address);
      c.header("Retry-After", String(throttle.retryAfterSeconds(address, name)));
      const form = {
        values: { user: name },
        errors: {},
        message:
          "Too many failed logins from this address or for this user name. Wait a minute, then try again.",
      };
      return page(c, <LoginPage next={next} form={form} />, 429);
    }
    let user: WebUser | undefined;
    try {
      user = name && password ? await users.authenticate(name, password) : undefined;
    } catch (error) {
      if (!(error instanceof PasswordChecksBusyError)) throw error;
      // Counted against the address (not the user name: no password was checked), so a flooding address is
      // throttled instead of holding the queue full for everyone (issue 18, defect 5).
      throttle.recordFailure(address);
      log.warn("web login refused: busy", { address, reason: error.message });
      const form = { values: { user: name }, errors: {}, message: `The appliance is ${error.message}.` };
      c.header("Retry-After", "5");
      return page(c, <LoginPage next={next} form={form} />, 503);
    }
    if (!user) {
      throttle.recordFailure(address, name);
      // What was typed as the user name may be a password typed in the wrong field: a name that is no
      // user is logged by its length only.
      const known = users.list().some((u) => u.name === name);
      log.warn("web login failed", { user: typedUserForLog(name, known), address });
      const form = { values: { user: name }, errors: { password: "Wrong user name or password." } };
      return page(c, <LoginPage next={next} form={form} />, 401);
    }
    throttle.recordSuccess(user.name);
    const { token } = await sessions.create(user.name, address);
    writeSessionCookie(c, token);
    log.info("web login", { user: user.name, address, secure: c.env.secure });
    return c.redirect(user.mustChangePassword ? "/password" : next, 303);
  });

  const signedIn = pageGuard({ sessions, users, allowPasswordChangePending: true });

  app.post("/logout", signedIn, (c) => {
    const session = c.get("session")!;
    sessions.remove(session.id);
    clearSessionCookie(c);
    log.info("web logout", { user: session.user });
    return c.redirect("/login", 303);
  });

  app.get("/password", signedIn, (c) => {
    const user = c.get("user")!;
    const forced = users.list().find((u) => u.name === user)?.mustChangePassword ?? false;
    return page(
      c,
      <PasswordPage csrf={c.get("session")!.csrfToken} forced={forced} form={{ values: {}, errors: {} }} />,
    );
  });

  app.post("/password", signedIn, async (c) => {
    const session = c.get("session")!;
    const user = c.get("user")!;
    const forced = users.list().find((u) => u.name === user)?.mustChangePassword ?? false;
    const body = await c.req.parseBody();
    const current = String(body.current ?? "");
    const next = String(body.password ?? "");
    const repeat = String(body.repeat ?? "");
    const errors: Record<string, string> = {};
    if (!(await users.authenticate(user, current))) errors.current = "This is not the current password.";
    const problem = newPasswordProblem(next, { user, current });
    if (problem) errors.password = `The new password: ${problem}.`;
    else if (repeat !== next) errors.repeat = "The two new passwords differ.";
    if (Object.keys(errors).length > 0) {
      return page(
        c,
        <PasswordPage csrf={session.csrfToken} forced={forced} form={{ values: {}, errors }} />,
        400,
      );
    }
    await users.setPassword(user, next, { mustChange: false });
    // Every session of this user ends, this one too: the browser gets a fresh session.
    sessions.removeForUser(user);
    const fresh = await sessions.create(user, c.env.remoteAddress);
    sessions.setFlash(
      fresh.session.id,
      "Password changed. Other sessions of this user have been logged out.",
    );
    writeSessionCookie(c, fresh.token);
    log.info("web password changed", { user });
    audit?.record(auditActor(c), { action: "own password changed", object: `user ${user}` });
    return c.redirect("/", 303);
  });
}

async function page(
  c: Context<HttpEnv>,
  body: unknown,
  status: 200 | 400 | 401 | 429 | 503 = 200,
): Promise<Response> {
  c.header("Cache-Control", "no-store");
  return c.html("<!doctype html>" + await toHtml(body), status);
}

/** Messages the login page shows for `?notice=`; only these, so no text from the address is reflected. */
const LOGIN_NOTICES: Record<string, string | undefined> = Object.assign(Object.create(null), {
  restored: "The backup was restored. Everyone was logged out: log in with a user of the restored backup.",
});

function LoginPage(props: { next: string; form: FormState; notice?: string }) {
  const { form } = props;
  return (
    <Document title="Log in" bare>
      <main class="narrow">
        <h1>cstabox</h1>
        <form method="post" action="/login" class="card" id="login-form">
          <h2>Log in</h2>
          {form.message ? <p class="notice error" role="alert">{form.message}</p> : null}
          {props.notice ? <p class="notice ok" role="status" id="login-notice">{props.notice}</p> : null}
          <input type="hidden" name="next" value={props.next} />
          <Field
            name="user"
            label="User name"
            value={form.values.user ?? "admin"}
            autocomplete="username"
            required
          />
          <Field
            name="password"
            label="Password"
            type="password"
            error={form.errors.password}
            autocomplete="current-password"
            required
            autofocus
          />
          <button type="submit" class="primary">Log in</button>
        </form>
      </main>
    </Document>
  );
}

function PasswordPage(props: { csrf: string; forced: boolean; form: FormState }) {
  const { form } = props;
  return (
    <Document title="Change password" csrf={props.csrf} bare>
      <main class="narrow">
        <h1>cstabox</h1>
        <form method="post" action="/password" class="card" id="password-form">
          <h2>Change password</h2>
          {props.forced
            ? (
              <p class="notice warning" id="forced-change">
                This account still has its first password (the default or the one given at installation).
                Choose your own password before using cstabox.
              </p>
            )
            : null}
          <Csrf token={props.csrf} />
          <Field
            name="current"
            label="Current password"
            type="password"
            error={form.errors.current}
            autocomplete="current-password"
            required
          />
          <Field
            name="password"
            label="New password"
            type="password"
            error={form.errors.password}
            help={`At least ${PASSWORD_MIN_LENGTH} characters.`}
            autocomplete="new-password"
            required
          />
          <Field
            name="repeat"
            label="New password again"
            type="password"
            error={form.errors.repeat}
            autocomplete="new-password"
            required
          />
          <button type="submit" class="primary">Change password</button>
        </form>
        {props.forced ? null : (
          <p>
            <a href="/">Back to the dashboard</a>
          </p>
        )}
        <form method="post" action="/logout" class="inline">
          <Csrf token={props.csrf} />
          <button type="submit" class="link">Log out</button>
        </form>
      </main>
    </Document>
  );
}
