// Turns a rendered hono/jsx element into its HTML text, waiting for async components on the way.

/** The HTML of a JSX element, an HtmlEscapedString, or a promise of either. */
export async function toHtml(node: unknown): Promise<string> {
  let value = await node;
  // A JSXNode's toString() returns a promise when an async component is inside.
  if (value !== null && typeof value === "object") {
    value = await (value as { toString(): unknown }).toString();
  }
  return String(value);
}
