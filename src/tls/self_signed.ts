// The certificate cstabox makes for itself on first start (and on request): ECDSA P-256, a server
// certificate (not a CA), with every name the appliance is reached by, so browsers only ask about trust.

import * as asn1js from "asn1js";
import { type ApplianceNames, selfSignedNames } from "./appliance_names.ts";
import { encodeName } from "./distinguished_name.ts";
import { generateKey, randomSerialNumber } from "./key_generation.ts";
import { encodePem } from "./pem.ts";
import { signatureAlgorithmFor, signStructure } from "./signature_algorithm.ts";
import { encodeServerExtensions, KeyUsage } from "./x509_extensions.ts";

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
  const name = encodeName([["CN", commonName], ["O", "cstabox (self-signed)"]]);
  const tbsCertificate = new asn1js.Sequence({
    value: [
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Integer({ value: 2 })],
      }),
      new asn1js.Integer({ valueHex: randomSerialNumber().buffer }),
      signatureAlgorithmFor(key.privateKey),
      name,
      new asn1js.Sequence({
        value: [
          certificateTime(new Date(options.now - backdateMs)),
          certificateTime(
            new Date(options.now + (options.validityDays ?? selfSignedValidityDays) * 86_400_000),
          ),
        ],
      }),
      name,
      asn1js.fromBER(key.spkiDer).result,
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 3 },
        value: [encodeServerExtensions({
          dns,
          ips,
          keyUsage: KeyUsage.digitalSignature,
          certificate: { subjectPublicKeyInfo: key.spkiDer },
        })],
      }),
    ],
  });
  const der = signStructure(tbsCertificate, key.privateKey);
  return { certPem: encodePem("CERTIFICATE", der), keyPem: key.pkcs8Pem };
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
function certificateTime(date: Date): asn1js.UTCTime {
  const valueDate = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return valueDate.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate })
    : new asn1js.GeneralizedTime({ valueDate });
}
