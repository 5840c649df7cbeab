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

// fsync cannot be seen from inside the process: the helper runs in a child under strace, which records the
// system calls; Deno syncs through a dup of the file's descriptor, so descriptors are followed through dups.
const strace = (() => {
  try {
    return new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "renameDurably fsyncs the file it moves before the rename, so a crash cannot leave a renamed empty file",
  ignore: !strace,
  async fn() {
    const dir = await Deno.makeTempDir();
    const staged = join(dir, "cstabox.db.restore-1");
    const target = join(dir, "cstabox.db");
    // Written and closed without a sync, as the restore streams its staged database.
    await Deno.writeFile(staged, new Uint8Array(4096).fill(7));
    const helper = new URL("../../../src/fs/atomic_file.ts", import.meta.url).href;
    const script = `import { renameDurably } from ${JSON.stringify(helper)};
await renameDurably(${JSON.stringify(staged)}, ${JSON.stringify(target)});`;
    const log = join(dir, "strace.log");
    const run = await new Deno.Command("strace", {
      args: [
        "-f",
        "-qq",
        "-e",
        "trace=openat,fcntl,dup,dup2,dup3,close,fsync,fdatasync,rename,renameat,renameat2",
        "-o",
        log,
        Deno.execPath(),
        "eval",
        "--no-config",
        script,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(run.success, new TextDecoder().decode(run.stderr));
    assert.deepEqual(syncsBeforeRename(await Deno.readTextFile(log), staged), {
      synced: true,
      renamed: true,
    });
    await Deno.remove(dir, { recursive: true });
  },
});

/** Replays a strace log: was `path` fsynced (through any descriptor of it) before it was renamed? */
function syncsBeforeRename(log: string, path: string): { synced: boolean; renamed: boolean } {
  // A call another thread interrupted is split into "<unfinished ...>" and "<... name resumed>": join them.
  const pending = new Map<string, string>();
  const calls: string[] = [];
  for (const line of log.split("\n")) {
    const [, pid, rest] = line.match(/^(\d+)\s+(.*)$/) ?? [];
    if (!pid) continue;
    if (rest.endsWith("<unfinished ...>")) pending.set(pid, rest.slice(0, -"<unfinished ...>".length));
    else if (rest.startsWith("<...")) {
      calls.push((pending.get(pid) ?? "") + rest.replace(/^<\.\.\. \w+ resumed>/, ""));
      pending.delete(pid);
    } else calls.push(rest);
  }
  const files = new Map<number, string>();
  let synced = false;
  const quoted = JSON.stringify(path);
  for (const call of calls) {
    const result = Number(call.match(/= (-?\d+)/)?.[1]);
    const opened = call.match(/^openat\(\w+, ("(?:[^"\\]|\\.)*")/);
    if (opened && result >= 0) files.set(result, JSON.parse(opened[1]));
    const duped = call.match(/^(?:fcntl\((\d+), F_DUPFD|dup[23]?\((\d+))/);
    if (duped && result >= 0) files.set(result, files.get(Number(duped[1] ?? duped[2])) ?? "");
    const closed = call.match(/^close\((\d+)\)/);
    if (closed) files.delete(Number(closed[1]));
    const sync = call.match(/^f(?:data)?sync\((\d+)\)/);
    if (sync && result === 0 && files.get(Number(sync[1])) === path) synced = true;
    if (/^rename(?:at2?)?\(/.test(call) && call.includes(quoted) && result === 0) {
      return { synced, renamed: true };
    }
  }
  return { synced, renamed: false };
}
