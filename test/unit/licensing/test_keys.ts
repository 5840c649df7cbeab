// A licence key pair for tests only, so no test needs the vendor's private key.

import { generateLicenceKeyPair, issueLicenceKey } from "../../../src/licensing/licence_issuer.ts";
import type { LicenceStatement } from "../../../src/licensing/licence_key.ts";

export const testKeys: CryptoKeyPair = await generateLicenceKeyPair();
export const otherKeys: CryptoKeyPair = await generateLicenceKeyPair();

let serial = 0;

/** Issues a test key; fields not given get plain defaults and a fresh id. */
export function testLicence(fields: Partial<LicenceStatement> = {}, keys = testKeys): Promise<string> {
  return issueLicenceKey(keys.privateKey, {
    v: 1,
    id: `T-${++serial}`,
    customer: "Test customer",
    lines: 2,
    issued: "2026-01-01",
    ...fields,
  });
}
