// Tracks a service's state and when it last changed, so every service reports status the same way.

import type { ListenerInfo, ServiceState, ServiceStatus } from "./service.ts";

export class Lifecycle {
  #state: ServiceState = "stopped";
  #since = new Date().toISOString();
  #reason?: string;

  get state(): ServiceState {
    return this.#state;
  }

  set(state: ServiceState, reason?: string): void {
    if (state !== this.#state || reason !== this.#reason) this.#since = new Date().toISOString();
    this.#state = state;
    this.#reason = reason;
  }

  snapshot<D = never>(extra: { listeners?: ListenerInfo[]; details?: D } = {}): ServiceStatus<D> {
    return {
      state: this.#state,
      since: this.#since,
      ...(this.#reason ? { reason: this.#reason } : {}),
      ...extra,
    };
  }
}
