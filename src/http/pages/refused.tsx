// The page for a change the signed-in user's role does not allow: says who may, in the frame with the menu,
// with the way back, instead of a bare text.

import type { Context } from "hono";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { renderPage } from "./render.tsx";

export function renderRefused(c: Context<HttpEnv>, deps: WebDeps, reason: string): Promise<Response> {
  // Back to the page the form was on, when the browser says which page of this appliance that was.
  const referer = URL.parse(c.req.header("referer") ?? "");
  const back = referer && referer.host === new URL(c.req.url).host ? referer.pathname : "/";
  return renderPage(c, deps, {
    title: "Not allowed",
    status: 403,
    body: () => (
      <section class="card" id="refused">
        <p class="notice warning" role="alert">Refused: {reason}.</p>
        <p>Nothing was changed. Ask an administrator to make this change, or to give you that role.</p>
        <p>
          <a href={back}>Back</a>
        </p>
      </section>
    ),
  });
}
