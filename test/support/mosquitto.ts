// A real Mosquitto broker for tests: its own generated config on a free 127.0.0.1 port, started and
// stopped by PID; and a subscriber that collects what arrives.

import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";

export const MOSQUITTO = "/usr/sbin/mosquitto";

export interface Broker {
  port: number;
  url: string;
  /** The broker's process while it runs (the integrations bench reads its CPU time). */
  readonly pid: number | undefined;
  /** Stops the broker (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop`). */
  restart(): Promise<void>;
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts Mosquitto; `users` makes it refuse anonymous clients and accept these user/password pairs. */
export async function startBroker(
  options: {
    users?: Record<string, string>;
    port?: number;
    /** Keep sessions and queued messages across a restart (written to the temp dir on stop). */
    persistent?: boolean;
  } = {},
): Promise<Broker> {
  const dir = await Deno.makeTempDir({ prefix: "cstabox-mosquitto-" });
  const port = options.port ?? freePort();
  const lines = [`listener ${port} 127.0.0.1`, "log_dest stderr", "log_type error"];
  // Started as root, Mosquitto would switch to its own user, who cannot read the password file or write the
  // persistence file in this private temp dir.
  if (Deno.uid() === 0) lines.push("user root");
  lines.push(
    ...(options.persistent ? ["persistence true", `persistence_location ${dir}/`] : ["persistence false"]),
  );
  if (options.users) {
    const passwords = join(dir, "passwords");
    await Deno.writeTextFile(passwords, "");
    for (const [user, password] of Object.entries(options.users)) {
      const out = await new Deno.Command("/usr/bin/mosquitto_passwd", {
        args: ["-b", passwords, user, password],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(`mosquitto_passwd failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    await Deno.chmod(passwords, 0o600);
    lines.push("allow_anonymous false", `password_file ${passwords}`);
  } else {
    lines.push("allow_anonymous true");
  }
  const config = join(dir, "mosquitto.conf");
  await Deno.writeTextFile(config, lines.join("\n") + "\n");
  let child: Deno.ChildProcess | undefined;
  const launch = async () => {
    child = new Deno.Command(MOSQUITTO, {
      args: ["-c", config],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    })
      .spawn();
    await waitForPort(port, 5000);
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async stop() {
      if (!child) return;
      const running = child;
      child = undefined;
      try {
        running.kill("SIGTERM");
      } catch { /* exited */ }
      const timer = setTimeout(() => {
        try {
          running.kill("SIGKILL");
        } catch { /* exited */ }
      }, 3000);
      await running.status;
      clearTimeout(timer);
    },
    async restart() {
      if (child) return;
      await launch();
    },
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${error}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A subscriber collecting every message on `filter`. */
export async function subscribe(url: string, filter: string): Promise<{
  messages: Received[];
  client: MqttClient;
  close(): Promise<void>;
}> {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 200,
    clean: false,
    clientId: `test-${crypto.randomUUID().slice(0, 8)}`,
  });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { messages, client, close: () => client.endAsync() };
}
