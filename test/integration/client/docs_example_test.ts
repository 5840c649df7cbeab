// Runs the example of docs/csta-client.md as its own process against cstabox's listener, so the
// documented code is the code that works.

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { replaceInvokeId } from "../../../src/csta/rewrite.ts";
import { exampleApdu, protocolExample } from "../../fixtures/protocol_examples.ts";
import { startListeners, until, within } from "./listener_harness.ts";

const ROOT = new URL("../../../", import.meta.url);

/** The TypeScript block under "A runnable example". */
async function documentedExample(): Promise<string> {
  const doc = await Deno.readTextFile(new URL("docs/csta-client.md", ROOT));
  const section = doc.split("## A runnable example")[1];
  const code = section?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error("docs/csta-client.md has no runnable example");
  return code;
}

Deno.test("the runnable example of docs/csta-client.md monitors a device, prints its events and releases", async () => {
  const h = await startListeners();
  const dir = await Deno.makeTempDir();
  let child: Deno.ChildProcess | undefined;
  try {
    // The example imports "./mod.ts"; a stand-in next to it exports the client the way mod.ts does.
    const client = (file: string) => new URL(`src/client/${file}`, ROOT).href;
    await Deno.writeTextFile(
      join(dir, "mod.ts"),
      `export * from "${client("csta_client.ts")}";\nexport * from "${client("client_errors.ts")}";\n`,
    );
    await Deno.writeTextFile(join(dir, "example.ts"), await documentedExample());
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        fileURLToPath(new URL("deno.json", ROOT)),
        "--allow-net",
        join(dir, "example.ts"),
        "127.0.0.1",
        String(h.tcpPort),
        "201",
        "3",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.output();
    await until(() => h.pbx.requests.includes(Opcode.monitorStart), 20_000, "the example's MonitorStart");
    const delivered = exampleApdu(protocolExample("EventReport Delivered"));
    for (let id = 1; id <= 3; id++) h.fromPbx(replaceInvokeId(delivered, id));
    const result = await within(output, 20_000, "the example to finish");
    child = undefined;
    const stdout = new TextDecoder().decode(result.stdout);
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    assert.match(stdout, /switch status: normal/);
    assert.match(stdout, /monitoring 201/);
    assert.equal(stdout.match(/event: delivered \(newCall\)/g)?.length, 3);
    await until(() => h.board.sessions().length === 0, 5000, "the example's session to end");
    assert.ok(h.logLines.some((line) => line.includes("the application released the association")));
  } finally {
    if (child) {
      child.kill();
      await child.status;
    }
    await h.close();
    await Deno.remove(dir, { recursive: true });
  }
});
