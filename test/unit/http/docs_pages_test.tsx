// The documentation on the box: every docs/*.md is served at /docs/<name>.md, every page links to its
// document (and the anchor exists), the documents' own links between each other resolve, and the Markdown
// is rendered with its headings, tables, lists and code, escaped.

import assert from "node:assert/strict";
import { DOCS, splitTitle } from "../../../src/http/pages/docs.tsx";
import { navigation } from "../../../src/http/pages/layout.tsx";
import { headingId, Markdown } from "../../../src/http/pages/markdown.tsx";
import { toHtml } from "../../../src/http/pages/to_html.ts";
import { signedIn } from "./web_fixture.ts";

const docsDir = new URL("../../../docs/", import.meta.url);

/** The ids of a document's headings as the page renders them. */
async function anchorsOf(name: string): Promise<Set<string>> {
  const html = await toHtml(<Markdown text={splitTitle(DOCS[name]).body} />);
  return new Set([...html.matchAll(/<h\d id="([^"]+)"/g)].map((m) => m[1]));
}

Deno.test("every file in docs/ is embedded, and nothing else", () => {
  const files = [...Deno.readDirSync(docsDir)].filter((e) => e.name.endsWith(".md")).map((e) => e.name);
  assert.deepEqual(Object.keys(DOCS).sort(), files.sort());
  for (const name of files) assert.equal(DOCS[name], Deno.readTextFileSync(new URL(name, docsDir)), name);
});

Deno.test("each page of the menu links to a document that exists, at a heading that exists", async () => {
  for (const { href, doc } of navigation) {
    if (href === "/docs/") continue;
    assert.ok(doc, `${href} has a document`);
    const [name, anchor] = doc.split("#");
    assert.ok(name in DOCS, `${href}: ${name}`);
    if (anchor) assert.ok((await anchorsOf(name)).has(anchor), `${href}: ${doc}`);
  }
});

Deno.test("the documents' links to each other lead to embedded documents and existing headings", async () => {
  const broken: string[] = [];
  for (const name of Object.keys(DOCS)) {
    const html = await toHtml(<Markdown text={DOCS[name]} />);
    for (const [, href] of html.matchAll(/<a href="([^"]+)"/g)) {
      if (/^[a-z]+:|^\//i.test(href) || href.startsWith("../")) continue; // another site, or not on the box
      const [file, anchor] = href.split("#");
      const target = file === "" ? name : file;
      if (!(target in DOCS)) broken.push(`${name}: ${href}`);
      else if (anchor && !(await anchorsOf(target)).has(anchor)) broken.push(`${name}: ${href}`);
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("Markdown: headings with GitHub ids, tables with code cells, nested lists, code blocks, escaping", async () => {
  assert.equal(headingId("CSTA trace"), "csta-trace");
  assert.equal(headingId("Users, roles & the audit log (issue 22)"), "users-roles--the-audit-log-issue-22");
  const html = await toHtml(
    <Markdown
      text={[
        "## A *title*",
        "",
        "Some `code | pipe` and **bold** and _words_ with a [link](other.md#here).",
        "continued <script>alert(1)</script>",
        "",
        "| a | b |",
        "| - | --- |",
        "| `x \\| y` | 2 |",
        "",
        "- one",
        "  still one",
        "  - nested",
        "- two",
        "",
        "1. first",
        "",
        "```",
        "raw <b>",
        "```",
      ].join("\n")}
    />,
  );
  assert.match(html, /<h2 id="a-title">A <em>title<\/em><\/h2>/);
  assert.match(html, /<p>Some <code>code \| pipe<\/code> and <strong>bold<\/strong> and <em>words<\/em>/);
  assert.match(html, /<a href="other.md#here">link<\/a>/);
  assert.match(html, /continued &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/p>/);
  assert.match(
    html,
    /<th scope="col">a<\/th><th scope="col">b<\/th>.*<td><code>x \| y<\/code><\/td><td>2<\/td>/s,
  );
  assert.match(html, /<ul><li>one still one<ul><li>nested<\/li><\/ul><\/li><li>two<\/li><\/ul>/);
  assert.match(html, /<ol><li>first<\/li><\/ol>/);
  assert.match(html, /<pre><code>raw &lt;b&gt;<\/code><\/pre>/);
});

Deno.test("/docs lists the documents and shows each; a page links to its own; unknown names are 404", async () => {
  const { f, b } = await signedIn();
  try {
    const index = await b.page("/docs/");
    assert.equal(index.res.status, 200);
    for (const name of Object.keys(DOCS)) assert.ok(index.html.includes(`href="/docs/${name}"`), name);
    const doc = await b.page("/docs/web-ui.md");
    assert.equal(doc.res.status, 200);
    assert.match(doc.html, /<h1>The web UI<\/h1>/);
    assert.match(doc.html, /<h2 id="statistics">Statistics<\/h2>/);
    assert.equal((await b.request("/docs/web-ui")).headers.get("location"), "/docs/web-ui.md");
    assert.equal((await b.request("/docs/nothing.md")).status, 404);
    const tls = await b.page("/certificate");
    assert.match(tls.html, /<a class="doc-link" href="\/docs\/tls.md" id="page-doc">Documentation/);
    const stats = await b.page("/statistics");
    assert.match(stats.html, /href="\/docs\/web-ui.md#statistics"/);
  } finally {
    await f.close();
  }
});
