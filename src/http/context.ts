// What the HTTP layer knows about each request beyond the Request itself: the peer and the transport.

/** Passed as Hono's `env` by the HTTP service for every request. */
export interface RequestEnv {
  remoteAddress: string;
  /** True when the request came over the HTTPS listener. */
  secure: boolean;
}

export type HttpEnv = { Bindings: RequestEnv; Variables: { user?: string } };

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
