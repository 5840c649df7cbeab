// The project's Markdown (docs/*.md) as HTML for the box's own /docs pages: headings with GitHub-style ids,
// paragraphs, lists (one level of nesting), tables, fenced code, block quotes, and inline code, links,
// bold and italics. Enough for these documents; the text is escaped by hono/jsx like any page's.

import type { Child } from "hono/jsx";

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
export function headingId(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").trim().replace(/\s/g, "-");
}

const INLINE =
  /(`+)([\s\S]*?)\1|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+?)\*\*|(?<![\p{L}\p{N}_\\])_([^_]+?)_(?![\p{L}\p{N}_])|\*([^*\s][^*]*?)\*/gu;

/** Inline Markdown as JSX children. */
export function inline(text: string): Child[] {
  const out: Child[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(unescape(text.slice(last, m.index)));
    if (m[1]) out.push(<code>{m[2].trim() === "" ? m[2] : m[2].replace(/^ (.*) $/, "$1")}</code>);
    else if (m[3]) out.push(<a href={m[4]}>{inline(m[3])}</a>);
    else if (m[5]) out.push(<strong>{inline(m[5])}</strong>);
    else out.push(<em>{inline(m[6] ?? m[7])}</em>);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(unescape(text.slice(last)));
  return out;
}

function unescape(text: string): string {
  return text.replace(/\\([\\`*_[\]()#|<>-])/g, "$1");
}

const LIST_ITEM = /^(\s*)([-*]|\d+\.) (.*)$/;
const TABLE_RULE = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  // A `|` inside a code span or escaped stays in its cell.
  const parts: string[] = [];
  let cell = "";
  let inCode = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === "\\" && inner[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      inCode = !inCode;
      cell += ch;
    } else if (ch === "|" && !inCode) {
      parts.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  parts.push(cell.trim());
  return parts;
}

interface Item {
  text: string;
  children: Item[];
  ordered: boolean;
}

/** A Markdown document as JSX blocks. */
export function Markdown(props: { text: string }) {
  const lines = props.text.replace(/\r\n/g, "\n").split("\n");
  const blocks: Child[] = [];
  let i = 0;
  const isBlockStart = (line: string, next?: string) =>
    /^(#{1,6} |```|> )/.test(line) || LIST_ITEM.test(line) ||
    (line.trimStart().startsWith("|") && next !== undefined && TABLE_RULE.test(next));
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === "") {
      i++;
      continue;
    }
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (heading) {
      const text = heading[2].trim();
      const Tag = `h${Math.max(2, heading[1].length)}` as "h2";
      blocks.push(<Tag id={headingId(text)}>{inline(text)}</Tag>);
      i++;
      continue;
    }
    if (line.startsWith("```")) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i].startsWith("```"); i++) code.push(lines[i]);
      i++;
      blocks.push(
        <pre>
          <code>{code.join("\n")}</code>
        </pre>,
      );
      continue;
    }
    if (line.trimStart().startsWith("|") && TABLE_RULE.test(lines[i + 1] ?? "")) {
      const head = cells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i].trimStart().startsWith("|"); i++) rows.push(cells(lines[i]));
      blocks.push(
        <div class="table-wrap">
          <table>
            <thead>
              <tr>{head.map((h) => <th scope="col">{inline(h)}</th>)}</tr>
            </thead>
            <tbody>
              {rows.map((r) => <tr>{r.map((c) => <td>{inline(c)}</td>)}</tr>)}
            </tbody>
          </table>
        </div>,
      );
      continue;
    }
    if (line.startsWith("> ")) {
      const quote: string[] = [];
      for (; i < lines.length && lines[i].startsWith(">"); i++) quote.push(lines[i].replace(/^> ?/, ""));
      blocks.push(<blockquote>{inline(quote.join(" "))}</blockquote>);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const items: Item[] = [];
      const baseIndent = LIST_ITEM.exec(line)![1].length;
      while (i < lines.length) {
        const current = lines[i];
        const item = LIST_ITEM.exec(current);
        if (item) {
          const entry = { text: item[3], children: [], ordered: /\d/.test(item[2]) };
          if (item[1].length > baseIndent && items.length) items.at(-1)!.children.push(entry);
          else items.push(entry);
          i++;
        } else if (current.trim() !== "" && /^\s+/.test(current) && items.length) {
          // A continuation line of the last item (or of its last nested item).
          const last = items.at(-1)!;
          const target = last.children.at(-1) ?? last;
          target.text += ` ${current.trim()}`;
          i++;
        } else if (current.trim() === "" && sameList(items, LIST_ITEM.exec(lines[i + 1] ?? ""))) {
          // A blank line between items of the same kind of list.
          i++;
        } else break;
      }
      blocks.push(<List items={items} />);
      continue;
    }
    const paragraph: string[] = [];
    for (; i < lines.length && lines[i].trim() !== "" && !isBlockStart(lines[i], lines[i + 1]); i++) {
      paragraph.push(lines[i].trim());
    }
    if (paragraph.length === 0) {
      // A line that looked like the start of a block but is not one (a lone "|"): keep it as text.
      paragraph.push(lines[i++].trim());
    }
    blocks.push(<p>{inline(paragraph.join(" "))}</p>);
  }
  return <>{blocks}</>;
}

function sameList(items: Item[], next: RegExpExecArray | null): boolean {
  return next !== null && items.length > 0 && /\d/.test(next[2]) === items[0].ordered;
}

function List(props: { items: Item[] }) {
  const body = props.items.map((item) => (
    <li>
      {inline(item.text)}
      {item.children.length ? <List items={item.children} /> : null}
    </li>
  ));
  return props.items[0]?.ordered ? <ol>{body}</ol> : <ul>{body}</ul>;
}
