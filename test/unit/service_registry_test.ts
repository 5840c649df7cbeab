import assert from "node:assert/strict";
import { Lifecycle } from "../../src/lifecycle.ts";
import { Logger } from "../../src/log/logger.ts";
import type { Service, ServiceStatus } from "../../src/service.ts";
import { ServiceRegistry } from "../../src/service_registry.ts";

class FakeService implements Service {
  lifecycle = new Lifecycle();
  constructor(readonly name: string, private readonly journal: string[], private readonly failWith?: Error) {}
  start(): Promise<void> {
    this.journal.push(`start ${this.name}`);
    if (this.failWith) return Promise.reject(this.failWith);
    this.lifecycle.set("running");
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.journal.push(`stop ${this.name}`);
    this.lifecycle.set("stopped");
    return Promise.resolve();
  }
  status(): ServiceStatus {
    return this.lifecycle.snapshot();
  }
}

const quietLog = () => new Logger("test", { sink: () => {}, format: "json" });

Deno.test("services start in order and stop in reverse", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog());
  for (const name of ["store", "pbx", "http"]) registry.add(new FakeService(name, journal));
  await registry.startAll();
  await registry.stopAll();
  assert.deepEqual(journal, [
    "start store",
    "start pbx",
    "start http",
    "stop http",
    "stop pbx",
    "stop store",
  ]);
});

Deno.test("a service that fails to start is reported with its reason and the others run", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog());
  registry.add(new FakeService("store", journal));
  registry.add(new FakeService("csta-tcp", journal, new Deno.errors.AddrInUse("0.0.0.0:33333")));
  registry.add(new FakeService("http", journal));
  await registry.startAll();
  const status = registry.status();
  assert.equal(status.store.state, "running");
  assert.equal(status.http.state, "running");
  assert.equal(status["csta-tcp"].state, "failed");
  assert.match(status["csta-tcp"].reason!, /address already in use/);
  assert.deepEqual(registry.failures().map((f) => f.name), ["csta-tcp"]);
});

Deno.test("a service whose dependency failed is not started and says why", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog());
  registry.add(new FakeService("store", journal, new Error("disk is read-only")));
  registry.add(new FakeService("lines", journal), { dependsOn: ["store"] });
  await registry.startAll();
  assert.equal(registry.status().lines.state, "failed");
  assert.equal(registry.status().lines.reason, "not started: store not running");
  assert.deepEqual(journal.filter((j) => j.startsWith("start")), ["start store"]);
});

Deno.test("a service that hangs in stop does not hold up the others", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog(), 50);
  const hanging = new FakeService("hangs", journal);
  let release = () => {};
  hanging.stop = () => new Promise<void>((resolve) => (release = resolve));
  registry.add(new FakeService("store", journal));
  registry.add(hanging);
  await registry.startAll();
  await registry.stopAll();
  assert.deepEqual(journal.at(-1), "stop store");
  release();
});

Deno.test("restart clears an earlier start failure once the service starts", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog());
  const flaky = new FakeService("http", journal, new Error("port taken"));
  registry.add(flaky);
  await registry.startAll();
  assert.equal(registry.status().http.state, "failed");
  (flaky as unknown as { failWith?: Error }).failWith = undefined;
  const status = await registry.restart("http");
  assert.equal(status.state, "running");
});

Deno.test("a service that could not be made is failed with its reason, and its dependents are not started", async () => {
  const journal: string[] = [];
  const registry = new ServiceRegistry(quietLog());
  registry.addUnavailable("simulator", 'extensions: "101-1100": both ends need the same number of digits');
  registry.add(new FakeService("pbx-link", journal), { dependsOn: ["simulator"] });
  registry.add(new FakeService("http", journal));
  await registry.startAll();
  const status = registry.status();
  assert.equal(status.simulator.state, "failed");
  assert.match(status.simulator.reason ?? "", /101-1100/);
  assert.equal(status["pbx-link"].reason, "not started: simulator not running");
  assert.equal(status.http.state, "running");
  assert.deepEqual(registry.failures().map((f) => f.name), ["simulator", "pbx-link"]);
});
