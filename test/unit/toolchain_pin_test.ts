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
