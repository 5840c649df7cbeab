// The frame around every page: the head with the embedded style sheet and script (nothing from another
// origin), the navigation, the demo badge, the signed-in user with logout, and the one-shot message.

import type { Role } from "../../accounts/roles.ts";
import type { Child } from "hono/jsx";
import { assetUrl } from "../assets.ts";
import type { RequestEnv } from "../context.ts";
import { Csrf, LiveRegion } from "./components.tsx";

/** What every page knows about the request it answers. */
export interface PageContext {
  user: string;
  /** The user's role; an operator's pages show the forms they may not send read-only. */
  role: Role | undefined;
  csrf: string;
  /** The path of the page, for the active navigation entry. */
  path: string;
  /** True when the PBX is the built-in simulator. */
  demo: boolean;
  flash?: string;
  /** Why the settings file is refused (the running settings stay), shown on every page until fixed. */
  settingsProblem?: string;
  now: number;
  /** For in-process API calls made for this user (see inner_api.ts). */
  env: RequestEnv;
}

/** The menu; `doc` is the page's documentation under /docs/ (linked beside its title). */
export const navigation: { href: string; label: string; doc?: string }[] = [
  { href: "/", label: "Dashboard", doc: "web-ui.md#the-pages" },
  { href: "/statistics", label: "Statistics", doc: "web-ui.md#statistics" },
  { href: "/applications", label: "Applications", doc: "multiplexer.md#what-applications-see" },
  { href: "/monitors", label: "Monitors", doc: "multiplexer.md#lost-monitors" },
  { href: "/calls", label: "Calls", doc: "calls.md" },
  { href: "/phone", label: "Phone", doc: "line-api.md" },
  { href: "/pbx", label: "PBX", doc: "multiplexer.md#when-the-pbx-link-drops" },
  { href: "/csta-server", label: "CSTA server", doc: "multiplexer.md#securing-the-plain-tcp-port" },
  { href: "/certificate", label: "Certificate", doc: "tls.md" },
  { href: "/lines", label: "Lines", doc: "lines.md" },
  { href: "/numbers", label: "Location & rules", doc: "number-rules.md" },
  { href: "/licences", label: "Licences", doc: "licensing.md" },
  { href: "/smdr", label: "SMDR", doc: "smdr.md" },
  { href: "/integrations", label: "Integrations", doc: "integrations.md" },
  { href: "/logs", label: "Logs", doc: "operations.md#logs" },
  { href: "/trace", label: "Trace", doc: "web-ui.md#csta-trace" },
  { href: "/system", label: "System", doc: "web-ui.md" },
  { href: "/docs/", label: "Documentation" },
];

function isActive(href: string, path: string): boolean {
  return href === "/"
    ? path === "/"
    : path === href || path.startsWith(href.endsWith("/") ? href : `${href}/`);
}

/** The documentation of the page at `path`, if it has one. */
export function pageDoc(path: string): string | undefined {
  return navigation.find((item) => isActive(item.href, path))?.doc;
}

/** The header's "simulated PBX" badge; a live region, so a switch to a real PBX removes it at once. */
export function ModeBadge(props: { demo: boolean }) {
  return props.demo ? <span class="badge warning demo" id="demo-badge">simulated PBX</span> : null;
}

/** A full page for a signed-in user. */
export function Layout(props: { ctx: PageContext; title: string; children: Child; intro?: Child }) {
  const { ctx } = props;
  return (
    <Document title={props.title} csrf={ctx.csrf}>
      <header class="top">
        <a class="brand" href="/">
          <img src={assetUrl("icon.svg")} alt="" width="24" height="24" />
          <span>cstabox</span>
        </a>
        <LiveRegion name="mode" tag="span">
          <ModeBadge demo={ctx.demo} />
        </LiveRegion>
        {/* A <details>: on a phone the menu folds behind "Menu" without any script; wide, it is always open. */}
        <details class="menu-fold" id="menu-fold">
          <summary class="menu-button">Menu</summary>
          <nav aria-label="Main" class="menu" id="main-menu">
            {navigation.map((item) => (
              <a href={item.href} aria-current={isActive(item.href, ctx.path) ? "page" : undefined}>
                {item.label}
              </a>
            ))}
          </nav>
        </details>
        <div class="who">
          <span>{ctx.user}</span>
          <form method="post" action="/logout" class="inline">
            <Csrf token={ctx.csrf} />
            <button type="submit" class="link" id="logout">Log out</button>
          </form>
        </div>
      </header>
      <main>
        <div class="page-title">
          <h1>{props.title}</h1>
          <PageDocLink path={ctx.path} />
        </div>
        {props.intro ? <p class="intro">{props.intro}</p> : null}
        {ctx.flash ? <p class="notice ok" role="status" id="flash">{ctx.flash}</p> : null}
        {ctx.settingsProblem && ctx.path !== "/"
          ? (
            <p class="notice warning" id="settings-problem">
              <strong>Settings file</strong>: an edit was refused, the previous settings run:{" "}
              {ctx.settingsProblem}
            </p>
          )
          : null}
        {props.children}
      </main>
    </Document>
  );
}

function PageDocLink(props: { path: string }) {
  const doc = pageDoc(props.path);
  return doc
    ? (
      <a class="doc-link" href={`/docs/${doc}`} id="page-doc">
        Documentation <span class="muted">({doc.split("#")[0]})</span>
      </a>
    )
    : null;
}

/** The bare document (also for the login and password pages, which have no navigation). */
export function Document(props: { title: string; csrf?: string; children: Child; bare?: boolean }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} – cstabox</title>
        <link rel="icon" href={assetUrl("icon.svg")} type="image/svg+xml" />
        <link rel="stylesheet" href={assetUrl("app.css")} />
        {props.csrf ? <meta name="csrf-token" content={props.csrf} /> : null}
        <script src={assetUrl("app.js")} defer></script>
      </head>
      <body class={props.bare ? "bare" : undefined}>{props.children}</body>
    </html>
  );
}
