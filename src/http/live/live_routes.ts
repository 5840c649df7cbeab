// GET /live?r=<region>,<region>: a Server-Sent Events stream of the page's live regions, each sent when
// its HTML changed. The stream belongs to the session that opened it: it ends when that session ends,
// after a while (the browser reconnects and the session is checked again), or when the server stops.

import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { WebUsers } from "../../accounts/web_users.ts";
import { readSessionCookie } from "../auth/session_cookie.ts";
import type { SessionStore } from "../auth/session_store.ts";
import type { HttpEnv } from "../context.ts";
import type { PageContext } from "../pages/layout.tsx";
import type { LiveRegions } from "./live_regions.ts";
import { Latch } from "../../latch.ts";

export interface LiveRoutesOptions {
  regions: LiveRegions;
  sessions: SessionStore;
  users: WebUsers;
  /** Builds the page context of the stream's session. */
  pageContext: (c: Context<HttpEnv>) => PageContext;
  /** Aborted when the HTTP server stops, so open streams do not hold up its shutdown. */
  closing?: AbortSignal;
  intervalMs?: number;
  /** A stream ends after this long; the browser opens a new one at once. */
  lifetimeMs?: number;
  /** Regions per stream. */
  maxRegions?: number;
}

export function mountLiveRoutes(app: Hono<HttpEnv>, options: LiveRoutesOptions): void {
  const intervalMs = options.intervalMs ?? 1_000;
  const lifetimeMs = options.lifetimeMs ?? 5 * 60_000;
  const maxRegions = options.maxRegions ?? 8;

  app.get("/live", async (c) => {
    const token = readSessionCookie(c);
    const session = token ? await options.sessions.find(token) : undefined;
    const user = session && options.users.list().find((u) => u.name === session.user);
    if (!session || !user || user.mustChangePassword) return c.text("log in first", 401);
    const names = (c.req.query("r") ?? "").split(",").filter(Boolean);
    if (names.length === 0 || names.length > maxRegions || names.some((n) => !options.regions.find(n))) {
      return c.text(`unknown or too many regions (at most ${maxRegions})`, 400);
    }
    c.set("user", user.name);
    c.set("session", session);
    const env = c.env;
    c.header("Cache-Control", "no-store");

    return streamSSE(c, async (stream) => {
      const wake = new Latch<void>();
      const stop = () => wake.fire();
      options.closing?.addEventListener("abort", stop, { once: true });
      stream.onAbort(stop);
      const ends = Date.now() + lifetimeMs;
      const sent = new Map<string, string>();
      let ticks = 0;
      try {
        await stream.writeSSE({ event: "hello", data: "{}", retry: 3000 });
        while (!stream.aborted && !options.closing?.aborted && Date.now() < ends) {
          if (++ticks % 5 === 0 && !(await options.sessions.find(token!))) {
            await stream.writeSSE({ event: "expired", data: "{}" });
            break;
          }
          // Built each round: the mode, the settings problem and the time change while a page is open.
          const ctx = options.pageContext(c);
          for (const name of names) {
            const html = await options.regions.render(name, { ctx, env });
            if (html === undefined || sent.get(name) === html) continue;
            sent.set(name, html);
            await stream.writeSSE({ event: "region", data: JSON.stringify({ name, html }) });
          }
          await wake.race(new Promise((r) => setTimeout(r, intervalMs)));
        }
      } finally {
        options.closing?.removeEventListener("abort", stop);
      }
    }, async (error, stream) => {
      // A closed browser tab ends the write with an error: nothing to report.
      if (!stream.aborted) {
        await stream.writeSSE({ event: "error", data: JSON.stringify({ message: error.message }) }).catch(
          () => {},
        );
      }
    });
  });
}
