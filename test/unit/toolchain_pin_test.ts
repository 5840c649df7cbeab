import assert from "node:assert/strict";

const read = (path: string) => Deno.readTextFile(new URL(`../../${path}`, import.meta.url));

Deno.test("the README's two commands and CI use the Deno version pinned in .deno-version", async () => {
  const pinned = (await read(".deno-version")).trim();
  assert.match(pinned, /^\d+\.\d+\.\d+$/);
  const readme = await read("README.md");
  const commands = readme.split("\n").filter((l) => l.startsWith("npx --yes deno@"));
  assert.deepEqual(commands.map((l) => l.split(" ")[2]), [`deno@${pinned}`, `deno@${pinned}`]);
  assert.match(commands[0], /task start/);
  assert.match(commands[1], /task test/);
  assert.match(await read(".ci/run"), /want=\$\(cat \.deno-version\)/);
});

Deno.test("the tests run on the Deno version the project pins", async () => {
  assert.equal(Deno.version.deno, (await read(".deno-version")).trim());
});

Deno.test("deno task start, deno task demo and the compiled binary run with the same V8 flags", async () => {
  const v8Flags = (command: string) => command.split(/\s+/).filter((arg) => arg.startsWith("--v8-flags="));
  const tasks = JSON.parse(await read("deno.json")).tasks;
  const shipped = v8Flags(tasks.start);
  assert.ok(shipped.length > 0, "deno task start names its V8 flags");
  assert.deepEqual(v8Flags(tasks.demo), shipped);
  const compile = (await read("scripts/compile.sh")).split("\n").find((l) => l.startsWith("deno compile "));
  assert.deepEqual(v8Flags(compile ?? ""), shipped);
});
