// Runs cstabox as a real child process (from any working directory) and reads its start-up lines, so
// tests see the product the way an administrator or a service manager does.

import { fileURLToPath } from "node:url";

/** Flags that keep every listener on loopback with a free port; later flags override earlier ones. */
export const loopbackFlags: readonly string[] = [
  "--bind",
  "127.0.0.1",
  "--http-port",
  "0",
  "--https-port",
  "0",
  "--csta-port",
  "0",
  "--csta-tls-port",
  "0",
  "--smdr-port",
  "0",
];

export const entryPoint = fileURLToPath(new URL("../../mod.ts", import.meta.url));

export interface CstaboxProcess {
  child: Deno.ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr: () => string;
  /** The port of `cstabox listening <name> host:port`. */
  port(name: string): number;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Resolve once this line has been printed (default `cstabox ready`). */
  until?: string;
  timeoutMs?: number;
}

export async function startCstabox(args: string[], options: StartOptions = {}): Promise<CstaboxProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--unstable-raw-imports", "--unstable-net", entryPoint, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const lines: string[] = [];
  let stderrText = "";
  const until = options.until ?? "cstabox ready";
  const seen = Promise.withResolvers<void>();
  const exited = child.status.then((s) => s.code);
  (async () => {
    const decoder = new TextDecoderStream();
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(decoder)) {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line === until) seen.resolve();
      }
    }
  })();
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderrText += chunk;
  })();
  const timeoutMs = options.timeoutMs ?? 20_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    seen.promise.then(() => "seen" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome !== "seen") {
    if (outcome === "timeout") child.kill("SIGKILL");
    await exited;
    throw new Error(
      `cstabox did not print "${until}" (${outcome}); stdout: ${lines.join(" | ")}; stderr: ${stderrText}`,
    );
  }
  return {
    child,
    lines,
    stderr: () => stderrText,
    port(name: string): number {
      const line = lines.find((l) => l.startsWith(`cstabox listening ${name} `));
      if (!line) throw new Error(`no listener ${name} in ${lines.join(" | ")}`);
      return Number(line.slice(line.lastIndexOf(":") + 1));
    },
    async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
      return await exited;
    },
  };
}

/** Runs cstabox to completion (for flags that exit at once) and returns code and output. */
export async function runCstabox(args: string[], cwd?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--unstable-raw-imports", "--unstable-net", entryPoint, ...args],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
