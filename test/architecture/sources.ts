// The source files the architecture tests read: every .ts/.tsx of src/ and mod.ts, and their text with
// comments blanked (a comment may name an import or a pattern the rules look for).

import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), "../.."));

/** Every .ts/.tsx file of src/ and mod.ts, by repository-relative path. */
export async function readSources(base = root): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(join(base, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name)) files.set(path, await Deno.readTextFile(join(base, path)));
    }
  };
  await walk("src");
  files.set("mod.ts", await Deno.readTextFile(join(base, "mod.ts")));
  return files;
}

/** Blanks comments but keeps every newline, so offsets still give line numbers. */
export function stripComments(text: string): string {
  return text.replace(
    /\/\*[\s\S]*?\*\/|(^|[^:"'`\\])\/\/[^\n]*/g,
    (m, lead = "") =>
      m.startsWith("/*") ? m.replace(/[^\n]/g, " ") : lead + " ".repeat(m.length - lead.length),
  );
}
