// The line sync reads the PBX's device list when the association comes up, which the Switchboard says with
// SystemStatus: normal, or partiallyDisabled when some monitors could not be re-created (the link is up).

import assert from "node:assert/strict";
import { join } from "node:path";
import { Opcode } from "../../../src/csta/opcodes.ts";
import { peekApdu } from "../../../src/csta/peek.ts";
import { encodeReturnError } from "../../../src/csta/rose.ts";
import { systemStatusInvoke } from "../../../src/csta/system_services.ts";
import { LineRepository } from "../../../src/lines/line_repository.ts";
import { LineStoreSync } from "../../../src/lines/line_store_sync.ts";
import { LineSync } from "../../../src/lines/line_sync.ts";
import { LocationRepository } from "../../../src/lines/location_repository.ts";
import { Logger } from "../../../src/log/logger.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { DeviceDirectory } from "../../../src/switchboard/device_directory.ts";
import { ScriptedBoard, settle } from "../client/scripted_board.ts";

Deno.test("the device list is read when the link returns with some monitors lost (partiallyDisabled), and not again when they recover", async () => {
  const dir = await Deno.makeTempDir();
  const db = openDatabase(join(dir, "t.db"));
  const board = new ScriptedBoard();
  const sync = new LineSync({
    switchboard: board,
    directory: new DeviceDirectory(),
    lineSync: new LineStoreSync(new LineRepository(() => db), new LocationRepository(() => db)),
    log: new Logger("test", { sink: () => {} }),
    queryTimeoutMs: 50,
  });
  const queries = () =>
    board.sent.filter((apdu) =>
      (peekApdu(apdu) as { opcode?: number }).opcode === Opcode.getSwitchingFunctionDevices
    )
      .length;
  // The PBX refuses every request at once, so each read ends quickly.
  board.script = (apdu) => {
    const peek = peekApdu(apdu) as { kind: string; invokeId: number };
    return peek.kind === "invoke"
      ? encodeReturnError(peek.invokeId, { kind: "operation", value: "generic" })
      : undefined;
  };
  try {
    await sync.start();
    await new Promise((r) => setTimeout(r, 200)); // the greeting's read ends
    board.deliver(systemStatusInvoke(1, "disabled"));
    await settle();
    const atLoss = queries();
    board.deliver(systemStatusInvoke(2, "partiallyDisabled"));
    await settle();
    assert.equal(queries(), atLoss + 1, "the association is up again: the list is read");
    await new Promise((r) => setTimeout(r, 200));
    board.deliver(systemStatusInvoke(3, "normal"));
    await settle();
    assert.equal(queries(), atLoss + 1, "recovered monitors are no new association");
  } finally {
    await sync.stop();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
