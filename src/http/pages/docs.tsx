// The documentation inside the box: every docs/*.md, embedded in the binary by text imports (so a missing
// file fails `deno check`), shown read-only at /docs/<name>.md behind the login like every page; the docs'
// own relative links (`[line-api.md](line-api.md#…)`) work there as they do in the repository.

import type { Hono } from "hono";
import architectureMd from "../../../docs/ARCHITECTURE.md" with { type: "text" };
import benchmarksMd from "../../../docs/BENCHMARKS.md" with { type: "text" };
import developingMd from "../../../docs/DEVELOPING.md" with { type: "text" };
import reliabilityMd from "../../../docs/RELIABILITY.md" with { type: "text" };
import callsMd from "../../../docs/calls.md" with { type: "text" };
import cstaClientMd from "../../../docs/csta-client.md" with { type: "text" };
import cstaProtocolMd from "../../../docs/csta-protocol.md" with { type: "text" };
import integrationsMd from "../../../docs/integrations.md" with { type: "text" };
import licensingMd from "../../../docs/licensing.md" with { type: "text" };
import lineApiMd from "../../../docs/line-api.md" with { type: "text" };
import linesMd from "../../../docs/lines.md" with { type: "text" };
import multiplexerMd from "../../../docs/multiplexer.md" with { type: "text" };
import numberRulesMd from "../../../docs/number-rules.md" with { type: "text" };
import operationsMd from "../../../docs/operations.md" with { type: "text" };
import settingsMd from "../../../docs/settings.md" with { type: "text" };
import simulatorMd from "../../../docs/simulator.md" with { type: "text" };
import smdrMd from "../../../docs/smdr.md" with { type: "text" };
import tlsMd from "../../../docs/tls.md" with { type: "text" };
import webUiMd from "../../../docs/web-ui.md" with { type: "text" };
import type { HttpEnv } from "../context.ts";
import type { WebDeps } from "../web_deps.ts";
import { Markdown } from "./markdown.tsx";
import { renderPage } from "./render.tsx";

/** Every document by its file name. */
export const DOCS: Record<string, string> = {
  "ARCHITECTURE.md": architectureMd,
  "BENCHMARKS.md": benchmarksMd,
  "DEVELOPING.md": developingMd,
  "RELIABILITY.md": reliabilityMd,
  "calls.md": callsMd,
  "csta-client.md": cstaClientMd,
  "csta-protocol.md": cstaProtocolMd,
  "integrations.md": integrationsMd,
  "licensing.md": licensingMd,
  "line-api.md": lineApiMd,
  "lines.md": linesMd,
  "multiplexer.md": multiplexerMd,
  "number-rules.md": numberRulesMd,
  "operations.md": operationsMd,
  "settings.md": settingsMd,
  "simulator.md": simulatorMd,
  "smdr.md": smdrMd,
  "tls.md": tlsMd,
  "web-ui.md": webUiMd,
};

/** A document's title (its first heading) and the text after it. */
export function splitTitle(text: string): { title: string; body: string } {
  const match = /^# (.+)\n/.exec(text);
  return match ? { title: match[1].trim(), body: text.slice(match[0].length) } : { title: "", body: text };
}

/** The first paragraph after the title, for the index. */
function summary(text: string): string {
  const paragraph = splitTitle(text).body.trim().split(/\n\s*\n/)[0] ?? "";
  return paragraph.replace(/\s+/g, " ").replace(/[`*_]/g, "").replace(/\[([^\]]+)\]\([^)]+\)/g, "$1");
}

export function mountDocs(app: Hono<HttpEnv>, deps: WebDeps): void {
  app.get("/docs", (c) => c.redirect("/docs/", 301));
  app.get("/docs/", (c) =>
    renderPage(c, deps, {
      title: "Documentation",
      intro: "The documents of this cstabox version, as they are in its repository under docs/. Read-only.",
      body: () => (
        <ul class="doc-index">
          {Object.entries(DOCS).map(([name, text]) => (
            <li>
              <a href={`/docs/${name}`}>{splitTitle(text).title || name}</a> <code>{name}</code>
              <br />
              <span class="muted">{summary(text)}</span>
            </li>
          ))}
        </ul>
      ),
    }));
  app.get("/docs/:name", (c) => {
    const name = c.req.param("name");
    const text = DOCS[name] ?? DOCS[`${name}.md`];
    if (text === undefined) return c.notFound();
    if (!(name in DOCS)) return c.redirect(`/docs/${name}.md`, 301);
    const { title, body } = splitTitle(text);
    return renderPage(c, deps, {
      title: title || name,
      intro: (
        <>
          <code>docs/{name}</code> of this cstabox version. <a href="/docs/">All documents</a>
        </>
      ),
      body: () => (
        <article class="doc">
          <Markdown text={body} />
        </article>
      ),
    });
  });
}
