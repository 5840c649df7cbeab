// Turns a rendered hono/jsx element into its HTML text, waiting for async components on the way.

/** The HTML of a JSX element, an HtmlEscapedString, nothing (null, undefined, false), or a promise of one. */
export async function toHtml(node: unknown): Promise<string> {
  let value = await node;
  // A component that renders nothing returns null (JSX drops it); String(null) put "null" into a live
  // region: the header's mode badge beside the brand on every page with a real PBX.
  if (value === null || value === undefined || value === false) return "";
  // A JSXNode's toString() returns a promise when an async component is inside.
  if (value !== null && typeof value === "object") {
    value = await (value as { toString(): unknown }).toString();
  }
  return String(value);
}
