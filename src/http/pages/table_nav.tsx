// How a paged table is moved through without script: sortable column heads and a pager that are plain
// links keeping the filters, a filter form that is a plain GET, and a friendly note for a refused filter.

import type { Child } from "hono/jsx";
import { type PageInfo, PER_PAGE_DEFAULT } from "../api/list_query.ts";

/** A table's place: the page path, the anchor of its card, and the query it was asked with. */
export interface TablePlace {
  path: string;
  /** The card's id, so a link lands on the table. */
  anchor?: string;
  query: URLSearchParams;
}

/** The parameters of a list taken from a page's query: only `keys`, blanks left out. */
export function listParams(query: Record<string, string>, keys: readonly string[]): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of ["page", "perPage", "sort", "dir", ...keys]) {
    const value = query[key]?.trim();
    if (value) out.set(key, value);
  }
  return out;
}

/** The place's link with some parameters changed (`undefined` removes one). */
export function placeHref(place: TablePlace, changes: Record<string, string | undefined>): string {
  const query = new URLSearchParams(place.query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) query.delete(key);
    else query.set(key, value);
  }
  const text = query.toString();
  return `${place.path}${text ? `?${text}` : ""}${place.anchor ? `#${place.anchor}` : ""}`;
}

/**
 * A column head that sorts by `sort`: ascending first, descending when it is the sort already; it shows
 * the direction with `aria-sort` (which the style sheet shows as an arrow). A new sort starts at page 1.
 */
export function SortHead(props: { label: string; sort: string; place: TablePlace; info?: PageInfo }) {
  const active = props.info?.sort === props.sort;
  const dir = active && props.info?.dir === "asc" ? "desc" : "asc";
  return (
    <a
      href={placeHref(props.place, { sort: props.sort, dir, page: undefined })}
      data-sort={props.sort}
      aria-sort={active ? (props.info!.dir === "asc" ? "ascending" : "descending") : undefined}
    >
      {props.label}
    </a>
  );
}

/** "Rows 51–100 of 10,000", first / previous / next / last, and a note when the page is past the end. */
export function Pager(props: { info: PageInfo; place: TablePlace; id: string; noun?: string }) {
  const { info, place } = props;
  const noun = props.noun ?? "rows";
  const first = (info.page - 1) * info.perPage + 1;
  const last = Math.min(info.total, info.page * info.perPage);
  const link = (page: number, label: Child, rel: string, show: boolean) =>
    show
      ? (
        <a href={placeHref(place, { page: page === 1 ? undefined : String(page) })} id={`${props.id}-${rel}`}>
          {label}
        </a>
      )
      : <span class="muted" aria-disabled="true">{label}</span>;
  return (
    <nav class="pager" id={props.id} aria-label="Pages">
      {info.total === 0
        ? <span>No {noun}.</span>
        : info.page > info.pages
        ? (
          <span class="notice warning" role="status">
            Page {number(info.page)} is past the end: there are {number(info.pages)} page(s) of{" "}
            {number(info.total)} {noun}.
          </span>
        )
        : (
          <span>
            {noun.charAt(0).toUpperCase() + noun.slice(1)} {number(first)}–{number(last)} of{" "}
            {number(info.total)} (page {number(info.page)} of {number(info.pages)})
          </span>
        )}
      {info.pages > 1 || info.page > info.pages
        ? (
          <span class="pager-links">
            {link(1, "« First", "first", info.page > 1)}
            {link(Math.max(1, Math.min(info.page - 1, info.pages)), "‹ Previous", "previous", info.page > 1)}
            {link(info.page + 1, "Next ›", "next", info.page < info.pages)}
            {link(info.pages, "Last »", "last", info.page !== info.pages && info.pages > 0)}
          </span>
        )
        : null}
    </nav>
  );
}

/** A refused filter in plain words, with the way back to the whole list. */
export function FilterRefused(props: { message: string; place: TablePlace; id: string }) {
  return (
    <p class="notice error" role="alert" id={props.id}>
      This filter cannot be used: {props.message}.{" "}
      <a href={`${props.place.path}${props.place.anchor ? `#${props.place.anchor}` : ""}`}>Show all</a>
    </p>
  );
}

/** A rows-per-page choice for a filter form. */
export function PerPageSelect(props: { value: number; id?: string }) {
  return (
    <label class="field-inline">
      Rows{" "}
      <select name="perPage" id={props.id}>
        {[25, 50, 100, 200, 500].map((n) => (
          <option value={String(n)} selected={n === props.value}>{n}</option>
        ))}
      </select>
    </label>
  );
}

function number(n: number): string {
  return n.toLocaleString("en-GB");
}

/** The page facts of a list answer (which also holds the rows). */
export function pageFacts(answer: PageInfo): PageInfo {
  const { total, page, perPage, pages, sort, dir } = answer;
  return { total, page, perPage, pages, sort, dir };
}

/** A live region's name that carries the table's query (encoded, so no `,` splits the region list). */
export function regionName(base: string, query: URLSearchParams): string {
  const text = query.toString();
  return text ? `${base}:${encodeURIComponent(text)}` : base;
}

/** The table query a live region's name carries (see `regionName`). */
export function regionQuery(param: string | undefined): URLSearchParams {
  try {
    return new URLSearchParams(decodeURIComponent(param ?? ""));
  } catch {
    return new URLSearchParams();
  }
}

/**
 * A table's filter form: a plain GET of the page with the list's `children` fields, rows per page and the
 * sort kept; `live` names the element the script refreshes as one types, else a changed choice sends the
 * form (without script the button sends it).
 */
export function FilterForm(props: { place: TablePlace; id: string; children: Child; live?: string }) {
  const { place } = props;
  const value = (key: string) => place.query.get(key) ?? "";
  const filtered = [...place.query.keys()].some((key) => !["page", "perPage", "sort", "dir"].includes(key));
  const home = `${place.path}${place.anchor ? `#${place.anchor}` : ""}`;
  return (
    <form
      method="get"
      action={home}
      class="filters"
      id={props.id}
      data-filter={props.live}
      data-autosubmit={props.live ? undefined : ""}
    >
      {props.children}
      <PerPageSelect value={Number(value("perPage")) || PER_PAGE_DEFAULT} />
      <input type="hidden" name="sort" value={value("sort")} />
      <input type="hidden" name="dir" value={value("dir")} />
      <button type="submit" class="secondary">Search</button>
      {filtered ? <a href={home}>Clear</a> : null}
    </form>
  );
}

/** The sortable column heads of one table: `head("Number", "number")`. */
export function sortHeads(place: TablePlace, info: PageInfo): (label: string, sort: string) => Child {
  return (label, sort) => <SortHead label={label} sort={sort} place={place} info={info} />;
}
