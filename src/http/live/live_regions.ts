// The live parts of pages: named regions that the server renders with the same components as the page
// itself and sends again over Server-Sent Events whenever their HTML changes.

import type { Child } from "hono/jsx";
import type { RequestEnv } from "../context.ts";
import type { PageContext } from "../pages/layout.tsx";
import { toHtml } from "../pages/to_html.ts";
import { markAdminOnlyForms } from "../pages/admin_only_forms.ts";

export interface RegionView {
  ctx: PageContext;
  env: RequestEnv;
  /** The part after `:` in the region name, e.g. the level of `logs:warn`. */
  param?: string;
}

export type RegionRenderer = (view: RegionView) => Child | Promise<Child>;

export class LiveRegions {
  #renderers = new Map<string, RegionRenderer>();

  add(name: string, renderer: RegionRenderer): void {
    if (this.#renderers.has(name)) throw new Error(`live region ${name} registered twice`);
    this.#renderers.set(name, renderer);
  }

  /** The renderer for `name` or `name:param`, if there is one. */
  find(region: string): { renderer: RegionRenderer; param?: string } | undefined {
    const colon = region.indexOf(":");
    const name = colon < 0 ? region : region.slice(0, colon);
    const renderer = this.#renderers.get(name);
    return renderer && { renderer, param: colon < 0 ? undefined : region.slice(colon + 1) };
  }

  /** The region's HTML now. */
  async render(region: string, view: Omit<RegionView, "param">): Promise<string | undefined> {
    const found = this.find(region);
    if (!found) return undefined;
    const html = await toHtml(found.renderer({ ...view, param: found.param }));
    return markAdminOnlyForms(html, view.ctx.role, view.ctx.user);
  }
}
