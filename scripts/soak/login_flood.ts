// Wrong web logins from many loopback source addresses (127.0.0.2, 127.0.0.3, ...), so that cstabox's
// per-address throttle sees many attackers, as issue 18's defect 5 did (40 addresses x 10 wrong logins).
// Deno.connect cannot bind the client's side of a connection; node:net's `localAddress` can. It runs as its
// own process (`LoginFloodProcess`), so its sockets do not slow the harness that times the CTI round trip.

import net from "node:net";

/** How cstabox answered the wrong logins, by HTTP status (401 checked, 429 throttled, 503 busy). */
export type LoginAnswers = Record<string, number>;

/** One POST /login from `localAddress`; resolves with the status code, or "error" (10 s bound). */
function wrongLogin(port: number, localAddress: string, user: string, password: string): Promise<string> {
  const body = `user=${encodeURIComponent(user)}&password=${encodeURIComponent(password)}`;
  const request = `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  return new Promise((resolve) => {
    let head = "";
    const socket = net.createConnection(
      { host: "127.0.0.1", port, localAddress },
      () => socket.write(request),
    );
    const done = (answer: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done("error"), 10_000);
    socket.on("data", (chunk: Uint8Array) => {
      head += new TextDecoder().decode(chunk);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (match) done(match[1]);
    });
    socket.on("error", () => done("error"));
    socket.on("close", () => done("error"));
  });
}

/** `addresses` workers, each from its own loopback address and with its own user name, until stopped. */
function loginFlood(
  port: number,
  addresses: number,
): { answers: LoginAnswers; stop(): Promise<void> } {
  const answers: LoginAnswers = {};
  let stopped = false;
  const workers = Array.from({ length: addresses }, async (_, i) => {
    for (let n = 0; !stopped; n++) {
      const status = await wrongLogin(port, `127.0.0.${2 + i}`, `flood${i}`, `wrong-${n}`);
      answers[status] = (answers[status] ?? 0) + 1;
      if (status === "error") await new Promise((r) => setTimeout(r, 100));
    }
  });
  return {
    answers,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

const floodEntry = new URL(import.meta.url).pathname;

/** The flood as a child process: started against an HTTP port, stopped by SIGTERM, then it reports. */
export class LoginFloodProcess {
  private constructor(readonly child: Deno.ChildProcess) {}

  static start(port: number, addresses: number): LoginFloodProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", floodEntry, String(port), String(addresses)],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    return new LoginFloodProcess(child);
  }

  /** Stops the flood (SIGTERM by its PID) and returns how its logins were answered. */
  async stop(): Promise<LoginAnswers> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // exited already
    }
    const output = new TextDecoder().decode((await this.child.output()).stdout);
    try {
      return JSON.parse(output);
    } catch {
      return { "no report": 1 };
    }
  }
}

if (import.meta.main) {
  const flood = loginFlood(Number(Deno.args[0]), Number(Deno.args[1]));
  Deno.addSignalListener("SIGTERM", async () => {
    await flood.stop();
    console.log(JSON.stringify(flood.answers));
    Deno.exit(0);
  });
}
