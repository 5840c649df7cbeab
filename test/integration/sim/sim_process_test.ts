import assert from "node:assert/strict";
import { CstaClient } from "../../../src/client/csta_client.ts";

const MAIN = new URL("../../../src/sim/main.ts", import.meta.url).pathname;

/** Reads stdout lines until one matches, bounded in time. */
async function waitForLine(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  let buffered = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in: ${buffered}`)), timeoutMs);
  });
  try {
    for (;;) {
      const match = buffered.match(pattern);
      if (match) return match;
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error(`stdout ended before ${pattern}: ${buffered}`);
      buffered += value;
    }
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("deno task sim's entry point prints where it listens, serves a CstaClient and stops on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env",
      MAIN,
      "--port",
      "0",
      "--extensions",
      "201-230",
      "--trunks",
      "2",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const [, host, port] = await waitForLine(reader, /^cstabox-sim listening (127\.0\.0\.1):(\d+)$/m, 30_000);
    const client = await CstaClient.connect({ hostname: host, port: Number(port), timeoutMs: 5000 });
    try {
      assert.equal(await client.requestSystemStatus(), "normal");
      const crossRef = await client.monitorStart("201");
      assert.equal(crossRef.length, 4);
      const { callingDevice } = await client.makeCall("201", "202");
      assert.equal(callingDevice.deviceID?.kind, "staticID");
      await stdin.write(new TextEncoder().encode("status\n"));
      await waitForLine(reader, /"associated":true,.*"calls":1,"monitors":1,"devices":34/, 10_000);
    } finally {
      await client.close();
    }
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    await stdin.close().catch(() => {});
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.status;
  }
});

Deno.test("deno task sim refuses a bad flag with its usage and exit code 2", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", MAIN, "--second-client", "sometimes"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.match(
    new TextDecoder().decode(output.stderr),
    /--second-client: expected one of close, reject, dropFirst/,
  );
});
