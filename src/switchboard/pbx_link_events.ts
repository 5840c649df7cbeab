// How the PBX link reaches the Switchboard. The two refer to each other (the Switchboard sends through
// the link, the link hands it what it reads), so the link is made first and reaches the Switchboard
// through a getter once it exists.

import type { PbxLinkEvents } from "../pbx/pbx_link.ts";
import type { Switchboard } from "./switchboard.ts";

/**
 * The link's events, each passed to the Switchboard `board()` returns (dropped while it returns nothing,
 * which it does only before the link has been started).
 *
 * @example
 * ```ts
 * let board: Switchboard | undefined;
 * const link = new PbxLink({ events: pbxLinkEventsFor(() => board), log, settings });
 * board = new Switchboard({ upstream: link, ... });
 * ```
 */
export function pbxLinkEventsFor(board: () => Switchboard | undefined): PbxLinkEvents {
  return {
    onReady: () => void board()?.pbxReady(),
    onLost: (reason) => board()?.pbxLost(reason),
    onFrame: (apdu, peek) => board()?.fromPbx(apdu, peek),
    onFramesEnd: () => board()?.pbxFramesEnd(),
  };
}
