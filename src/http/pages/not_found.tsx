// The page for an address that is no page, for a signed-in user: says so, in the frame with the menu,
// with the way back, instead of a bare "not found".

import type { Context } from "hono";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { renderPage } from "./render.tsx";

export function renderNotFound(c: Context<HttpEnv>, deps: WebDeps): Promise<Response> {
  return renderPage(c, deps, {
    title: "Page not found",
    status: 404,
    body: () => (
      <section class="card" id="not-found">
        <p>
          There is no page at <code>{c.req.path}</code>. It may have moved, or the address was typed wrongly.
        </p>
        <p>
          <a href="/">Back to the dashboard</a>, or choose a page from the menu.
        </p>
      </section>
    ),
  });
}
