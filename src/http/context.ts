// What the HTTP layer knows about each request beyond the Request itself: the peer, the transport, and
// once authenticated, who is asking and how.

import type { WebSession } from "./auth/session_store.ts";

/** Passed as Hono's `env` by the HTTP service for every request. */
export interface RequestEnv {
  remoteAddress: string;
  /** True when the request came over the HTTPS listener. */
  secure: boolean;
  /**
   * Set only by the pages when they call the API in process (inner_api.ts): the signed-in user the call
   * is made for. Requests from the network never carry it; the servers build their env without it.
   */
  actingUser?: string;
}

/** How a request proved who it is: a browser session, HTTP Basic, or an API token. */
export type AuthMethod = "session" | "basic" | "token";

export type HttpEnv = {
  Bindings: RequestEnv;
  Variables: {
    user?: string;
    authMethod?: AuthMethod;
    session?: WebSession;
    /** The API token a request authenticated with (`authMethod` token). */
    token?: { id: string; name: string };
  };
};

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** Methods that change state and therefore need CSRF protection. */
export function isStateChanging(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}
