// JSON API of live calls, mounted at /api/calls: what the call tracker reports, or that it is not
// running (the seam stays the same when the CallTracker is wired in).

import { Hono } from "hono";
import type { HttpEnv } from "../context.ts";
import type { CallsSource } from "../web_ui_sources.ts";

/** Builds the /api/calls sub-app; without a source the answer says call tracking is not available. */
export function createCallsApi(source: CallsSource | undefined): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get(
    "/",
    (c) =>
      c.json(source ? { available: true, calls: source.activeCalls() } : { available: false, calls: [] }),
  );
  return app;
}
