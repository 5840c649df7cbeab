// The in-process transport hands the Switchboard's deliveries to its client in a turn of the event loop of
// their own, after the reads already waiting: call tracking, the integrations and the line API must not
// delay the fan-out of the PBX's next event, which arrives in a read of its own.

import assert from "node:assert/strict";
import { InProcessTransport, type SwitchboardAccess } from "../../../src/client/in_process_transport.ts";
import type { Session, SessionPort } from "../../../src/switchboard/session.ts";

/** A Switchboard that attaches one session and hands back its port, so the test can deliver to it. */
function boardKeepingThePort() {
  let port: SessionPort | undefined;
  const board: SwitchboardAccess = {
    attach(_info, given) {
      port = given;
      return { id: 1 } as unknown as Session;
    },
    greet() {},
    fromApplication() {},
    detach() {},
  };
  return { board, port: () => port! };
}

Deno.test("a delivery to an in-process session waits for the read whose bytes are already there", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = await Deno.connect({ hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port });
  const server = await listener.accept();
  try {
    await client.write(new Uint8Array([0xa1, 0x00])); // the PBX's next event, waiting in the socket
    await new Promise((r) => setTimeout(r, 20));
    const { board, port } = boardKeepingThePort();
    const order: string[] = [];
    const transport = new InProcessTransport(board, { name: "call-tracking", seatKind: "call-tracking" });
    transport.start({ onApdu: () => order.push("delivered"), onClosed: () => {} });

    port().deliver(new Uint8Array([0xa1, 0x01]));
    const read = server.read(new Uint8Array(16)).then(() => order.push("next PBX read"));
    await Promise.resolve();
    assert.deepEqual(order, [], "not handed on in the delivering turn's microtasks");
    await read;
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(order, ["next PBX read", "delivered"]);
    transport.close("test over");
  } finally {
    client.close();
    server.close();
    listener.close();
  }
});

Deno.test("deliveries made in one turn reach the in-process client together and in order", async () => {
  const { board, port } = boardKeepingThePort();
  const got: number[] = [];
  const transport = new InProcessTransport(board, { name: "line-api", seatKind: "line" });
  transport.start({ onApdu: (apdu) => got.push(apdu[0]), onClosed: () => {} });
  for (const n of [1, 2, 3]) port().deliver(new Uint8Array([n]));
  assert.equal(port().queuedBytes(), 3);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(port().queuedBytes(), 0);
  transport.close("test over");
});
