// The web UI's static files, embedded in the binary through text imports (so a missing file fails
// `deno check`), served under /static/ with a content hash in the URL and as the ETag.

import type { Hono } from "hono";
import appCss from "../../web/app.css" with { type: "text" };
import appJs from "../../web/app.js" with { type: "text" };
import iconSvg from "../../web/icon.svg" with { type: "text" };
import phoneJs from "../../web/phone.js" with { type: "text" };
import type { HttpEnv } from "./context.ts";

interface Asset {
  body: string;
  type: string;
  hash: string;
}

/** FNV-1a, enough to tell versions of a file apart in a URL. */
function contentHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function asset(body: string, type: string): Asset {
  return { body, type, hash: contentHash(body) };
}

const assets: Record<string, Asset> = {
  "app.css": asset(appCss, "text/css; charset=utf-8"),
  "app.js": asset(appJs, "text/javascript; charset=utf-8"),
  "icon.svg": asset(iconSvg, "image/svg+xml"),
  "phone.js": asset(phoneJs, "text/javascript; charset=utf-8"),
};

/** The URL of an embedded file, versioned by its content. */
export function assetUrl(name: keyof typeof assets | string): string {
  const found = assets[name];
  if (!found) throw new Error(`no embedded asset ${name}`);
  return `/static/${name}?v=${found.hash}`;
}

/** Serves /static/<name>; needs no login (the files hold nothing secret). */
export function mountAssets(app: Hono<HttpEnv>): void {
  app.get("/static/:name", (c) => {
    const found = assets[c.req.param("name")];
    if (!found) return c.text("not found", 404);
    const etag = `"${found.hash}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "public, max-age=3600");
    if (c.req.header("if-none-match") === etag) return c.body(null, 304);
    return c.body(found.body, 200, { "content-type": found.type });
  });
}
