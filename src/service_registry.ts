// Starts services in order and stops them in reverse; a service that fails to start is recorded with
// its reason and the others carry on. Services whose dependency failed are not started.

import type { Logger } from "./log/logger.ts";
import type { Service, ServiceStatus } from "./service.ts";
import { errorText } from "./log/error_text.ts";

interface Entry {
  service: Service;
  dependsOn: string[];
  /** Set when start() threw or a dependency was missing; cleared by a successful start. */
  failure?: { reason: string; since: string };
}

export class ServiceRegistry {
  #entries: Entry[] = [];

  constructor(private readonly log: Logger, private readonly stopTimeoutMs = 4000) {}

  add(service: Service, options: { dependsOn?: string[] } = {}): void {
    if (this.#entries.some((e) => e.service.name === service.name)) {
      throw new Error(`service ${service.name} registered twice`);
    }
    this.#entries.push({ service, dependsOn: options.dependsOn ?? [] });
  }

  /**
   * Records a service that could not even be made (its settings refused by its own constructor): it is
   * reported failed with `reason`, and what depends on it is not started, as for a failed start.
   */
  addUnavailable(name: string, reason: string): void {
    const service: Service = {
      name,
      start: () => Promise.reject(new Error(reason)),
      stop: () => Promise.resolve(),
      status: () => ({ state: "failed", reason, since: now() }),
    };
    this.add(service);
  }

  get<T extends Service>(name: string): T | undefined {
    return this.#entries.find((e) => e.service.name === name)?.service as T | undefined;
  }

  names(): string[] {
    return this.#entries.map((e) => e.service.name);
  }

  /** Starts every service in registration order; never throws. */
  async startAll(): Promise<void> {
    for (const entry of this.#entries) await this.#start(entry);
  }

  /** Stops every service in reverse order, each bounded in time; never throws. */
  async stopAll(): Promise<void> {
    for (const entry of [...this.#entries].reverse()) await this.#stop(entry);
  }

  /** Stops and starts one service (after a settings change or on the administrator's request). */
  async restart(name: string): Promise<ServiceStatus> {
    const entry = this.#entries.find((e) => e.service.name === name);
    if (!entry) throw new Error(`no service named ${name}`);
    await this.#stop(entry);
    await this.#start(entry);
    return this.#statusOf(entry);
  }

  status(): Record<string, ServiceStatus> {
    return Object.fromEntries(this.#entries.map((e) => [e.service.name, this.#statusOf(e)]));
  }

  /** Services that failed, with their reasons in plain words. */
  failures(): { name: string; reason: string }[] {
    return Object.entries(this.status())
      .filter(([, s]) => s.state === "failed")
      .map(([name, s]) => ({ name, reason: s.reason ?? "unknown reason" }));
  }

  #statusOf(entry: Entry): ServiceStatus {
    if (entry.failure) return { state: "failed", reason: entry.failure.reason, since: entry.failure.since };
    return entry.service.status();
  }

  async #start(entry: Entry): Promise<void> {
    const { service } = entry;
    const missing = entry.dependsOn.filter((dep) => {
      const other = this.#entries.find((e) => e.service.name === dep);
      return !other || this.#statusOf(other).state === "failed" || this.#statusOf(other).state === "stopped";
    });
    if (missing.length > 0) {
      entry.failure = { reason: `not started: ${missing.join(", ")} not running`, since: now() };
      this.log.error("service not started", { service: service.name, reason: entry.failure.reason });
      return;
    }
    try {
      await service.start();
      entry.failure = undefined;
      this.log.debug("service started", { service: service.name });
    } catch (error) {
      entry.failure = { reason: errorText(error), since: now() };
      this.log.error("service failed to start", { service: service.name, reason: entry.failure.reason });
      await service.stop().catch(() => {});
    }
  }

  async #stop(entry: Entry): Promise<void> {
    const { service } = entry;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.stopTimeoutMs);
    });
    try {
      const outcome = await Promise.race([service.stop().then(() => "stopped" as const), timeout]);
      if (outcome === "timeout") this.log.warn("service did not stop in time", { service: service.name });
    } catch (error) {
      this.log.error("service failed to stop cleanly", { service: service.name, error });
    } finally {
      clearTimeout(timer);
    }
  }
}

function now(): string {
  return new Date().toISOString();
}
