import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../../../src/fs/atomic_file.ts";

Deno.test("a failed write leaves the old file intact and no temp file behind", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "cstabox.yaml");
  await Deno.writeTextFile(file, "old content\n");
  await assert.rejects(
    writeFileAtomic(file, "new content\n", {
      beforeReplace: () => {
        throw new Error("disk full");
      },
    }),
    /disk full/,
  );
  assert.equal(await Deno.readTextFile(file), "old content\n");
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.deepEqual(names, ["cstabox.yaml"]);
});
