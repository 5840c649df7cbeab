import assert from "node:assert/strict";
import { parseSimCli, SimUsageError } from "../../../src/sim/sim_cli.ts";

const noFiles = (path: string): string => {
  throw new Error(`no file ${path}`);
};

Deno.test("no flags: port 33333 on 127.0.0.1, keep-alive 60 s with 3 misses, no traffic", () => {
  const { help, options } = parseSimCli([], noFiles);
  assert.equal(help, false);
  assert.equal(options.port, 33333);
  assert.equal(options.hostname, "127.0.0.1");
  assert.equal(options.keepaliveSeconds, 60);
  assert.equal(options.maxUnansweredKeepalives, 3);
  assert.equal(options.traffic, undefined);
});

Deno.test("the documented flags reach the simulator options", () => {
  const { options } = parseSimCli([
    "--port=0",
    "--extensions",
    "201-260",
    "--trunks",
    "12",
    "--traffic",
    "90",
    "--seed",
    "5",
    "--keepalive",
    "30",
    "--second-client",
    "reject",
    "--release",
    "close",
    "--device-form",
    "deviceNumber",
    "--duplicate-monitors",
    "allow",
    "--max-monitors",
    "50",
  ], noFiles);
  assert.equal(options.port, 0);
  assert.deepEqual(options.plan, { extensions: "201-260", trunks: 12 });
  assert.deepEqual(options.traffic, { callsPerMinute: 90, seed: 5 });
  assert.equal(options.keepaliveSeconds, 30);
  assert.equal(options.secondClient, "reject");
  assert.equal(options.release, "close");
  assert.equal(options.deviceForm, "deviceNumber");
  assert.equal(options.duplicateMonitors, "allow");
  assert.equal(options.maxMonitors, 50);
});

Deno.test("--talk-time and --ring-time shape the random traffic, in seconds", () => {
  const { options } = parseSimCli(
    ["--traffic", "6000", "--talk-time", "1.5", "--ring-time", "0.2-1"],
    noFiles,
  );
  assert.deepEqual(options.traffic, { callsPerMinute: 6000, seed: 1, talkMeanMs: 1500, ringMs: [200, 1000] });
  // Without --traffic they shape the traffic the console starts later.
  const later = parseSimCli(["--talk-time", "2"], noFiles).options;
  assert.equal(later.traffic, undefined);
  assert.deepEqual(later.trafficProfile, { seed: 1, talkMeanMs: 2000 });
});

Deno.test("a scenario is a built-in name or a JSON file; bad values name their flag", () => {
  assert.equal(parseSimCli(["--scenario", "internal-call"], noFiles).options.scenario?.name, "internal-call");
  const file = JSON.stringify({ name: "mine", steps: [{ call: { from: "101", to: "102" } }] });
  assert.equal(parseSimCli(["--scenario", "my.json"], () => file).options.scenario?.name, "mine");
  assert.throws(() => parseSimCli(["--scenario", "missing.json"], noFiles), SimUsageError);
  assert.throws(() => parseSimCli(["--port", "70000"], noFiles), /--port: expected an integer in 0..65535/);
  assert.throws(() => parseSimCli(["--traffic=-3"], noFiles), /--traffic: expected a positive number/);
  assert.throws(() => parseSimCli(["--bogus"], noFiles), SimUsageError);
  assert.throws(() => parseSimCli(["--traffic", "60", "--talk-time", "0"], noFiles), /--talk-time/);
  assert.throws(() => parseSimCli(["--traffic", "60", "--ring-time", "3-1"], noFiles), /--ring-time/);
});
