// The integrations suite's far ends, on a thread of their own: the MQTT subscriber and the two webhook
// receivers. In the bench's own event loop their parsing (about 2,800 messages/s at 100 calls/s) delayed
// the CSTA receivers that time the fan-out, in the run with integrations on only, and that queueing counted
// as cstabox's fan-out latency. A real subscriber or CRM is on another machine. Arrival times are absolute
// (`performance.timeOrigin + performance.now()`), as the timer of a thread starts when the thread does.
//
// Messages in: `{ start: brokerUrl }`, `{ collect: true }`, `{ stop: true }`. Out: `{ ready: ports }`,
// `{ arrivals: { mqtt, hooks } }` (each a list of `[callId in hex or null, ms since the epoch]`), `{ stopped: true }`.

import mqtt from "mqtt";

/** A message's call (the PBX's callID in hex, or null) and its arrival, ms since the epoch. */
export type Arrival = [string | null, number];
export type ToReceivers = { start: string } | { collect: true } | { stop: true };
export type FromReceivers =
  | { ready: number[] }
  | { arrivals: { mqtt: Arrival[]; hooks: Arrival[] } }
  | { stopped: true };

const scope = globalThis as unknown as {
  onmessage: (event: MessageEvent<ToReceivers>) => void;
  postMessage(message: FromReceivers): void;
};

const arrivals: { mqtt: Arrival[]; hooks: Arrival[] } = { mqtt: [], hooks: [] };
let subscriber: mqtt.MqttClient | undefined;
let servers: Deno.HttpServer<Deno.NetAddr>[] = [];

const now = () => performance.timeOrigin + performance.now();
const callIdOf = (value: unknown): string | null => typeof value === "string" ? value : null;

scope.onmessage = async (event) => {
  const message = event.data;
  if ("start" in message) {
    subscriber = await mqtt.connectAsync(message.start, { clientId: "bench-subscriber" });
    subscriber.on("message", (_topic, payload) => {
      arrivals.mqtt.push([callIdOf(JSON.parse(payload.toString()).callId), now()]);
    });
    await subscriber.subscribeAsync("bench/+/+/event", { qos: 1 });
    await subscriber.subscribeAsync("bench/call/record", { qos: 1 });
    servers = [0, 1].map(() =>
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
        const body = JSON.parse(await request.text());
        arrivals.hooks.push([callIdOf(body.data?.callId), now()]);
        return new Response(null, { status: 204 });
      })
    );
    scope.postMessage({ ready: servers.map((s) => s.addr.port) });
  } else if ("collect" in message) {
    scope.postMessage({ arrivals });
  } else {
    await subscriber?.endAsync(true);
    for (const server of servers) await server.shutdown();
    scope.postMessage({ stopped: true });
  }
};
