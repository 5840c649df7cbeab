// Answers a page request with the full document around the page's content.

import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HttpEnv } from "../context.ts";
import { pageContext, type WebDeps } from "../web_deps.ts";
import { Layout, type PageContext } from "./layout.tsx";
import { toHtml } from "./to_html.ts";
import { markAdminOnlyForms } from "./admin_only_forms.ts";

export interface PageContent {
  title: string;
  intro?: Child;
  body: (ctx: PageContext) => Child | Promise<Child>;
  status?: ContentfulStatusCode;
}

export async function renderPage(c: Context<HttpEnv>, deps: WebDeps, page: PageContent): Promise<Response> {
  const ctx = pageContext(c, deps, true);
  const body = await page.body(ctx);
  const html = markAdminOnlyForms(
    await toHtml(<Layout ctx={ctx} title={page.title} intro={page.intro}>{body}</Layout>),
    ctx.role,
    ctx.user,
  );
  c.header("Cache-Control", "no-store");
  return c.html("<!doctype html>" + html, page.status ?? 200);
}
