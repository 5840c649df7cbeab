// The certificate cstabox makes for itself on first start (and on request): ECDSA P-256, a server
// certificate (not a CA), with every name the appliance is reached by, so browsers only ask about trust.

import { type ApplianceNames, selfSignedNames } from "./appliance_names.ts";
import { generateKey, randomSerialNumber } from "./key_generation.ts";
import { encodePem } from "./pem.ts";
import * as x509 from "./x509.ts";

export interface GeneratedPair {
  certPem: string;
  keyPem: string;
}

/** Validity of a generated certificate: 825 days, the longest Apple platforms accept for a server certificate. */
export const selfSignedValidityDays = 825;

/** Backdated so a client whose clock is a little behind does not see "not yet valid". */
const backdateMs = 5 * 60_000;

export async function generateSelfSigned(
  options: { names: ApplianceNames; now: number; validityDays?: number },
): Promise<GeneratedPair> {
  const { dns, ips } = selfSignedNames(options.names);
  const commonName = options.names.fqdn || options.names.hostname || "cstabox";
  const key = await generateKey("ecdsa-p256");
  const notBefore = new Date(options.now - backdateMs);
  const notAfter = new Date(options.now + (options.validityDays ?? selfSignedValidityDays) * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [commonName] }, { O: ["cstabox (self-signed)"] }],
    notBefore,
    notAfter,
    keys: key.keys,
    signingAlgorithm: key.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dns.map((value) => ({ type: "dns" as const, value })),
        ...ips.map((value) => ({ type: "ip" as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    ],
  });
  return { certPem: encodePem("CERTIFICATE", new Uint8Array(cert.rawData)), keyPem: key.pkcs8Pem };
}
