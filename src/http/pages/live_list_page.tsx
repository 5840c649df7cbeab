// A live list page (Applications, Monitors, Calls, Logs): a filter form, then a live region that asks the
// list's API for the page the address names and shows it with sortable heads and a pager. The region's name
// carries the query, so the live updates keep the page, the sort and the filters.

import type { Child } from "hono/jsx";
import type { Hono } from "hono";
import type { PageInfo } from "../api/list_query.ts";
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { LiveRegion } from "./components.tsx";
import type { PageContext } from "./layout.tsx";
import { renderPage } from "./render.tsx";
import {
  FilterForm,
  FilterRefused,
  listParams,
  pageFacts,
  Pager,
  regionName,
  regionQuery,
  sortHeads,
  type TablePlace,
} from "./table_nav.tsx";

/** What a list's table is drawn from: the API's answer for this page, and how to draw its heads. */
export interface ListView<T> {
  deps: WebDeps;
  ctx: PageContext;
  answer: T & PageInfo;
  info: PageInfo;
  /** A sortable column head: `head("Number", "number")`. */
  head: (label: string, sort: string) => Child;
  /** Whether a filter narrows the list (for the "no match" text). */
  filtered: boolean;
  place: TablePlace;
}

export interface LiveListPage<T> {
  /** The page's path, also its region's name and its element ids' prefix. */
  path: `/${string}`;
  title: string;
  intro?: string;
  /** The list API below /api, e.g. `/multiplexer/applications`. */
  api: string;
  /** The list's filter parameters (besides paging and sort). */
  filters: readonly string[];
  /** Parameters the page opens with when the address does not say. */
  defaults?: Record<string, string>;
  /** Parameters always sent to the API and never shown in the address. */
  fixed?: Record<string, string>;
  /** Noun of the pager ("applications"). */
  noun: string;
  /** The filter fields of the form, with the values the address gives. */
  form: (value: (key: string) => string) => Child;
  /** Drawn between the form and the table (e.g. download links), with the query. */
  between?: (query: URLSearchParams) => Child;
  /** Drawn instead of the list, e.g. when its source is not running. */
  unavailable?: (deps: WebDeps) => Child | undefined;
  table: (view: ListView<T>) => Child | Promise<Child>;
  /** Drawn below the pager, e.g. a summary. */
  after?: (deps: WebDeps) => Child;
}

/** Mounts `GET <path>` and its live region. */
export function mountLiveList<T>(app: Hono<HttpEnv>, deps: WebDeps, page: LiveListPage<T>): void {
  const name = page.path.slice(1);
  deps.regions.add(
    name,
    ({ ctx, param }) => <ListRegion deps={deps} ctx={ctx} query={regionQuery(param)} page={page} />,
  );
  app.get(page.path, (c) => {
    const query = listParams(c.req.query(), page.filters);
    for (const [key, value] of Object.entries(page.defaults ?? {})) {
      if (!query.has(key)) query.set(key, value);
    }
    const place: TablePlace = { path: page.path, query };
    return renderPage(c, deps, {
      title: page.title,
      intro: page.intro,
      body: (ctx) => (
        <>
          <FilterForm place={place} id={`${name}-filter`}>
            {page.form((key) => query.get(key) ?? "")}
          </FilterForm>
          {page.between?.(query)}
          <LiveRegion name={regionName(name, query)}>
            <ListRegion deps={deps} ctx={ctx} query={query} page={page} />
          </LiveRegion>
        </>
      ),
    });
  });
}

async function ListRegion<T>(
  props: { deps: WebDeps; ctx: PageContext; query: URLSearchParams; page: LiveListPage<T> },
) {
  const { deps, ctx, query, page } = props;
  const name = page.path.slice(1);
  const unavailable = page.unavailable?.(deps);
  if (unavailable) return unavailable;
  const place: TablePlace = { path: page.path, query };
  const ask = new URLSearchParams(query);
  for (const [key, value] of Object.entries(page.fixed ?? {})) ask.set(key, value);
  const result = await deps.api.get<T & PageInfo>(ctx.env, `${page.api}?${ask}`);
  if (!result.ok) {
    return <FilterRefused message={result.error.message} place={place} id={`${name}-refused`} />;
  }
  const info = pageFacts(result.data);
  const filtered = [...query.keys()].some((key) =>
    page.filters.includes(key) && !(key in (page.defaults ?? {}))
  );
  return (
    <>
      {await page.table({
        deps,
        ctx,
        answer: result.data,
        info,
        head: sortHeads(place, info),
        filtered,
        place,
      })}
      <Pager info={info} place={place} id={`${name}-pager`} noun={page.noun} />
      {page.after?.(deps)}
    </>
  );
}
