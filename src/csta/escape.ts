// The Escape service (op 51, §11): a carrier for vendor private data in both directions. The private
// data stays raw here; Panasonic's KME system data is read in kme_system_data.ts.

import { explicit, type Infer, octetString, opt, raw, req, sequence } from "./codec.ts";
import { cstaPrivateData, noDataResult } from "./extensions.ts";

/**
 * Escape argument `30 { [escapeRegisterID [0]], [security 30], privateData }`; Panasonic puts
 * KmeSpecificPrivateData directly as privateData (`30 0D A4 0B …`). §11 [C-pbx]
 */
export const escapeArgument = sequence("Escape argument", {
  escapeRegisterID: opt(explicit(0, octetString)),
  security: opt(raw("CSTASecurityData", 0x30)),
  privateData: req(cstaPrivateData),
});
export type EscapeArgument = Infer<typeof escapeArgument>;

/** Escape result: `CHOICE { extensions, noData }`. */
export const escapeResult = noDataResult;
