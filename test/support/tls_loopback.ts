// A hot-swap TLS listener on a free loopback port, serving a certificate pair from the test's store.

import { HotSwapTlsListener, type HotSwapTlsListenerOptions } from "../../src/tls/tls_listener.ts";

export function listenOnLoopback(
  pair: { fullChainPem: string; keyPem: string },
  options: Partial<HotSwapTlsListenerOptions> = {},
): Promise<HotSwapTlsListener> {
  return HotSwapTlsListener.listen({
    hostname: "127.0.0.1",
    port: 0,
    certPem: pair.fullChainPem,
    keyPem: pair.keyPem,
    ...options,
  });
}
